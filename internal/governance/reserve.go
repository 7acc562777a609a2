package governance

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The enforcer's writes (layout 2). A reservation is its own item, written in one
// transaction with the debit of one slice; settling deletes it in one transaction with
// the credit. No condition uses arithmetic (DynamoDB refuses it): a slice's headroom
// counters are kept equal to what its condition compares.

var (
	zeroAV      = nAV(0)
	oneAV       = nAV(1)
	trueAV      = &types.AttributeValueMemberBOOL{Value: true}
	tokenNames  = [...]string{"#t0", "#t1", "#t2", "#t3"}
	tokenValues = [...]string{":t0", ":t1", ":t2", ":t3"}
)

// attrNames are the expression names the ledger's expressions use.
var attrNames = map[string]string{
	"#pk": AttrPK, "#per": AttrPeriod, "#sp": AttrSpent, "#rsv": AttrReserved, "#hr": AttrHeadroom,
	"#ohr": AttrOverrideHeadroom, "#oexp": AttrOverrideExpires, "#ver": AttrConfigVersion, "#base": AttrBase,
	"#obase": AttrOverrideBase, "#debt": AttrDebt, "#ou": AttrOverrideUsed, "#req": AttrRequests, "#pp": AttrPrevPeriod,
	"#ps": AttrPrevSpent, "#nonce": AttrNonce, "#x": AttrReservationX, "#ti": AttrInputTokens, "#to": AttrOutputTokens,
	"#tcr": AttrCacheReadTokens, "#tcw": AttrCacheWriteTokens,
}

// exprNames returns the names of attrNames that the expressions use (DynamoDB refuses
// an unused one), plus extra.
func exprNames(extra map[string]string, exprs ...string) map[string]string {
	out := map[string]string{}
	for _, e := range exprs {
		for i := 0; i < len(e); i++ {
			if e[i] != '#' {
				continue
			}
			j := i + 1
			for j < len(e) && (e[j] == '_' || e[j] >= 'a' && e[j] <= 'z' || e[j] >= '0' && e[j] <= '9' || e[j] >= 'A' && e[j] <= 'Z') {
				j++
			}
			if v, ok := attrNames[e[i:j]]; ok {
				out[e[i:j]] = v
			}
			i = j - 1
		}
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// AttrOverrideUsed marks a slice that admitted a request on the override's room: when
// the override ends, the slice may be below zero on the cap's own room, so it admits
// again only after MoveRoom has found every part at or above zero.
const AttrOverrideUsed = "override_used"

// Hold is a reservation: Amount held on slice Slice of Team for the call whose slot
// (16 characters of its invocation id's SHA-256) is Slot, until Expires (unix seconds).
// Nonce tells this reserving attempt from another of the same invocation.
type Hold struct {
	Team    string
	Slot    string
	Slice   int
	Amount  Micros
	Expires int64
	Nonce   string
}

func (h *Hold) key() map[string]types.AttributeValue { return keyOf(ReservationKey(h.Team, h.Slot)) }

// bucket spreads a team's reservations over the index's partition keys.
func (h *Hold) bucket() string {
	b := 0
	if h.Slot != "" {
		b = int(h.Slot[len(h.Slot)-1]) % ReservationBuckets
	}
	return h.Team + "#" + strconv.Itoa(b)
}

func (h *Hold) item() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: sAV(ReservationKey(h.Team, h.Slot)), AttrTeam: sAV(h.Team), AttrSliceIndex: nAV(int64(h.Slice)),
		AttrAmount: nAV(int64(h.Amount)), AttrNonce: sAV(h.Nonce), AttrReservationOf: sAV(h.bucket()), AttrReservationX: nAV(h.Expires),
	}
}

func decodeHold(item map[string]types.AttributeValue) Hold {
	pk := str(item[AttrPK])
	team := str(item[AttrTeam])
	return Hold{Team: team, Slot: strings.TrimPrefix(pk, reservationPrefix+team+"#"), Slice: int(num(item[AttrSliceIndex])),
		Amount: Micros(num(item[AttrAmount])), Expires: num(item[AttrReservationX]), Nonce: str(item[AttrNonce])}
}

// requestToken is a transaction's ClientRequestToken: an SDK retry of a transaction whose
// answer was lost is then applied once (DynamoDB keeps tokens 10 minutes).
func requestToken(parts ...string) *string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return aws.String(base64.RawURLEncoding.EncodeToString(sum[:27])) // 36 characters, the maximum
}

// partKey is the key of part i of team.
func partKey(team string, i int) map[string]types.AttributeValue {
	if i == LegacyPart {
		return keyOf(TeamKey(team))
	}
	return keyOf(SliceKey(team, i))
}

// Reservation conditions: the slice is in the request's period, at the configuration the
// request was priced from, not in debt, and has the room; on the override's room only
// while the override lasts (and the slice is then marked, see AttrOverrideUsed).
const (
	reserveCond         = "#per = :per AND #ver = :ver AND attribute_not_exists(#debt) AND attribute_not_exists(#ou) AND #hr >= :r"
	reserveOverrideCond = "#per = :per AND #ver = :ver AND attribute_not_exists(#debt) AND #oexp > :now AND #ohr >= :r"
	reserveUpdate       = "SET #hr = #hr - :r, #ohr = #ohr - :r, #rsv = #rsv + :r"
)

// ReserveInput is the one write on the request path: the debit of slice h.Slice and the
// reservation item, in one transaction (attempt makes each try's token its own). A
// positive edge (the spend at which the team's standing changes, for a team whose slice
// is its only part) makes the reservation fail once the slice's spend has reached it, so
// that a request is never routed by a standing the ledger has left. It is a batch of one
// (batchInput).
func ReserveInput(table string, h *Hold, version int64, period string, override bool, now time.Time, edge Micros, attempt int) *dynamodb.TransactWriteItemsInput {
	return batchInput(table, []*batchOp{{h: h, reserve: true, version: version, period: period, override: override, edge: edge, now: now, attempt: attempt}})
}

// SettleInput closes reservation h with the call's cost `actual` (at most h.Amount; see
// Settle): the slice's spend grows by actual, its reserved amount shrinks by h.Amount and
// both headrooms get back h.Amount - actual, with the request and its tokens counted,
// and the reservation item goes, conditional on it still being ours: a settle can never
// count twice. release settles a call that was never forwarded: nothing charged, nothing
// counted. It is a batch of one (batchInput).
func SettleInput(table string, h *Hold, actual Micros, model string, u Usage, release bool) *dynamodb.TransactWriteItemsInput {
	return batchInput(table, []*batchOp{{h: h, actual: actual, model: model, usage: u, release: release}})
}

// ChargeExpiredInput closes a reservation whose process died before it settled: the
// call may have been forwarded and billed, up to the worst case reserved for it, and
// nobody is left to say what it cost. Charging the whole amount keeps the cap hard
// (releasing it would let a dead process's calls go uncounted); the headrooms already
// exclude it, so only the reservation moves into spent. Conditional on the item still
// being the one seen, so two enforcers sweeping at once charge it once.
func ChargeExpiredInput(table string, h *Hold) *dynamodb.TransactWriteItemsInput {
	upd := "SET #sp = #sp + :a, #rsv = #rsv - :a"
	return &dynamodb.TransactWriteItemsInput{
		ClientRequestToken: requestToken("expired", table, h.Team, h.Slot, h.Nonce),
		TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String(table), Key: partKey(h.Team, h.Slice), UpdateExpression: aws.String(upd),
				ExpressionAttributeNames: exprNames(nil, upd), ExpressionAttributeValues: map[string]types.AttributeValue{":a": nAV(int64(h.Amount))}}},
			{Delete: &types.Delete{TableName: aws.String(table), Key: h.key(),
				ConditionExpression:       aws.String("#nonce = :n AND #x = :x"),
				ExpressionAttributeNames:  exprNames(nil, "#nonce #x"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":n": sAV(h.Nonce), ":x": nAV(h.Expires)}}},
		},
	}
}

// IsTransactionCanceled reports whether err is a cancelled transaction (a condition
// failed, or another transaction held an item).
func IsTransactionCanceled(err error) bool {
	var tce *types.TransactionCanceledException
	return errors.As(err, &tce)
}

// isConflict reports whether err is a conflict with another transaction in progress:
// worth trying again after a pause.
func isConflict(err error) bool {
	var tc *types.TransactionConflictException
	var tip *types.TransactionInProgressException
	if errors.As(err, &tc) || errors.As(err, &tip) {
		return true
	}
	for _, r := range cancellation(err) {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}

func cancellation(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tce.CancellationReasons
	}
	return nil
}

// failedItem is the item a cancelled transaction's action i found, if its condition
// failed (ok) and DynamoDB returned it (item, nil for an absent item).
func failedItem(err error, i int) (item map[string]types.AttributeValue, ok bool) {
	rs := cancellation(err)
	if i >= len(rs) || aws.ToString(rs[i].Code) != "ConditionalCheckFailed" {
		return nil, false
	}
	return rs[i].Item, true
}

// pause waits a little, more with each attempt, with jitter (conflicts and throttles).
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(1+rand.IntN(4<<min(attempt, 5))) * time.Millisecond //nolint:gosec // jitter, not a secret
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RefusalReason says why a reservation was not made.
type RefusalReason int

const (
	// RefusedBlocked: the team as a whole has less room than the request's worst case.
	RefusedBlocked RefusalReason = iota + 1
	// RefusedHeld: the room the request needs is held by reservations in flight.
	RefusedHeld
	// RefusedInFlight: a reservation for the same invocation exists.
	RefusedInFlight
	// RefusedConfigChanged: the team's configuration changed since the request was
	// priced; Rec is the new record: price it again.
	RefusedConfigChanged
	// RefusedContended: the attempts ran out on contention.
	RefusedContended
	// RefusedStandingChanged: the team's spend has reached the next threshold since the
	// view the request was routed by; Rec is the team as the ledger has it: route again.
	RefusedStandingChanged
)

// Refusal is a reservation not made; Rec is the team's record as the ledger saw it.
type Refusal struct {
	Reason RefusalReason
	Rec    *CapRecord
}

// alone reports whether the team's one slice is all its counters (no other slice, no
// legacy part): the slice's spend is then the team's.
func (r *CapRecord) alone() bool { return r.SliceMax == 1 && r.Part(LegacyPart) == nil }

// withOnly is a copy of r whose counters are those of its one slice, p.
func (r *CapRecord) withOnly(p *Part) *CapRecord {
	c := *r
	c.Parts = []Part{*p}
	c.mergeParts()
	return &c
}

// routingEdge is the spend at which the standing r shows at now changes, for a team
// whose slice is alone (0 otherwise, and when every threshold is reached).
func (r *CapRecord) routingEdge(now time.Time) Micros {
	if !r.alone() {
		return 0
	}
	edge, _ := r.Thresholds.NextEdge(r.SpentIn(PeriodOf(now).Key()), r.EffectiveLimit(now))
	return edge
}

// room is the team's room on the counter that admits at the moment (see Part.room).
func (r *CapRecord) room(override bool) Micros {
	if override {
		return r.OverrideHdroom
	}
	return r.Headroom
}

func (r *Refusal) Error() string { return fmt.Sprintf("reservation refused (%d)", r.Reason) }

// reserveAttempts bounds the transactions one reservation makes.
const reserveAttempts = 10

// Reserve makes reservation h (h.Slice one of view's slices) for a request priced from
// view. The fast path is one transaction. Off it, it diagnoses the failure: a slice in
// an earlier period (rollover of every part, then again), a newer configuration
// (RefusedConfigChanged), a slice without enough room (room moved from the other parts,
// then again), expired reservations (charged, then again), and finally the team without
// room (RefusedBlocked, or RefusedHeld when reservations in flight hold what it needs).
//
// charged, if given, hears of each expired reservation charged on the way.
func Reserve(ctx context.Context, db DynamoDB, table string, view *CapRecord, h *Hold, now time.Time, charged ...func(Hold)) error {
	return reserveFrom(ctx, db, table, view, h, now, nil, charged...)
}

// reserveFrom is Reserve whose reservation transactions, if send is not nil, go through
// send (a Committer's queue; send returns ReserveInput's answer).
func reserveFrom(ctx context.Context, db DynamoDB, table string, view *CapRecord, h *Hold, now time.Time, send func(period string) error, charged ...func(Hold)) error {
	period := PeriodOf(now).Key()
	override := view.OverrideActive(now)
	edge := view.routingEdge(now)
	swept := false
	for attempt := 0; attempt < reserveAttempts; attempt++ {
		var err error
		if send != nil {
			err = send(period)
		} else {
			_, err = db.TransactWriteItems(ctx, ReserveInput(table, h, view.ConfigVersion, period, override, now, edge, attempt))
		}
		if err == nil {
			return nil
		}
		if isConflict(err) || isThrottle(err) {
			if err := pause(ctx, attempt); err != nil {
				return err
			}
			continue
		}
		if item, ok := failedItem(err, 1); ok {
			if decodeHold(item).Nonce == h.Nonce {
				return nil // our own write, its answer lost
			}
			return &Refusal{Reason: RefusedInFlight}
		}
		item, ok := failedItem(err, 0)
		if !ok {
			return err
		}
		var slice *Part
		if len(item) > 0 {
			p := decodePart(item, h.Slice)
			slice = &p
		}
		switch {
		case slice != nil && slice.Period > period:
			period = slice.Period // another instance's clock is ahead by a hair
			continue
		case slice != nil && slice.Period < period:
			if err := Rollover(ctx, db, table, view.Team, period, now); err != nil {
				return err
			}
			continue
		case slice == nil || slice.ConfigVersion != view.ConfigVersion:
			rec, err := Migrate(ctx, db, table, view.Team, now)
			if err != nil {
				return err
			}
			return &Refusal{Reason: RefusedConfigChanged, Rec: rec}
		}
		if edge > 0 && slice.Spent >= edge {
			return &Refusal{Reason: RefusedStandingChanged, Rec: view.withOnly(slice)}
		}
		if retry, err := short(ctx, db, table, view, h, slice, now, &swept, charged); !retry {
			return err
		}
	}
	return &Refusal{Reason: RefusedContended}
}

// short answers a reservation refused by its slice for want of room (slice is the item
// the failure returned): with the team's parts, room is moved to the slice or expired
// reservations are charged (retry), or the team lacks the room: blocked, or held by
// reservations in flight. swept keeps one sweep per reservation.
func short(ctx context.Context, db DynamoDB, table string, view *CapRecord, h *Hold, slice *Part, now time.Time, swept *bool, charged []func(Hold)) (retry bool, err error) {
	override := view.OverrideActive(now)
	var rec *CapRecord
	if view.alone() && !slice.Debt && !slice.OverrideUsed {
		// The slice is the team's only part: it says all there is to say, unless
		// reservations in flight hold the room (they may have settled since).
		if r := view.withOnly(slice); r.Reserved == 0 || r.room(override)+r.Reserved < h.Amount {
			rec = r
		}
	}
	if rec == nil {
		if rec, err = ReadCapRecord(ctx, db, table, view.Team); err != nil {
			return false, err
		}
		if rec.ConfigVersion != view.ConfigVersion {
			return false, &Refusal{Reason: RefusedConfigChanged, Rec: rec}
		}
		moved, err := MoveRoom(ctx, db, table, rec, h.Slice, h.Amount, now)
		if err != nil || moved {
			return moved, err
		}
	}
	if !*swept && (rec.Reserved > 0 || len(rec.Inflight) > 0) && sweepDue(table, view.Team, now) {
		*swept = true
		if n, err := Sweep(ctx, db, table, rec, now, charged...); err == nil && n > 0 {
			return true, nil
		}
	}
	if rec.Reserved > 0 && rec.room(override)+rec.Reserved >= h.Amount {
		return false, &Refusal{Reason: RefusedHeld, Rec: rec}
	}
	return false, &Refusal{Reason: RefusedBlocked, Rec: rec}
}

// Settle closes reservation h (SettleInput). A cost above the reservation (possible only
// when the usage a model reports passes the reservation's bound) settles at the reservation
// and charges the rest with LateCharge. It reports false when the reservation was no
// longer there (settled already, or charged in full as expired).
func Settle(ctx context.Context, db DynamoDB, table string, h *Hold, actual Micros, model string, u Usage, release bool) (bool, error) {
	extra := max(actual-h.Amount, 0)
	in := SettleInput(table, h, actual-extra, model, u, release)
	for attempt := 0; ; attempt++ {
		_, err := db.TransactWriteItems(ctx, in)
		if err == nil {
			break
		}
		if _, ok := failedItem(err, 1); ok {
			return false, nil
		}
		if !isConflict(err) && !isThrottle(err) || attempt >= 12 {
			return false, err
		}
		if err := pause(ctx, attempt); err != nil {
			return false, err
		}
	}
	if extra > 0 {
		return true, lateCharge(ctx, db, table, h.Team, h.Slice, extra, model, Usage{}, false) // the settle counted the request
	}
	return true, nil
}

func isThrottle(err error) bool {
	var pte *types.ProvisionedThroughputExceededException
	if errors.As(err, &pte) {
		return true
	}
	for _, r := range cancellation(err) {
		if c := aws.ToString(r.Code); c == "ThrottlingError" || c == "ProvisionedThroughputExceeded" {
			return true
		}
	}
	return false
}

// LateCharge charges amount that no reservation covered to part `part` of team (a call
// forwarded uncounted while the ledger failed open, or the cost of a call beyond the
// reservation it outlived): spend grows, both headrooms shrink, the request and usage
// are counted. Room may now be negative on that part, so every part is marked in debt
// in the same transaction: no part admits again before MoveRoom has made every part
// non-negative (or found the team out of room).
func LateCharge(ctx context.Context, db DynamoDB, table, team string, part int, amount Micros, model string, u Usage) error {
	return lateCharge(ctx, db, table, team, part, amount, model, u, true)
}

func lateCharge(ctx context.Context, db DynamoDB, table, team string, part int, amount Micros, model string, u Usage, count bool) error {
	rec, err := ReadCapRecord(ctx, db, table, team)
	if err != nil {
		return err
	}
	names := map[string]string{}
	vals := map[string]types.AttributeValue{":a": nAV(int64(amount)), ":t": trueAV}
	upd := "SET #sp = #sp + :a, #hr = #hr - :a, #ohr = #ohr - :a, #debt = :t"
	if count {
		upd += ", #req = #req + :one"
		vals[":one"] = oneAV
	}
	upd += tokenSets(model, u, names, vals, "0")
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: aws.String(table), Key: partKey(team, part),
		UpdateExpression: aws.String(upd), ExpressionAttributeNames: exprNames(names, upd), ExpressionAttributeValues: vals}}}
	for _, p := range rec.Parts {
		if p.Index != part {
			items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: partKey(team, p.Index),
				UpdateExpression: aws.String("SET #debt = :t"), ExpressionAttributeNames: exprNames(nil, "#debt"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":t": trueAV}}})
		}
	}
	tok := requestToken("late", table, team, strconv.Itoa(part), strconv.FormatInt(int64(amount), 10), crand.Text())
	for attempt := 0; ; attempt++ {
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: tok})
		if err == nil || (!isConflict(err) && !isThrottle(err)) || attempt >= 12 {
			return err
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// Rollover starts period `to` on every part of team still in an earlier one, in one
// transaction: spend is archived in prev_*, zeroed, each headroom restarts from the
// part's base share minus the reservations it still holds (they carry over and settle
// into the new period), token and request counters start afresh. Each part's update is
// conditional on its period and on its reservations not having grown since read, so the
// debt decision holds: if any part could start below zero, every part is marked in debt.
// Of many concurrent first requests of the month, one transaction wins; the others find
// the parts rolled.
func Rollover(ctx context.Context, db DynamoDB, table, team, to string, now time.Time) error {
	for attempt := 0; ; attempt++ {
		rec, err := ReadCapRecord(ctx, db, table, team)
		if err != nil {
			return err
		}
		if rec.Layout < LayoutVersion {
			if _, err := Migrate(ctx, db, table, team, now); err != nil {
				return err
			}
			continue
		}
		debt := false
		stale := false
		for _, p := range rec.Parts {
			if p.Period < to {
				stale = true
				if p.Base-p.Reserved < 0 || (rec.Override != nil && p.OverrideBase-p.Reserved < 0) {
					debt = true
				}
			}
		}
		if !stale {
			return nil
		}
		var items []types.TransactWriteItem
		for _, p := range rec.Parts {
			vals := map[string]types.AttributeValue{}
			upd, cond := "", ""
			if p.Period < to {
				upd = "SET #per = :to, #pp = :from, #ps = #sp, #sp = :z, #hr = #base - #rsv, #ohr = #obase - #rsv, #req = :z, " +
					"#ti = :em, #to = :em, #tcr = :em, #tcw = :em"
				cond = "#per = :from AND #rsv <= :rsv"
				vals[":to"], vals[":from"], vals[":z"], vals[":em"], vals[":rsv"] = sAV(to), sAV(p.Period), zeroAV, emptyMap, nAV(int64(p.Reserved))
				if p.Index == LegacyPart {
					// the record's own notification flags and token counters are layout 1's
					upd = strings.Replace(upd, "#hr = #base - #rsv, #ohr = #obase - #rsv", "#hr = :z - #rsv, #ohr = :z - #rsv", 1)
				}
			}
			if debt {
				if upd == "" {
					upd = "SET #debt = :t"
				} else {
					upd += ", #debt = :t"
				}
				vals[":t"] = trueAV
			}
			if upd == "" {
				continue
			}
			u := &types.Update{TableName: aws.String(table), Key: partKey(team, p.Index), UpdateExpression: aws.String(upd),
				ExpressionAttributeNames: exprNames(nil, upd, cond), ExpressionAttributeValues: vals}
			if cond != "" {
				u.ConditionExpression = aws.String(cond)
			}
			items = append(items, types.TransactWriteItem{Update: u})
		}
		_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		if !IsTransactionCanceled(err) && !isConflict(err) && !isThrottle(err) || attempt >= 8 {
			return fmt.Errorf("team %s: start period %s: %w", team, to, err)
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// QueryReservations lists team's reservation items that expired before `before` (unix
// seconds; math.MaxInt64 for all), from the reservations index: only those are read,
// however long the team's history.
func QueryReservations(ctx context.Context, db DynamoDB, table, team string, before int64) ([]Hold, error) {
	var out []Hold
	for b := range ReservationBuckets {
		in := &dynamodb.QueryInput{
			TableName: aws.String(table), IndexName: aws.String(ReservationIndex),
			KeyConditionExpression:   aws.String("#of = :of AND #x < :before"),
			ExpressionAttributeNames: map[string]string{"#of": AttrReservationOf, "#x": AttrReservationX},
			ExpressionAttributeValues: map[string]types.AttributeValue{":of": sAV(team + "#" + strconv.Itoa(b)),
				":before": nAV(before)},
		}
		for {
			page, err := db.Query(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("team %s: list reservations: %w", team, err)
			}
			for _, it := range page.Items {
				out = append(out, decodeHold(it))
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	return out, nil
}

// sweepGate remembers when this process last swept a team from a refusal: a team
// refused again and again (its clients retrying) is swept at most every sweepEvery.
var sweepGate sync.Map

const sweepEvery = 10 * time.Second

func sweepDue(table, team string, now time.Time) bool {
	k := table + "\x00" + team
	if last, ok := sweepGate.Load(k); ok && now.Sub(last.(time.Time)).Abs() < sweepEvery {
		return false
	}
	sweepGate.Store(k, now)
	return true
}

// ExpiryGrace is how long past its expiry a reservation is left to its own process
// before a sweep charges it (clock skew between instances).
const ExpiryGrace = 60 * time.Second

// Sweep charges in full every reservation of rec's team that expired more than
// ExpiryGrace before now (ChargeExpiredInput), reservation items and, on a record first
// written in layout 1, entries of its in-flight map. It returns how many it charged.
// charged, if given, hears of each.
func Sweep(ctx context.Context, db DynamoDB, table string, rec *CapRecord, now time.Time, charged ...func(Hold)) (int, error) {
	cut := now.Add(-ExpiryGrace).Unix()
	n := 0
	for _, e := range rec.Inflight {
		if e.Expires < cut {
			if _, err := db.UpdateItem(ctx, ChargeExpiredLegacyInput(table, rec.Team, e)); err == nil {
				n++
				for _, f := range charged {
					f(Hold{Team: rec.Team, Slot: e.ID, Slice: LegacyPart, Amount: e.Amount, Expires: e.Expires, Nonce: e.Nonce})
				}
			}
		}
	}
	dead, err := QueryReservations(ctx, db, table, rec.Team, cut)
	if err != nil {
		return n, err
	}
	for i := range dead {
		if _, err := db.TransactWriteItems(ctx, ChargeExpiredInput(table, &dead[i])); err == nil {
			n++
			for _, f := range charged {
				f(dead[i])
			}
		}
	}
	return n, nil
}
