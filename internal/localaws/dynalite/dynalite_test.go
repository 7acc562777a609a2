package dynalite_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// startWithTable starts a dynalite for the test (stopped when it ends) and creates table
// in it, on demand with the string partition key pk; it returns a client of it.
func startWithTable(t *testing.T, ctx context.Context, table string) *dynamodb.Client {
	t.Helper()
	p, err := dynalite.Start(ctx)
	if err != nil {
		t.Fatalf("start dynalite: %v", err)
	}
	t.Cleanup(p.Stop)
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(p.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return client
}

func TestStartServesDynamoDB(t *testing.T) {
	ctx := context.Background()
	client := startWithTable(t, ctx, "bedgov-test")
	out, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(out.TableNames) != 1 || out.TableNames[0] != "bedgov-test" {
		t.Fatalf("tables = %v, want [bedgov-test]", out.TableNames)
	}
}

// UpdateTable creates a global secondary index on a table that has items, as DynamoDB
// does: CREATING while it backfills, then ACTIVE with every item that carries the
// index's keys (a sparse index skips the rest), and kept up to date by later writes.
// dynalite 4.0 alone accepts the request and ignores it (tools/node/dynalite-gsi.js).
func TestUpdateTableCreatesIndex(t *testing.T) {
	ctx := context.Background()
	const table = "bedgov-caps"
	client := startWithTable(t, ctx, table)
	put := func(pk string, expiry string) {
		t.Helper()
		item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
		if expiry != "" {
			item[governance.AttrReservationOf] = &types.AttributeValueMemberS{Value: "a#0"}
			item[governance.AttrReservationX] = &types.AttributeValueMemberN{Value: expiry}
		}
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	put("team#a", "")
	put("rsv#a#1", "200")
	put("rsv#a#2", "100")

	if _, err := client.UpdateTable(ctx, governance.AddReservationIndexInput(table)); err != nil {
		t.Fatalf("add the index: %v", err)
	}
	var status types.IndexStatus
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Table.GlobalSecondaryIndexes) != 1 {
			t.Fatalf("indexes = %+v, want the reservations index", out.Table.GlobalSecondaryIndexes)
		}
		if status = out.Table.GlobalSecondaryIndexes[0].IndexStatus; status == types.IndexStatusActive && out.Table.TableStatus == types.TableStatusActive {
			break
		}
	}
	if status != types.IndexStatusActive {
		t.Fatalf("index status %s, want ACTIVE", status)
	}
	put("rsv#a#3", "150") // written after the backfill: the index follows

	out, err := client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String(governance.ReservationIndex),
		KeyConditionExpression:    aws.String("#o = :o"),
		ExpressionAttributeNames:  map[string]string{"#o": governance.AttrReservationOf},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: "a#0"}},
	})
	if err != nil {
		t.Fatalf("query the index: %v", err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, it["pk"].(*types.AttributeValueMemberS).Value)
	}
	if want := []string{"rsv#a#2", "rsv#a#3", "rsv#a#1"}; !slices.Equal(got, want) {
		t.Fatalf("index holds %v, want %v (sorted by expiry, no team record)", got, want)
	}

	// DynamoDB refuses an index that exists, and throughput for an on-demand table's index.
	var ve smithy.APIError
	_, err = client.UpdateTable(ctx, governance.AddReservationIndexInput(table))
	if !errors.As(err, &ve) || ve.ErrorCode() != "ValidationException" || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("creating the index again: %v, want a ValidationException", err)
	}
	in := governance.AddReservationIndexInput(table)
	in.GlobalSecondaryIndexUpdates[0].Create.IndexName = aws.String("other")
	in.GlobalSecondaryIndexUpdates[0].Create.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	if _, err = client.UpdateTable(ctx, in); !errors.As(err, &ve) || ve.ErrorCode() != "ValidationException" {
		t.Fatalf("throughput on an on-demand table's index: %v, want a ValidationException", err)
	}
}
