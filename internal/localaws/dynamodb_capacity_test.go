package localaws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func sv(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// item is {pk: key, fill: "x"*n}: 2+len(key) + 4+n bytes.
func item(key string, n int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": sv(key), "fill": sv(strings.Repeat("x", n))}
}

func units(c *types.ConsumedCapacity) float64 {
	if c == nil || c.CapacityUnits == nil {
		return -1
	}
	return *c.CapacityUnits
}

// meteredTable starts a Server metering a dynalite (with opts) and creates table name in
// it; it returns the Server, a DynamoDB client of it (no SDK retries: start) and the
// table's name.
func meteredTable(t *testing.T, name string, opts ...localaws.Option) (*localaws.Server, *dynamodb.Client, *string) {
	t.Helper()
	s, cfg := start(t, append([]localaws.Option{localaws.WithDynamoDB(dynaliteEndpoint)}, opts...)...)
	c := dynamodb.NewFromConfig(cfg)
	createTable(t, c, name)
	return s, c, aws.String(name)
}

// testClock is a clock for the DynamoDB throttle (the option setting it) that stands
// still until the test moves it on with advance: nothing depends on the machine's speed.
func testClock() (option localaws.Option, advance func(time.Duration)) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance = func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	return localaws.WithDynamoDBClock(clock), advance
}

func usageOf(s *localaws.Server, table, key string) localaws.PartitionUsage {
	for _, u := range s.DynamoDBUsage() {
		if u.Table == table && u.PartitionKey == "S:"+key {
			return u
		}
	}
	return localaws.PartitionUsage{}
}

// Writes consume one unit per 1 KB of the item, rounded up; an update the larger of the
// item before and after; a delete the deleted item; ConsumedCapacity is answered only
// when asked for, but every request is metered.
func TestDynamoDBWriteUnitsFollowItemSize(t *testing.T) {
	t.Parallel()
	s, c, tbl := meteredTable(t, "metered-writes")
	ctx := context.Background()
	key := map[string]types.AttributeValue{"pk": sv("a")}

	put := func(n int) float64 {
		t.Helper()
		out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("a", n), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			t.Fatal(err)
		}
		return units(out.ConsumedCapacity)
	}
	// Item size = 3 ("pk"+"a") + 4 ("fill") + n.
	if u := put(1024 - 7); u != 1 {
		t.Fatalf("1,024-byte item: %v units, want 1", u)
	}
	if u := put(1025 - 7); u != 2 {
		t.Fatalf("1,025-byte item: %v units, want 2", u)
	}
	// Shrink 1,025 -> 106 bytes: the larger, before, counts.
	up, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
		UpdateExpression:          aws.String("SET fill = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": sv(strings.Repeat("y", 100))},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if u := units(up.ConsumedCapacity); u != 2 || up.ConsumedCapacity.Table == nil || *up.ConsumedCapacity.Table.CapacityUnits != 2 {
		t.Fatalf("shrinking update: %+v, want 2 units (with the table's share, INDEXES)", up.ConsumedCapacity)
	}
	// Grow to 3,000 bytes: the larger, after, counts. Not asked: no ConsumedCapacity.
	up, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
		UpdateExpression:          aws.String("SET fill = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": sv(strings.Repeat("z", 3000-7))}})
	if err != nil {
		t.Fatal(err)
	}
	if up.ConsumedCapacity != nil {
		t.Fatalf("ConsumedCapacity answered without ReturnConsumedCapacity: %+v", up.ConsumedCapacity)
	}
	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if u := units(del.ConsumedCapacity); u != 3 {
		t.Fatalf("delete of a 3,000-byte item: %v units, want 3", u)
	}
	u := usageOf(s, "metered-writes", "a")
	if u.Writes != 5 || u.WriteUnits != 1+2+2+3+3 || u.MaxWriteUnits != 3 {
		t.Fatalf("metered usage = %+v, want 5 writes, 11 units, max 3", u)
	}
}

// Reads consume one unit per 4 KB rounded up, half when eventually consistent; a
// missing item still costs a read.
func TestDynamoDBReadUnitsFollowItemSize(t *testing.T) {
	t.Parallel()
	s, c, tbl := meteredTable(t, "metered-reads")
	ctx := context.Background()
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("r", 5000)}); err != nil {
		t.Fatal(err)
	}
	get := func(key string, consistent bool) float64 {
		t.Helper()
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": sv(key)},
			ConsistentRead: aws.Bool(consistent), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			t.Fatal(err)
		}
		return units(out.ConsumedCapacity)
	}
	if u := get("r", true); u != 2 {
		t.Fatalf("consistent read of 5,006 bytes: %v, want 2", u)
	}
	if u := get("r", false); u != 1 {
		t.Fatalf("eventually consistent read of 5,006 bytes: %v, want 1", u)
	}
	if u := get("missing", false); u != 0.5 {
		t.Fatalf("eventually consistent read of a missing item: %v, want 0.5", u)
	}
	if u := usageOf(s, "metered-reads", "r"); u.Reads != 2 || u.ReadUnits != 3 {
		t.Fatalf("metered reads = %+v", u)
	}
}

// A write whose condition fails consumes write units by the item's size, and with
// ReturnValuesOnConditionCheckFailure=ALL_OLD returns the item with the error.
func TestDynamoDBFailedConditionConsumesAndReturnsTheItem(t *testing.T) {
	t.Parallel()
	s, c, tbl := meteredTable(t, "metered-conditions")
	ctx := context.Background()
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("c", 2500)}); err != nil {
		t.Fatal(err)
	}
	before := usageOf(s, "metered-conditions", "c")
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": sv("c")},
		UpdateExpression: aws.String("SET n = :one"), ConditionExpression: aws.String("attribute_not_exists(fill)"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !asErr(err, &ccf) {
		t.Fatalf("err = %v, want ConditionalCheckFailedException", err)
	}
	if p, ok := ccf.Item["fill"].(*types.AttributeValueMemberS); !ok || len(p.Value) != 2500 {
		t.Fatalf("the failed condition's item was not returned: %v", ccf.Item)
	}
	after := usageOf(s, "metered-conditions", "c")
	if d := after.WriteUnits - before.WriteUnits; d != 3 || after.Writes != before.Writes+1 {
		t.Fatalf("failed condition on a 2,506-byte item consumed %v units, want 3", d)
	}
	// Without the option, no item comes back (as DynamoDB).
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": sv("c")},
		ConditionExpression: aws.String("attribute_not_exists(fill)")})
	if !asErr(err, &ccf) || len(ccf.Item) != 0 {
		t.Fatalf("err = %v, item %v", err, ccf.Item)
	}
}

// The emulator's item size is dynalite's to the byte at the 1 KB boundary, numbers
// included (so a failed condition is charged as the same item's write would be).
func TestDynamoDBItemSizeAgreesWithDynalite(t *testing.T) {
	t.Parallel()
	_, c, tbl := meteredTable(t, "metered-sizes")
	ctx := context.Background()
	for i, n := range []string{"0", "1", "12", "123", "1234", "-5", "0.05", "123.45", "1e10", "1000", "99999999999999999999"} {
		for _, target := range []int{1024, 1025} {
			// A new key each time: a put that replaces an item is charged the larger of the two.
			k := fmt.Sprintf("k%02d-%d", i, target)
			it := map[string]types.AttributeValue{"pk": sv(k), "n": &types.AttributeValueMemberN{Value: n}, "fill": sv("")}
			raw := map[string]json.RawMessage{}
			for k, v := range map[string]string{"pk": `{"S":"` + k + `"}`, "n": `{"N":"` + n + `"}`, "fill": `{"S":""}`} {
				raw[k] = json.RawMessage(v)
			}
			it["fill"] = sv(strings.Repeat("p", target-localaws.ItemSize(raw)))
			out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			if err != nil {
				t.Fatal(err)
			}
			want := float64(target+1023) / 1024
			if u := units(out.ConsumedCapacity); u != float64(int(want)) {
				t.Errorf("number %s, item of %d bytes by the emulator's count: dynalite charged %v units", n, target, u)
			}
		}
	}
}

func TestDynamoDBCapacityRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bytes             int
		consistent, trans bool
		read, write       float64
	}{
		{0, true, false, 1, 1},
		{1024, true, false, 1, 1},
		{1025, true, false, 1, 2},
		{3500, false, false, 0.5, 4},    // "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item"
		{8192, true, false, 2, 8},       // 8 KB: 2 strongly consistent read units
		{8192, false, false, 1, 8},      // 1 eventually consistent
		{8192, false, true, 4, 16},      // 4 transactional; transactional writes double
		{10 * 1024, true, false, 3, 10}, // "If you read a 10 KB item, DynamoDB rounds the item size to 12 KB"
	} {
		if r := localaws.ReadUnits(tc.bytes, tc.consistent, tc.trans); r != tc.read {
			t.Errorf("ReadUnits(%d, consistent %v, transactional %v) = %v, want %v", tc.bytes, tc.consistent, tc.trans, r, tc.read)
		}
		if w := localaws.WriteUnits(tc.bytes, tc.trans); w != tc.write {
			t.Errorf("WriteUnits(%d, transactional %v) = %v, want %v", tc.bytes, tc.trans, w, tc.write)
		}
	}
}

// A partition key past 1,000 write units in a second is refused with
// ProvisionedThroughputExceededException (reason TableWriteKeyRangeThroughputExceeded)
// and nothing is written; another key of the same table is not; the partition serves
// again as time refills it. Reads likewise past 3,000 read units. The clock is the
// test's: nothing here depends on the machine's speed.
func TestDynamoDBHotPartitionIsThrottled(t *testing.T) {
	t.Parallel()
	clock, advance := testClock()
	s, c, tbl := meteredTable(t, "metered-hot", clock)
	ctx := context.Background()

	big := 300*1024 - 10 // 300 write units a put
	for i := range 4 {   // 4 x 300 > 1,000: the 4th is admitted (tokens left), the 5th is not
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("hot", big)}); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("hot", 1)})
	var pte *types.ProvisionedThroughputExceededException
	if !asErr(err, &pte) {
		t.Fatalf("err = %v, want ProvisionedThroughputExceededException", err)
	}
	if len(pte.ThrottlingReasons) != 1 || aws.ToString(pte.ThrottlingReasons[0].Reason) != "TableWriteKeyRangeThroughputExceeded" ||
		!strings.HasSuffix(aws.ToString(pte.ThrottlingReasons[0].Resource), ":table/metered-hot") {
		t.Fatalf("throttling reasons = %+v", pte.ThrottlingReasons)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": sv("hot")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Item["fill"].(*types.AttributeValueMemberS).Value; len(p) != big {
		t.Fatal("the throttled write was applied")
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("cold", 1)}); err != nil {
		t.Fatalf("another partition key is throttled too: %v", err)
	}
	// 4 x 300 = 1,200 consumed against 1,000: 200 in debt, repaid in 0.2 s.
	advance(150 * time.Millisecond)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("hot", 1)}); !asErr(err, &pte) {
		t.Fatalf("after 0.15 s: %v, want still throttled", err)
	}
	advance(100 * time.Millisecond)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("hot", 1)}); err != nil {
		t.Fatalf("after 0.25 s: %v", err)
	}
	if u := usageOf(s, "metered-hot", "hot"); u.Throttled != 2 || u.Writes != 5 {
		t.Fatalf("usage = %+v, want 2 throttled, 5 writes", u)
	}

	// Reads: the item is now 106 bytes... make it 300 KB again (75 read units a
	// consistent read): 40 reads = 3,000, the 41st is refused.
	advance(10 * time.Second)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item("hot", big)}); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": sv("hot")}, ConsistentRead: aws.Bool(true)}); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": sv("hot")}, ConsistentRead: aws.Bool(true)})
	if !asErr(err, &pte) || aws.ToString(pte.ThrottlingReasons[0].Reason) != "TableReadKeyRangeThroughputExceeded" {
		t.Fatalf("41st read of 75 units: %v, want throttled (read key range)", err)
	}
}
