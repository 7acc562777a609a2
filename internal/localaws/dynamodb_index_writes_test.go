package localaws_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func capTable(t *testing.T, opts ...localaws.Option) (*localaws.Server, *dynamodb.Client, string) {
	t.Helper()
	s, cfg := start(t, append([]localaws.Option{localaws.WithDynamoDB(dynaliteEndpoint)}, opts...)...)
	c := dynamodb.NewFromConfig(cfg)
	name := "idx-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if _, err := c.CreateTable(context.Background(), governance.CreateTableInput(name)); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
	return s, c, name
}

func indexUsage(s *localaws.Server, table, key string) localaws.PartitionUsage {
	for _, u := range s.DynamoDBUsage() {
		if u.Table == table && u.Index == governance.ReservationIndex && u.PartitionKey == "S:"+key {
			return u
		}
	}
	return localaws.PartitionUsage{}
}

func rsvItem(team, slot string, x int, extra map[string]types.AttributeValue) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{"pk": sv(governance.ReservationKey(team, slot)), governance.AttrReservationOf: sv(team + "#0"), governance.AttrReservationX: nv(x)}
	for k, v := range extra {
		it[k] = v
	}
	return it
}

// Writes to the cap table write the reservations index as DynamoDB charges them: an
// item entering or leaving the index one write, a changed index key two, a changed
// projected attribute one, an item outside the index none; each by the entry's size,
// on the index's partition, added to the request's units (reported per index with
// INDEXES), in a transaction as well.
func TestDynamoDBIndexWriteUnits(t *testing.T) {
	t.Parallel()
	s, c, tbl := capTable(t)
	ctx := context.Background()
	idx := func(u float64) map[string]float64 { return map[string]float64{governance.ReservationIndex: u} }
	check := func(what string, cc *types.ConsumedCapacity, table float64, index map[string]float64) {
		t.Helper()
		total := table
		for _, u := range index {
			total += u
		}
		if cc == nil || aws.ToFloat64(cc.CapacityUnits) != total || cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != table {
			t.Fatalf("%s: consumed %+v, want %v in all, %v on the table", what, cc, total, table)
		}
		for n, u := range index {
			if g, ok := cc.GlobalSecondaryIndexes[n]; !ok || aws.ToFloat64(g.CapacityUnits) != u {
				t.Fatalf("%s: index %s consumed %+v, want %v", what, n, cc.GlobalSecondaryIndexes, u)
			}
		}
		if len(index) == 0 && len(cc.GlobalSecondaryIndexes) != 0 {
			t.Fatalf("%s: index writes %+v, want none", what, cc.GlobalSecondaryIndexes)
		}
	}
	indexes := types.ReturnConsumedCapacityIndexes
	put, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: rsvItem("a", "1", 100, nil), ReturnConsumedCapacity: indexes})
	if err != nil {
		t.Fatal(err)
	}
	check("put of a reservation", put.ConsumedCapacity, 1, idx(1))
	put, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: map[string]types.AttributeValue{"pk": sv(governance.SliceKey("a", 0))}, ReturnConsumedCapacity: indexes})
	if err != nil {
		t.Fatal(err)
	}
	check("put of a slice (not in the index)", put.ConsumedCapacity, 1, nil)
	upd := func(expr string, vals map[string]types.AttributeValue) *types.ConsumedCapacity {
		t.Helper()
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tbl), Key: keyOf(governance.ReservationKey("a", "1")),
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals, ReturnConsumedCapacity: indexes})
		if err != nil {
			t.Fatal(err)
		}
		return out.ConsumedCapacity
	}
	check("new expiry (index key)", upd("SET rsv_x = :x", map[string]types.AttributeValue{":x": nv(200)}), 1, idx(2))
	check("new amount (projected)", upd("SET amount_micros = :a", map[string]types.AttributeValue{":a": nv(5)}), 1, idx(1))
	check("same amount", upd("SET amount_micros = :a", map[string]types.AttributeValue{":a": nv(5)}), 1, nil)
	// 1.5 KB entry: 2 units on the index as on the table.
	check("big entry", upd("SET fill = :f", map[string]types.AttributeValue{":f": sv(strings.Repeat("x", 1500))}), 2, idx(2))
	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tbl), Key: keyOf(governance.ReservationKey("a", "1")), ReturnConsumedCapacity: indexes})
	if err != nil {
		t.Fatal(err)
	}
	check("delete of a reservation", del.ConsumedCapacity, 2, idx(2))

	// reserve = [Update slice, Put reservation]: 2 + 2 transactional on the table, 1 on the index.
	tx, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal, TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(tbl), Key: keyOf(governance.SliceKey("a", 0)), UpdateExpression: aws.String("SET n = :n"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": nv(1)}}},
		{Put: &types.Put{TableName: aws.String(tbl), Item: rsvItem("a", "2", 100, nil), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.ConsumedCapacity) != 1 || aws.ToFloat64(tx.ConsumedCapacity[0].CapacityUnits) != 5 {
		t.Fatalf("reserve transaction consumed %+v, want 5", tx.ConsumedCapacity)
	}
	if u := indexUsage(s, tbl, "a#0"); u.Writes != 7 || u.WriteUnits != 9 { // 1 + (1+1) + 1 + 2 + 2 + 1
		t.Fatalf("index partition a#0: %+v, want 7 writes, 9 units", u)
	}
}

// An index partition has its own 1,000 write units a second: puts of reservations to one
// index partition key are refused (IndexWriteKeyRangeThroughputExceeded, the index's ARN)
// once it is spent, though each goes to another table partition.
func TestDynamoDBIndexPartitionIsThrottled(t *testing.T) {
	t.Parallel()
	clock, _ := testClock()
	_, c, tbl := capTable(t, clock)
	ctx := context.Background()
	fill := map[string]types.AttributeValue{"fill": sv(strings.Repeat("x", 300*1024-100))} // 300 units
	for i, slot := range []string{"1", "2", "3", "4"} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: rsvItem("a", slot, 100, fill)}); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: rsvItem("a", "5", 100, nil)})
	var pte *types.ProvisionedThroughputExceededException
	if !asErr(err, &pte) || len(pte.ThrottlingReasons) != 1 || aws.ToString(pte.ThrottlingReasons[0].Reason) != "IndexWriteKeyRangeThroughputExceeded" ||
		!strings.HasSuffix(aws.ToString(pte.ThrottlingReasons[0].Resource), "/index/"+governance.ReservationIndex) {
		t.Fatalf("fifth put on the index partition: %v, want IndexWriteKeyRangeThroughputExceeded", err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: rsvItem("b", "1", 100, nil)}); err != nil {
		t.Fatalf("another index partition: %v", err)
	}
}
