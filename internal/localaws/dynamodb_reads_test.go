package localaws_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// BatchGetItem reads each key as a GetItem: its item's size in 4 KB steps (a missing
// item one step), 1 unit a step strongly consistent, half eventually; charged to each
// key's partition.
func TestDynamoDBBatchGetItemReadUnits(t *testing.T) {
	t.Parallel()
	s, c, tbl := meteredTable(t, "metered-batchget")
	ctx := context.Background()
	for k, n := range map[string]int{"big": 5000, "small": 10} { // big: 2 steps, small: 1
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item(k, n)}); err != nil {
			t.Fatal(err)
		}
	}
	keys := []map[string]types.AttributeValue{keyOf("big"), keyOf("small"), keyOf("missing")}
	for _, tc := range []struct {
		consistent bool
		want       float64
	}{{true, 4}, {false, 2}} {
		out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			RequestItems: map[string]types.KeysAndAttributes{*tbl: {Keys: keys, ConsistentRead: aws.Bool(tc.consistent)}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Responses[*tbl]) != 2 || len(out.ConsumedCapacity) != 1 || units(&out.ConsumedCapacity[0]) != tc.want {
			t.Fatalf("consistent=%v: %d items, consumed %+v, want 2 items, %v units", tc.consistent, len(out.Responses[*tbl]), out.ConsumedCapacity, tc.want)
		}
	}
	if u := usageOf(s, "metered-batchget", "big"); u.ReadUnits != 3 || u.Reads != 2 {
		t.Fatalf("big's partition: %+v, want 3 read units (2 + 1) in 2 reads", u)
	}
	if u := usageOf(s, "metered-batchget", "missing"); u.ReadUnits != 1.5 {
		t.Fatalf("missing's partition: %+v, want 1.5 read units", u)
	}
}

// A Query reads its items as one read (sizes summed, then 4 KB steps); on an index,
// eventually consistent, charged to the index's partition, and reported per index with
// ReturnConsumedCapacity=INDEXES.
func TestDynamoDBQueryReadUnits(t *testing.T) {
	t.Parallel()
	s, c, tbl := capTable(t)
	ctx := context.Background()
	for i, slot := range []string{"1", "2", "3"} { // 3 x ~1.5 KB = ~4.5 KB: 2 steps
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: map[string]types.AttributeValue{
			"pk": sv(governance.ReservationKey("a", slot)), governance.AttrReservationOf: sv("a#0"), governance.AttrReservationX: nv(100 + i),
			"fill": sv(strings.Repeat("x", 1500))}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(tbl), IndexName: aws.String(governance.ReservationIndex),
		KeyConditionExpression:    aws.String("#of = :of AND #x < :cut"),
		ExpressionAttributeNames:  map[string]string{"#of": governance.AttrReservationOf, "#x": governance.AttrReservationX},
		ExpressionAttributeValues: map[string]types.AttributeValue{":of": sv("a#0"), ":cut": nv(1000)},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 3 || units(out.ConsumedCapacity) != 1 || out.ConsumedCapacity.GlobalSecondaryIndexes[governance.ReservationIndex].CapacityUnits == nil ||
		*out.ConsumedCapacity.GlobalSecondaryIndexes[governance.ReservationIndex].CapacityUnits != 1 {
		t.Fatalf("%d items, consumed %+v, want 3 items, 1 unit (2 steps, eventually consistent) on the index", len(out.Items), out.ConsumedCapacity)
	}
	if idx := indexUsage(s, tbl, "a#0"); idx.ReadUnits != 1 || idx.Reads != 1 {
		t.Fatalf("index partition usage = %+v, want 1 read of 1 unit", idx)
	}
	// On the table, strongly consistent: one item of ~1.5 KB, 1 step.
	out, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(tbl), KeyConditionExpression: aws.String("pk = :pk"), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(governance.ReservationKey("a", "1"))}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || len(out.Items) != 1 || units(out.ConsumedCapacity) != 1 {
		t.Fatalf("query on the table: %v, %+v", err, out)
	}
}

// A BatchGetItem key whose partition is over its read ceiling comes back in
// UnprocessedKeys while the others are read; with every key throttled the call fails
// with ProvisionedThroughputExceededException.
func TestDynamoDBBatchGetItemThrottled(t *testing.T) {
	t.Parallel()
	const tbl = "metered-batchget-hot"
	clock, _ := testClock()
	_, c, _ := meteredTable(t, tbl, clock)
	ctx := context.Background()
	for k, n := range map[string]int{"hot": 300*1024 - 10, "cold": 10} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: item(k, n)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 { // 75 units each: 3,000, the partition's second
		if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: keyOf("hot"), ConsistentRead: aws.Bool(true)}); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{tbl: {
		Keys: []map[string]types.AttributeValue{keyOf("hot"), keyOf("cold")}, ConsistentRead: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses[tbl]) != 1 || len(out.UnprocessedKeys[tbl].Keys) != 1 ||
		out.UnprocessedKeys[tbl].Keys[0]["pk"].(*types.AttributeValueMemberS).Value != "hot" {
		t.Fatalf("responses %v, unprocessed %v: want cold read, hot unprocessed", out.Responses, out.UnprocessedKeys)
	}
	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{tbl: {Keys: []map[string]types.AttributeValue{keyOf("hot")}}}})
	var pte *types.ProvisionedThroughputExceededException
	if !asErr(err, &pte) {
		t.Fatalf("every key throttled: %v, want ProvisionedThroughputExceededException", err)
	}
}

// A BatchGetItem waits for a transaction holding one of its items, as a GetItem does:
// it never returns an item a transaction has half written.
func TestDynamoDBBatchGetItemWaitsForTransaction(t *testing.T) {
	t.Parallel()
	s, c, tbl := meteredTable(t, "batchget-committed")
	ctx := context.Background()
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("a", 1)}); err != nil {
		t.Fatal(err)
	}
	release := s.HoldForTransaction(*tbl, "a")
	done := make(chan error, 1)
	go func() {
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{*tbl: {Keys: []map[string]types.AttributeValue{keyOf("a")}}}})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("BatchGetItem returned (%v) while a transaction held its item", err)
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
