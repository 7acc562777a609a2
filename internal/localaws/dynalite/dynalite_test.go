package dynalite_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

func TestStartServesDynamoDB(t *testing.T) {
	ctx := context.Background()
	p, err := dynalite.Start(ctx)
	if err != nil {
		t.Fatalf("start dynalite: %v", err)
	}
	defer p.Stop()

	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(p.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("bedgov-test"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	out, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(out.TableNames) != 1 || out.TableNames[0] != "bedgov-test" {
		t.Fatalf("tables = %v, want [bedgov-test]", out.TableNames)
	}
}
