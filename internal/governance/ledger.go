package governance

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The enforcer's writes. Each is one UpdateItem on the team's cap record; none uses
// arithmetic in a condition (DynamoDB refuses it), only comparisons against the headroom
// counters that the SET clauses maintain.

// The request path's constant parts, shared by every input built below (the SDK only
// reads an input): one allocation fewer per string or value per request.
var (
	reserveCondition = aws.String("#per = :per AND attribute_not_exists(#inf.#id) AND " +
		"(#hr >= :r OR (#oexp > :now AND #ohr >= :r))")
	reserveUpdate  = aws.String("SET #hr = #hr - :r, #ohr = #ohr - :r, #rsv = #rsv + :r, #inf.#id = :e")
	inflightExists = aws.String("attribute_exists(#inf.#id)")
	inflightAbsent = aws.String("attribute_not_exists(#inf.#id)")
	zeroAV         = nAV(0)
	oneAV          = nAV(1)
	tokenNames     = [...]string{"#t0", "#t1", "#t2", "#t3"}
	tokenValues    = [...]string{":t0", ":t1", ":t2", ":t3"}
)

// ReserveInput is the one conditional write on the request path. It succeeds only if
// the record is in period `period`, no reservation with this id is in flight, and the
// amount fits under the cap: headroom >= amount, or an override is in force at now and
// override headroom >= amount. On success both headroom counters shrink by the amount,
// reserved grows by it, and the reservation is recorded with its expiry. The new record
// is returned (ALL_NEW), so the enforcer learns spend, state and configuration from the
// same round trip. r.Expires is unix seconds; r.Nonce, unique per attempt, lets a
// caller whose write was applied but whose response was lost (an SDK retry then fails
// the condition) recognise its own reservation.
func ReserveInput(table, team string, r Reservation, period string, now time.Time) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:           aws.String(table),
		Key:                 keyOf(TeamKey(team)),
		ConditionExpression: reserveCondition,
		UpdateExpression:    reserveUpdate,
		ExpressionAttributeNames: map[string]string{
			"#per": AttrPeriod, "#inf": AttrInflight, "#id": r.ID, "#hr": AttrHeadroom,
			"#ohr": AttrOverrideHeadroom, "#oexp": AttrOverrideExpires, "#rsv": AttrReserved,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":per": sAV(period),
			":r":   nAV(int64(r.Amount)),
			":now": nAV(now.Unix()),
			":e": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"a": nAV(int64(r.Amount)), "x": nAV(r.Expires), "n": sAV(r.Nonce),
			}}},
		ReturnValues: types.ReturnValueAllNew,
		// A refusal needs the record to say why: DynamoDB returns it with the failed
		// condition, at no capacity cost, instead of a second round trip to read it.
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// RecordOfFailedCondition is the cap record a failed conditional write saw, when
// DynamoDB returned it with the error (ReturnValuesOnConditionCheckFailure); nil when
// the error carries none (another error, a missing record, or an implementation such
// as dynalite that ignores the option): read the record then.
func RecordOfFailedCondition(err error) *CapRecord {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || len(ccf.Item) == 0 {
		return nil
	}
	r, err := DecodeCapRecord(ccf.Item)
	if err != nil {
		return nil
	}
	return r
}

// tokenSets adds the per-model token counters of a settlement to an update.
func tokenSets(model string, u Usage, names map[string]string, values map[string]types.AttributeValue) string {
	var expr strings.Builder
	// 1-hour cache writes count with the cache writes (the cost already priced them).
	for i, n := range [...]int64{u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheWriteTokens + u.CacheWrite1hTokens} {
		if n <= 0 {
			continue
		}
		nm, v := tokenNames[i], tokenValues[i]
		names[nm], values[v] = tokenAttrs[i], nAV(n)
		names["#mdl"], values[":z"] = model, zeroAV
		expr.WriteString(", " + nm + ".#mdl = if_not_exists(" + nm + ".#mdl, :z) + " + v)
	}
	return expr.String()
}

// tokenAttrs are the token counters in tokenSets' order.
var tokenAttrs = [...]string{AttrInputTokens, AttrOutputTokens, AttrCacheReadTokens, AttrCacheWriteTokens}

// SettleInput closes reservation id: it removes it, adds the actual cost to spent, takes
// the reserved amount off reserved, and gives back (reserved - actual) to both headroom
// counters (a negative give-back if the call cost more than reserved). It is conditional
// on the reservation still being in flight, which makes it idempotent: a retried settle
// of the same reservation fails its condition instead of charging twice.
func SettleInput(table, team, id string, reserved, actual Micros, model string, u Usage) *dynamodb.UpdateItemInput {
	names := map[string]string{"#inf": AttrInflight, "#id": id, "#sp": AttrSpent, "#rsv": AttrReserved,
		"#hr": AttrHeadroom, "#ohr": AttrOverrideHeadroom, "#req": AttrRequests}
	values := map[string]types.AttributeValue{":a": nAV(int64(actual)), ":r": nAV(int64(reserved)),
		":rel": nAV(int64(reserved - actual)), ":one": oneAV}
	expr := "REMOVE #inf.#id SET #sp = #sp + :a, #rsv = #rsv - :r, #hr = #hr + :rel, #ohr = #ohr + :rel, #req = #req + :one" +
		tokenSets(model, u, names, values)
	return &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       keyOf(TeamKey(team)),
		ConditionExpression:       inflightExists,
		UpdateExpression:          aws.String(expr),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	}
}

// LateChargeInput charges a call that settles without a reservation to close: a
// fail-open call, forwarded uncounted, is charged its whole cost; a call that outlived
// its reservation (charged in full when it expired, see ChargeExpiredInput) is charged
// only what it cost beyond it. actual is the amount to add; u and the request count
// record the call's usage. It is conditional on the reservation being absent.
func LateChargeInput(table, team, id string, actual Micros, model string, u Usage) *dynamodb.UpdateItemInput {
	names := map[string]string{"#inf": AttrInflight, "#id": id, "#sp": AttrSpent, "#hr": AttrHeadroom,
		"#ohr": AttrOverrideHeadroom, "#req": AttrRequests}
	values := map[string]types.AttributeValue{":a": nAV(int64(actual)), ":one": oneAV}
	expr := "SET #sp = #sp + :a, #hr = #hr - :a, #ohr = #ohr - :a, #req = #req + :one" + tokenSets(model, u, names, values)
	return &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       keyOf(TeamKey(team)),
		ConditionExpression:       inflightAbsent,
		UpdateExpression:          aws.String(expr),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	}
}

// ChargeExpiredInput closes a reservation whose process died before it settled: the
// call may have been forwarded and billed, up to the worst case reserved for it, and
// nobody is left to say what it cost. Charging the whole amount keeps the cap hard
// (releasing it would let a dead process's calls go uncounted); the headrooms already
// exclude it, so only the reservation moves into spent. Conditional on the entry still
// carrying the expiry the caller saw, so two enforcers cleaning up at once charge once.
func ChargeExpiredInput(table, team string, r Reservation) *dynamodb.UpdateItemInput {
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

// RolloverInput starts period `to` on a record still in period `from`: spend is archived
// in prev_*, zeroed, headrooms are recomputed from the caps minus the reservations still
// in flight (they carry over and settle into the new period), and notification flags
// and token counters start afresh. Conditional on the record still being in `from`, so
// exactly one of many concurrent first-requests-of-the-month performs it.
func RolloverInput(table, team, from, to string) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:           aws.String(table),
		Key:                 keyOf(TeamKey(team)),
		ConditionExpression: aws.String("#per = :from"),
		UpdateExpression: aws.String("SET #per = :to, #pp = :from, #ps = #sp, #sp = :z, #hr = #cap - #rsv, #ohr = #ocap - #rsv, " +
			"#ntf = :em, #ti = :em, #to = :em, #tcr = :em, #tcw = :em, #req = :z"),
		ExpressionAttributeNames: map[string]string{"#per": AttrPeriod, "#pp": AttrPrevPeriod, "#ps": AttrPrevSpent,
			"#sp": AttrSpent, "#hr": AttrHeadroom, "#cap": AttrCap, "#rsv": AttrReserved, "#ohr": AttrOverrideHeadroom,
			"#ocap": AttrOverrideCap, "#ntf": AttrNotified, "#ti": AttrInputTokens, "#to": AttrOutputTokens,
			"#tcr": AttrCacheReadTokens, "#tcw": AttrCacheWriteTokens, "#req": AttrRequests},
		ExpressionAttributeValues: map[string]types.AttributeValue{":from": sAV(from), ":to": sAV(to), ":z": nAV(0), ":em": emptyMap},
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
		ConditionExpression:       aws.String("#per = :per AND (attribute_not_exists(#ntf.#t) OR NOT begins_with(#ntf.#t, :pfx))"),
		UpdateExpression:          aws.String("SET #ntf.#t = :flag"),
		ExpressionAttributeNames:  map[string]string{"#per": AttrPeriod, "#ntf": AttrNotified, "#t": strconv.FormatInt(pct, 10)},
		ExpressionAttributeValues: map[string]types.AttributeValue{":per": sAV(period), ":pfx": sAV(period + "#"), ":flag": sAV(period + "#" + nonce)},
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

// ReleaseInput gives back reservation id of a request that was not forwarded: it removes
// the reservation and returns its amount to both headroom counters, charging nothing
// and counting no request. Conditional on the reservation still being in flight.
func ReleaseInput(table, team, id string, reserved Micros) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:           aws.String(table),
		Key:                 keyOf(TeamKey(team)),
		ConditionExpression: inflightExists,
		UpdateExpression:    aws.String("REMOVE #inf.#id SET #rsv = #rsv - :r, #hr = #hr + :r, #ohr = #ohr + :r"),
		ExpressionAttributeNames: map[string]string{"#inf": AttrInflight, "#id": id, "#rsv": AttrReserved,
			"#hr": AttrHeadroom, "#ohr": AttrOverrideHeadroom},
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": nAV(int64(reserved))},
	}
}
