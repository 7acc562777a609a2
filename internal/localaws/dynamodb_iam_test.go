package localaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func isAccessDenied(err error) bool {
	var ad interface{ ErrorCode() string }
	return errors.As(err, &ad) && ad.ErrorCode() == "AccessDeniedException"
}

// A transaction is authorized item by item with the underlying actions (PutItem,
// UpdateItem, DeleteItem, ConditionCheckItem): a role lacking one of them is refused the
// whole transaction before anything is written. BatchGetItem needs its own action on
// each table, and a Query on an index is authorized on the index's ARN.
func TestDynamoDBTransactAuthorizedPerItem(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, localaws.WithDynamoDB(dynaliteEndpoint))
	ctx := context.Background()
	admin := dynamodb.NewFromConfig(cfg)
	const tbl = "iam-ledger"
	if _, err := admin.CreateTable(ctx, governance.CreateTableInput(tbl)); err != nil {
		t.Fatal(err)
	}
	waitActive(t, admin, tbl)
	if _, err := admin.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: map[string]types.AttributeValue{"pk": sv("slice"), "bal": nv(10)}}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:dynamodb:us-east-1:" + s.Account() + ":table/" + tbl
	rc := assumedRole(t, s, cfg, "ledger")
	db := dynamodb.NewFromConfig(rc)
	grant := func(actions string, resources string) {
		t.Helper()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + actions + `],"Resource":[` + resources + `]}]}`
		if _, err := iam.NewFromConfig(cfg).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ledger"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	settle := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(tbl), Key: keyOf("slice"), UpdateExpression: aws.String("SET bal = bal - :n"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": nv(1)}}},
		{Delete: &types.Delete{TableName: aws.String(tbl), Key: keyOf("rsv#a#1")}},
	}}
	grant(`"dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem"`, `"`+arn+`"`)
	if _, err := db.TransactWriteItems(ctx, settle); !isAccessDenied(err) {
		t.Fatalf("transaction with a Delete, no dynamodb:DeleteItem: %v, want AccessDeniedException", err)
	}
	if b := balance(t, admin, tbl, "slice"); b != 10 {
		t.Fatalf("denied transaction wrote: bal = %d, want 10", b)
	}
	check := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(tbl), Key: keyOf("slice"), UpdateExpression: aws.String("SET bal = bal - :n"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": nv(1)}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tbl), Key: keyOf("cfg"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}}
	if _, err := db.TransactWriteItems(ctx, check); !isAccessDenied(err) {
		t.Fatalf("transaction with a ConditionCheck, no dynamodb:ConditionCheckItem: %v, want AccessDeniedException", err)
	}
	// No action of its own: the underlying actions are enough.
	grant(`"dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem","dynamodb:ConditionCheckItem"`, `"`+arn+`"`)
	for _, in := range []*dynamodb.TransactWriteItemsInput{settle, check} {
		if _, err := db.TransactWriteItems(ctx, in); err != nil {
			t.Fatalf("with the item actions: %v", err)
		}
	}
	if b := balance(t, admin, tbl, "slice"); b != 8 {
		t.Fatalf("bal = %d, want 8", b)
	}

	batch := &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{tbl: {Keys: []map[string]types.AttributeValue{keyOf("slice")}, ConsistentRead: aws.Bool(true)}}}
	if _, err := db.BatchGetItem(ctx, batch); !isAccessDenied(err) {
		t.Fatalf("BatchGetItem with GetItem only: %v, want AccessDeniedException", err)
	}
	query := &dynamodb.QueryInput{TableName: aws.String(tbl), IndexName: aws.String(governance.ReservationIndex),
		KeyConditionExpression:    aws.String("#of = :of AND #x < :cut"),
		ExpressionAttributeNames:  map[string]string{"#of": governance.AttrReservationOf, "#x": governance.AttrReservationX},
		ExpressionAttributeValues: map[string]types.AttributeValue{":of": sv("a#0"), ":cut": nv(100)}}
	// dynamodb:Query on the table does not reach its indexes.
	grant(`"dynamodb:BatchGetItem","dynamodb:Query"`, `"`+arn+`"`)
	if _, err := db.BatchGetItem(ctx, batch); err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	if _, err := db.Query(ctx, query); !isAccessDenied(err) {
		t.Fatalf("Query on the index with the table's ARN only: %v, want AccessDeniedException", err)
	}
	grant(`"dynamodb:Query"`, `"`+arn+`/index/`+governance.ReservationIndex+`"`)
	if _, err := db.Query(ctx, query); err != nil {
		t.Fatalf("Query on the index: %v", err)
	}
}
