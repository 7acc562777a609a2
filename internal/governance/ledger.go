package governance

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tokenAttrs are the token counters in tokenSets' order.
var tokenAttrs = [...]string{AttrInputTokens, AttrOutputTokens, AttrCacheReadTokens, AttrCacheWriteTokens}

// ChargeExpiredLegacyInput closes a reservation, in the in-flight map of a record first
// written in layout 1, whose process died before it settled: the
// call may have been forwarded and billed, up to the worst case reserved for it, and
// nobody is left to say what it cost. Charging the whole amount keeps the cap hard
// (releasing it would let a dead process's calls go uncounted); the headrooms already
// exclude it, so only the reservation moves into spent. Conditional on the entry still
// carrying the expiry the caller saw, so two enforcers cleaning up at once charge once.
func ChargeExpiredLegacyInput(table, team string, r Reservation) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:           aws.String(table),
		Key:                 keyOf(TeamKey(team)),
		ConditionExpression: aws.String("#inf.#id.#x = :x"),
		UpdateExpression:    aws.String("REMOVE #inf.#id SET #rsv = #rsv - :r, #sp = #sp + :r"),
		ExpressionAttributeNames: map[string]string{"#inf": AttrInflight, "#id": r.ID, "#x": "x",
			"#rsv": AttrReserved, "#sp": AttrSpent},
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": nAV(r.Expires), ":r": nAV(int64(r.Amount))},
	}
}

// NotifyOnceInput sets the notification flag of threshold pct for period to
// "<period>#<nonce>". Conditional on the flag not being set for that period yet: of any
// number of concurrent callers, exactly one succeeds, and only that one publishes the
// notification. The nonce lets a caller whose write was applied but answered as a
// failed condition (an SDK retry after a lost response) see that it won
// (NotifiedBy).
func NotifyOnceInput(table, team string, pct int64, period, nonce string) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       keyOf(TeamKey(team)),
		ConditionExpression:       aws.String("attribute_not_exists(#ntf.#t) OR NOT begins_with(#ntf.#t, :pfx)"),
		UpdateExpression:          aws.String("SET #ntf.#t = :flag"),
		ExpressionAttributeNames:  map[string]string{"#ntf": AttrNotified, "#t": strconv.FormatInt(pct, 10)},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pfx": sAV(period + "#"), ":flag": sAV(period + "#" + nonce)},
	}
}

// Notified reports whether threshold pct was notified in the record's current period.
func (r *CapRecord) Notified(pct int64) bool {
	return strings.HasPrefix(r.NotifiedFlags[strconv.FormatInt(pct, 10)], r.Period+"#")
}

// NotifiedBy reports whether the flag of threshold pct for period carries nonce.
func (r *CapRecord) NotifiedBy(pct int64, period, nonce string) bool {
	return r.NotifiedFlags[strconv.FormatInt(pct, 10)] == period+"#"+nonce
}

// Idempotency records: the enforcer remembers, per team and SDK invocation id, that a
// call was billed, so an SDK retry of an already billed call is not forwarded (and not
// billed) again. They expire by TTL after IdempotencyTTL.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyKey is the key of the record of invocation id for team.
func IdempotencyKey(team, invocationID string) string { return "req#" + team + "#" + invocationID }

// PutIdempotencyInput records that invocation id of team was billed `cost`.
func PutIdempotencyInput(table, team, invocationID string, cost Micros, now time.Time) *dynamodb.PutItemInput {
	return &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			AttrPK: sAV(IdempotencyKey(team, invocationID)), AttrTeam: sAV(team),
			"cost_micros": nAV(int64(cost)), AttrTTL: nAV(now.Add(IdempotencyTTL).Unix()),
		},
	}
}

// GetIdempotencyInput reads the record of invocation id for team.
func GetIdempotencyInput(table, team, invocationID string) *dynamodb.GetItemInput {
	return &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf(IdempotencyKey(team, invocationID)), ConsistentRead: aws.Bool(true)}
}
