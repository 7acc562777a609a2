package localaws_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// reservationsBefore queries the reservations index of team bucket of for the items
// that expire before cut, as the ledger does.
func reservationsBefore(t *testing.T, c *dynamodb.Client, table, of string, cut int) []string {
	t.Helper()
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String(governance.ReservationIndex),
		KeyConditionExpression:    aws.String("#of = :of AND #x < :cut"),
		ExpressionAttributeNames:  map[string]string{"#of": governance.AttrReservationOf, "#x": governance.AttrReservationX},
		ExpressionAttributeValues: map[string]types.AttributeValue{":of": sv(of), ":cut": nv(cut)}})
	if err != nil {
		t.Fatalf("Query on the index: %v", err)
	}
	var pks []string
	for _, it := range out.Items {
		pks = append(pks, it["pk"].(*types.AttributeValueMemberS).Value)
	}
	return pks
}

func putReservation(t *testing.T, c *dynamodb.Client, table, team, slot string, x int) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": sv(governance.ReservationKey(team, slot)), governance.AttrReservationOf: sv(team + "#0"), governance.AttrReservationX: nv(x)}}); err != nil {
		t.Fatal(err)
	}
}

// The reservations index of the cap table, through the front (model validation, IAM,
// metering) to dynalite: created with the table, or added to a table of the old layout
// with UpdateTable, which reports it CREATING and backfilling, then ACTIVE with the
// table's existing reservation items in it; Query by bucket and expiry finds them.
func TestDynamoDBReservationIndex(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, localaws.WithDynamoDB(dynaliteEndpoint))
	c := dynamodb.NewFromConfig(cfg)
	ctx := context.Background()

	const fresh = "gsi-fresh"
	if _, err := c.CreateTable(ctx, governance.CreateTableInput(fresh)); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, fresh)
	putReservation(t, c, fresh, "a", "1", 100)
	putReservation(t, c, fresh, "a", "2", 200)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(fresh), Item: map[string]types.AttributeValue{"pk": sv(governance.SliceKey("a", 0))}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(reservationsBefore(t, c, fresh, "a#0", 150)); got != "[rsv#a#1]" {
		t.Fatalf("reservations before 150 = %s, want [rsv#a#1] (sparse: the slice item is not in the index)", got)
	}

	const old = "gsi-old"
	createTable(t, c, old) // layout 1: pk only, no index
	putReservation(t, c, old, "b", "1", 100)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(old), Item: map[string]types.AttributeValue{
		"pk": sv("odd"), governance.AttrReservationOf: sv("b#0"), governance.AttrReservationX: sv("not a number")}}); err != nil {
		t.Fatal(err)
	}
	up, err := c.UpdateTable(ctx, governance.AddReservationIndexInput(old))
	if err != nil {
		t.Fatalf("UpdateTable adding the index: %v", err)
	}
	if g := up.TableDescription.GlobalSecondaryIndexes; len(g) != 1 || g[0].IndexStatus != types.IndexStatusCreating || !aws.ToBool(g[0].Backfilling) {
		t.Fatalf("UpdateTable's indexes = %+v, want the new index CREATING and backfilling", g)
	}
	putReservation(t, c, old, "b", "2", 120) // written while the index is being built
	waitActive(t, c, old)
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(old)})
	if err != nil {
		t.Fatal(err)
	}
	if g := d.Table.GlobalSecondaryIndexes; len(g) != 1 || aws.ToString(g[0].IndexName) != governance.ReservationIndex || g[0].Backfilling != nil {
		t.Fatalf("DescribeTable's indexes = %+v, want %s, done backfilling", g, governance.ReservationIndex)
	}
	if got := fmt.Sprint(reservationsBefore(t, c, old, "b#0", 150)); got != "[rsv#b#1 rsv#b#2]" {
		t.Fatalf("reservations before 150 = %s, want [rsv#b#1 rsv#b#2]", got)
	}
	_, err = c.UpdateTable(ctx, governance.AddReservationIndexInput(old))
	wantAPIError(t, err, "ValidationException")

	// Deleting it: DELETING, then gone.
	del, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(old), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{
		{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(governance.ReservationIndex)}}}})
	if err != nil {
		t.Fatalf("UpdateTable deleting the index: %v", err)
	}
	if g := del.TableDescription.GlobalSecondaryIndexes; len(g) != 1 || g[0].IndexStatus != types.IndexStatusDeleting {
		t.Fatalf("UpdateTable's indexes = %+v, want the index DELETING", g)
	}
	waitActive(t, c, old)
	if d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(old)}); err != nil || len(d.Table.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("after deleting the index: %v, %+v", err, d)
	}
}
