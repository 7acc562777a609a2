package localaws_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func nv(n int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }

func keyOf(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": sv(pk)}
}

func balance(t *testing.T, c *dynamodb.Client, table, pk string) int {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf(pk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Item["bal"].(*types.AttributeValueMemberN).Value)
	return n
}

// openAccounts puts the accounts the transfers move between: a with 100, b with 0.
func openAccounts(t *testing.T, c *dynamodb.Client, table string) {
	t.Helper()
	for pk, b := range map[string]int{"a": 100, "b": 0} {
		if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": sv(pk), "bal": nv(b)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// move is a transfer of n from a to b, conditional on a's balance; with check, it also
// requires b's balance to be at least checkMin (which fails when checkMin is large).
func move(table, a, b string, n int, checkMin int) *dynamodb.TransactWriteItemsInput {
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(table), Key: keyOf(a), UpdateExpression: aws.String("SET bal = bal - :n"),
			ConditionExpression: aws.String("bal >= :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": nv(n)}}},
	}
	if checkMin > 0 {
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: keyOf(b),
			ConditionExpression: aws.String("bal >= :m"), ExpressionAttributeValues: map[string]types.AttributeValue{":m": nv(checkMin)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}})
	} else {
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: keyOf(b),
			UpdateExpression: aws.String("SET bal = bal + :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": nv(n)}}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}
}

// TransactWriteItems (which dynalite lacks) is all or nothing, charges each item twice a
// plain write's units, and cancels with one reason per action.
func TestDynamoDBTransactWriteItems(t *testing.T) {
	t.Parallel()
	const tbl = "transact"
	s, c, _ := meteredTable(t, tbl)
	ctx := context.Background()
	openAccounts(t, c, tbl)
	before := usageOf(s, tbl, "a").WriteUnits

	in := move(tbl, "a", "b", 30, 0)
	in.TransactItems = append(in.TransactItems, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tbl),
		Item: map[string]types.AttributeValue{"pk": sv("log-1")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	out, err := c.TransactWriteItems(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConsumedCapacity) != 1 || *out.ConsumedCapacity[0].CapacityUnits != 6 {
		t.Fatalf("consumed = %+v, want 6 units (three items under 1 KB, at double)", out.ConsumedCapacity)
	}
	if d := usageOf(s, tbl, "a").WriteUnits - before; d != 2 {
		t.Fatalf("item a charged %v units, want 2", d)
	}
	if a, b := balance(t, c, tbl, "a"), balance(t, c, tbl, "b"); a != 70 || b != 30 {
		t.Fatalf("balances %d/%d, want 70/30", a, b)
	}

	// The check on b fails: a's applied debit is undone, and the reasons say which.
	_, err = c.TransactWriteItems(ctx, move(tbl, "a", "b", 30, 1000))
	var tce *types.TransactionCanceledException
	if !asErr(err, &tce) {
		t.Fatalf("err = %v, want TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "None" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "ConditionalCheckFailed" || tce.CancellationReasons[1].Item["bal"] == nil {
		t.Fatalf("reasons = %+v", tce.CancellationReasons)
	}
	if a := balance(t, c, tbl, "a"); a != 70 {
		t.Fatalf("a = %d after a cancelled transaction, want 70", a)
	}

	// Every action whose condition fails is named, not only the first: b's check fails,
	// and so does the put of an item that exists, after it (CancellationReason: an error
	// for each item that caused the cancellation). The put is not applied.
	in = move(tbl, "a", "b", 30, 1000)
	in.TransactItems = append(in.TransactItems, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(tbl),
		Item: map[string]types.AttributeValue{"pk": sv("log-1"), "again": sv("yes")}, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}})
	_, err = c.TransactWriteItems(ctx, in)
	if !asErr(err, &tce) || len(tce.CancellationReasons) != 3 || aws.ToString(tce.CancellationReasons[1].Code) != "ConditionalCheckFailed" ||
		aws.ToString(tce.CancellationReasons[2].Code) != "ConditionalCheckFailed" || tce.CancellationReasons[2].Item["pk"] == nil || tce.CancellationReasons[2].Item["again"] != nil {
		t.Fatalf("reasons of two failed conditions: %v %+v", err, tce)
	}

	// A ConditionCheck on an absent item creates nothing.
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(tbl), Key: keyOf("ghost"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Update: &types.Update{TableName: aws.String(tbl), Key: keyOf("b"), UpdateExpression: aws.String("SET seen = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: keyOf("ghost"), ConsistentRead: aws.Bool(true)}); len(g.Item) != 0 {
		t.Fatalf("a ConditionCheck created %v", g.Item)
	}

	// Two actions on one item are refused.
	dup := move(tbl, "a", "a", 1, 0)
	_, err = c.TransactWriteItems(ctx, dup)
	wantAPIError(t, err, "ValidationException")
}

// Transactions that cancel, undoing their applied actions, never undo another call's
// write to the same item: concurrent transfers that succeed and transfers that cancel
// leave the total intact and every successful transfer counted.
func TestDynamoDBTransactionsAreIsolated(t *testing.T) {
	t.Parallel()
	const tbl = "transact-isolated"
	_, c, _ := meteredTable(t, tbl)
	ctx := context.Background()
	openAccounts(t, c, tbl)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, cancelled int
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			check := 0
			if i%2 == 1 {
				check = 1_000_000 // always cancels after debiting a
			}
			// A conflict with another transaction in progress is the caller's to retry
			// (the SDK does not).
			var err error
			for {
				_, err = c.TransactWriteItems(ctx, move(tbl, "a", "b", 1, check))
				if !isTransactionConflict(err) {
					break
				}
			}
			var tce *types.TransactionCanceledException
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case asErr(err, &tce):
				cancelled++
			default:
				t.Errorf("transfer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	a, b := balance(t, c, tbl, "a"), balance(t, c, tbl, "b")
	if ok != 30 || cancelled != 30 || a != 70 || b != 30 {
		t.Fatalf("%d transfers, %d cancelled; balances %d/%d, want 30, 30, 70/30", ok, cancelled, a, b)
	}
}

// A repeat of a successful transaction with its ClientRequestToken (an SDK retry after
// a lost answer) changes nothing within 10 minutes; another call with the token is
// refused; after the window the token is free again.
func TestDynamoDBTransactClientRequestToken(t *testing.T) {
	t.Parallel()
	const tbl = "transact-token"
	clock, advance := testClock()
	_, c, _ := meteredTable(t, tbl, clock)
	ctx := context.Background()
	openAccounts(t, c, tbl)
	in := move(tbl, "a", "b", 10, 0)
	in.ClientRequestToken = aws.String("transfer-1")
	for range 2 {
		if _, err := c.TransactWriteItems(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if a := balance(t, c, tbl, "a"); a != 90 {
		t.Fatalf("a = %d after a transfer and its repeat, want 90", a)
	}
	other := move(tbl, "a", "b", 20, 0)
	other.ClientRequestToken = aws.String("transfer-1")
	_, err := c.TransactWriteItems(ctx, other)
	wantAPIError(t, err, "IdempotentParameterMismatchException")

	advance(11 * time.Minute)
	if _, err := c.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	if a := balance(t, c, tbl, "a"); a != 80 {
		t.Fatalf("a = %d after the token's window, want 80", a)
	}
}

// isTransactionConflict reports whether err cancels a transaction for a conflict.
func isTransactionConflict(err error) bool {
	var tce *types.TransactionCanceledException
	if !asErr(err, &tce) {
		return false
	}
	for _, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}

// While a transaction is in progress on an item, another transaction touching it is
// cancelled with reason TransactionConflict for that item (None for the others), and a
// PutItem, UpdateItem or DeleteItem on it fails with TransactionConflictException;
// neither writes anything, and neither waits. A GetItem waits for the transaction.
func TestDynamoDBTransactionConflicts(t *testing.T) {
	t.Parallel()
	const tbl = "transact-conflict"
	// No SDK retries (start): the errors as the first attempt meets them.
	s, c, _ := meteredTable(t, tbl)
	ctx := context.Background()
	openAccounts(t, c, tbl)
	release := s.HoldForTransaction(tbl, "b")

	_, err := c.TransactWriteItems(ctx, move(tbl, "a", "b", 10, 0))
	var tce *types.TransactionCanceledException
	if !asErr(err, &tce) {
		t.Fatalf("transaction on a held item: %v, want TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "None" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "TransactionConflict" {
		t.Fatalf("reasons = %+v, want [None TransactionConflict]", tce.CancellationReasons)
	}
	var conflict *types.TransactionConflictException
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tbl), Key: keyOf("b"), UpdateExpression: aws.String("SET bal = :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": nv(5)}})
	if !asErr(err, &conflict) {
		t.Fatalf("UpdateItem on a held item: %v, want TransactionConflictException", err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl), Item: map[string]types.AttributeValue{"pk": sv("b"), "bal": nv(5)}})
	if !asErr(err, &conflict) {
		t.Fatalf("PutItem on a held item: %v, want TransactionConflictException", err)
	}
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tbl), Key: keyOf("b")})
	if !asErr(err, &conflict) {
		t.Fatalf("DeleteItem on a held item: %v, want TransactionConflictException", err)
	}
	// Other items are free meanwhile.
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tbl), Key: keyOf("a"), UpdateExpression: aws.String("SET seen = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}}); err != nil {
		t.Fatalf("UpdateItem on another item: %v", err)
	}
	read := make(chan int, 1)
	go func() { read <- balance(t, c, tbl, "b") }()
	select {
	case b := <-read:
		release()
		t.Fatalf("GetItem returned (b = %d) while a transaction held its item", b)
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if b := <-read; b != 0 {
		t.Fatalf("b = %d, want 0: a conflicting call wrote", b)
	}
	if a := balance(t, c, tbl, "a"); a != 100 {
		t.Fatalf("a = %d, want 100: the cancelled transaction wrote", a)
	}
	if _, err := c.TransactWriteItems(ctx, move(tbl, "a", "b", 10, 0)); err != nil {
		t.Fatalf("after the transaction ended: %v", err)
	}
}
