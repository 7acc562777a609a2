package governance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The cap record's semantics are proven against dynalite, a real DynamoDB
// implementation, never against a fake.

var (
	testDB   *dynamodb.Client
	tableSeq atomic.Int64
)

func newTable(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("caps-%d", tableSeq.Add(1))
	if _, err := testDB.CreateTable(context.Background(), CreateTableInput(name)); err != nil {
		t.Fatal(err)
	}
	waitTable(t, name, true)
	return name
}

var nov = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

func testConfig(team string, limitUSD int64) CapConfig {
	return CapConfig{
		Team: team, Limit: Micros(limitUSD) * MicrosPerUSD, Thresholds: DefaultThresholds,
		ModelID: "anthropic.claude-3-haiku-20240307-v1:0", PriceGroup: "us",
		ProfileARN: "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/" + team,
		Principals: []string{"arn:aws:iam::111122223333:role/path/" + team},
	}
}

func hold(team, id string, amt Micros, now time.Time) *Hold {
	return &Hold{Team: team, Slot: id, Amount: amt, Expires: now.Add(15 * time.Minute).Unix(), Nonce: "n-" + id}
}

// reserve makes reservation id on slice 0 as an enforcer would, priced from a fresh read.
func reserve(ctx context.Context, table, team, id string, amt Micros, now time.Time) error {
	return reserveOn(ctx, table, hold(team, id, amt, now), now)
}

func reserveOn(ctx context.Context, table string, h *Hold, now time.Time) error {
	view, err := ReadCapRecord(ctx, testDB, table, h.Team)
	if err != nil {
		return err
	}
	return Reserve(ctx, testDB, table, view, h, now)
}

func settle(ctx context.Context, table, team, id string, amt, actual Micros, model string, u Usage, now time.Time) (bool, error) {
	return Settle(ctx, testDB, table, hold(team, id, amt, now), actual, model, u, false)
}

// refused reports whether err is a refusal for one of the reasons.
func refused(err error, reasons ...RefusalReason) bool {
	var r *Refusal
	return errors.As(err, &r) && slices.Contains(reasons, r.Reason)
}

func read(t *testing.T, table, team string) *CapRecord {
	t.Helper()
	r, err := ReadCapRecord(context.Background(), testDB, table, team)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkInvariant checks the team's sums: headroom = cap - spent - reserved (for the cap
// and the override cap), and reserved = the reservation items (and a layout 1 record's
// in-flight entries).
func checkInvariant(t *testing.T, table string, r *CapRecord) {
	t.Helper()
	if r.Headroom != r.Cap-r.Spent-r.Reserved || r.OverrideHdroom != r.OverrideCap-r.Spent-r.Reserved {
		t.Fatalf("headroom invariant broken: cap %d override cap %d spent %d reserved %d headroom %d override headroom %d",
			r.Cap, r.OverrideCap, r.Spent, r.Reserved, r.Headroom, r.OverrideHdroom)
	}
	holds, err := QueryReservations(context.Background(), testDB, table, r.Team, math.MaxInt64)
	if err != nil {
		t.Fatal(err)
	}
	var inflight Micros
	for _, h := range holds {
		inflight += h.Amount
	}
	for _, e := range r.Inflight {
		inflight += e.Amount
	}
	if inflight != r.Reserved {
		t.Fatalf("reserved %d != sum of reservations %d", r.Reserved, inflight)
	}
}

func TestCapRecordConfigWritesNeverResetCounters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	cfg := testConfig("business", 2000)
	rec, err := WriteCapConfig(ctx, testDB, table, cfg, nov)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Period != "2026-11" || rec.Headroom != 2000*MicrosPerUSD || rec.ConfigVersion != 1 || rec.Layout != LayoutVersion || len(rec.Parts) != 1 {
		t.Fatalf("created %+v", rec)
	}
	// Spend 640.12 USD.
	if err := reserve(ctx, table, "business", "r1", 700*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	if _, err := settle(ctx, table, "business", "r1", 700*MicrosPerUSD, 640_120_000, cfg.ModelID, Usage{InputTokens: 10, OutputTokens: 20}, nov); err != nil {
		t.Fatal(err)
	}
	if err := reserve(ctx, table, "business", "r2", 10*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	// Budget cut to 500: counters stay, headroom moves by the delta and goes negative.
	cfg.Limit = 500 * MicrosPerUSD
	rec, err = WriteCapConfig(ctx, testDB, table, cfg, nov)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Spent != 640_120_000 || rec.Reserved != 10*MicrosPerUSD || rec.ConfigVersion != 2 || rec.InputTokens[cfg.ModelID] != 10 {
		t.Fatalf("config write touched counters: %+v", rec)
	}
	checkInvariant(t, table, rec)
	if rec.StateAt(nov) != StateBlocked {
		t.Errorf("state = %s", rec.StateAt(nov))
	}
	if err := reserve(ctx, table, "business", "r3", 1, nov); !refused(err, RefusedBlocked, RefusedHeld) {
		t.Errorf("reserve over a cut budget: %v", err)
	}
	// Projected state for plan-time review.
	up := cfg
	up.Limit = 1000 * MicrosPerUSD
	if s := rec.ProjectedState(up, nov); s != StateNotified {
		t.Errorf("projected = %s", s)
	}
	// Stale version: a concurrent Terraform write is detected, not lost.
	stale := *rec
	stale.ConfigVersion = 1
	if _, err := testDB.TransactWriteItems(ctx, UpdateCapConfigInput(table, cfg, &stale, nov)); !IsTransactionCanceled(err) {
		t.Errorf("stale config write: %v", err)
	}
	// Thresholds with block at 90 move the cap, again by delta.
	cfg.Limit, cfg.Thresholds = 1000*MicrosPerUSD, Thresholds{50, 80, 90}
	rec, err = WriteCapConfig(ctx, testDB, table, cfg, nov)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Cap != 900*MicrosPerUSD {
		t.Errorf("cap = %d", rec.Cap)
	}
	checkInvariant(t, table, rec)
	// The room the raise gives back admits again (the cut's debt is settled first).
	if err := reserve(ctx, table, "business", "r4", 200*MicrosPerUSD, nov); err != nil {
		t.Fatalf("after the raise: %v", err)
	}
	checkInvariant(t, table, read(t, table, "business"))
}

func TestCapRecordIdentities(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	a := testConfig("team-a", 10)
	a.APIKeyHash = HashAPIKey("key-a")
	if _, err := WriteCapConfig(ctx, testDB, table, a, nov); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) string {
		out, err := testDB.GetItem(ctx, LookupIdentityInput(table, k))
		if err != nil {
			t.Fatal(err)
		}
		return TeamOfIdentity(out.Item)
	}
	pk, _ := PrincipalKey("arn:aws:sts::111122223333:assumed-role/team-a/s")
	if got := lookup(PrincipalIndexKey(pk)); got != "team-a" {
		t.Fatalf("principal maps to %q", got)
	}
	if got := lookup(APIKeyIndexKey(HashAPIKey("key-a"))); got != "team-a" {
		t.Fatalf("key maps to %q", got)
	}
	// Team B may not take team A's principal or key.
	b := testConfig("team-b", 10)
	b.Principals = append(b.Principals, "arn:aws:iam::111122223333:role/team-a")
	if _, err := WriteCapConfig(ctx, testDB, table, b, nov); err == nil || !strings.Contains(err.Error(), "already belongs") {
		t.Fatalf("stolen principal: %v", err)
	}
	b = testConfig("team-b", 10)
	b.APIKeyHash = HashAPIKey("key-a")
	if _, err := WriteCapConfig(ctx, testDB, table, b, nov); err == nil || strings.Contains(err.Error(), "key-a") {
		t.Fatalf("stolen key: %v", err)
	}
	// Rotating A's key and dropping its principal releases the old index items.
	a.APIKeyHash, a.Principals = HashAPIKey("key-a2"), nil
	if _, err := WriteCapConfig(ctx, testDB, table, a, nov); err != nil {
		t.Fatal(err)
	}
	if lookup(APIKeyIndexKey(HashAPIKey("key-a"))) != "" || lookup(PrincipalIndexKey(pk)) != "" || lookup(APIKeyIndexKey(HashAPIKey("key-a2"))) != "team-a" {
		t.Fatal("index not updated")
	}
	if err := DeleteCapRecord(ctx, testDB, table, "team-a"); err != nil {
		t.Fatal(err)
	}
	if lookup(APIKeyIndexKey(HashAPIKey("key-a2"))) != "" {
		t.Fatal("key survived delete")
	}
	if _, err := ReadCapRecord(ctx, testDB, table, "team-a"); !errors.Is(err, ErrNoCapRecord) {
		t.Fatalf("after delete: %v", err)
	}
	if err := DeleteCapRecord(ctx, testDB, table, "team-a"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

// Concurrent reservations on one slice, or spread over several, never admit more than
// the room, and lose none of it: what the burst refused still fits afterwards.
func TestReserveUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		slices  int
		batched bool
	}{{1, false}, {4, false}, {1, true}, {4, true}} {
		slices := tc.slices
		committer := &Committer{DB: testDB}
		t.Run(fmt.Sprintf("slices=%d,batched=%t", slices, tc.batched), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			table := newTable(t)
			committer.Table = table
			cfg := testConfig("c", 10)
			cfg.Slices = slices
			if _, err := WriteCapConfig(ctx, testDB, table, cfg, nov); err != nil {
				t.Fatal(err)
			}
			const workers, amount = 96, Micros(370_000) // 10 USD / 0.37 = 27 fit
			var ok atomic.Int64
			var wg sync.WaitGroup
			for i := 0; i < workers; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					h := hold("c", fmt.Sprintf("req-%d", i), amount, nov)
					h.Slice = i % slices
					var err error
					if tc.batched {
						var view *CapRecord
						if view, err = ReadCapRecord(ctx, testDB, table, "c"); err == nil {
							err = committer.Reserve(ctx, view, h, nov)
						}
					} else {
						err = reserveOn(ctx, table, h, nov)
					}
					switch {
					case err == nil:
						ok.Add(1)
					case refused(err, RefusedBlocked, RefusedHeld, RefusedContended):
					default:
						t.Error(err)
					}
				}(i)
			}
			wg.Wait()
			if ok.Load() > 27 {
				t.Fatalf("admitted %d, more than the 27 that fit", ok.Load())
			}
			// Whatever the burst refused for contention still fits, one at a time.
			for i := 0; ok.Load() < 27 && i < 27; i++ {
				h := hold("c", fmt.Sprintf("later-%d", i), amount, nov)
				h.Slice = i % slices
				if err := reserveOn(ctx, table, h, nov); err != nil {
					t.Fatalf("room lost: %d admitted, then %v", ok.Load(), err)
				}
				ok.Add(1)
			}
			r := read(t, table, "c")
			if r.Reserved != 27*amount {
				t.Fatalf("reserved %d", r.Reserved)
			}
			checkInvariant(t, table, r)
			// The same id cannot reserve twice, although 0.01 USD of headroom is left.
			held, err := QueryReservations(ctx, testDB, table, "c", math.MaxInt64)
			if err != nil || len(held) != 27 {
				t.Fatalf("reservations %d, %v", len(held), err)
			}
			dup := hold("c", held[0].Slot, 1, nov)
			dup.Slice, dup.Nonce = held[0].Slice, "another-attempt"
			if err := reserveOn(ctx, table, dup, nov); !refused(err, RefusedInFlight) {
				t.Fatalf("duplicate id: %v", err)
			}
			if err := reserve(ctx, table, "c", "fresh", 1, nov); err != nil {
				t.Fatalf("headroom left unused: %v", err)
			}
			if err := reserve(ctx, table, "c", "one-too-many", amount, nov); !refused(err, RefusedHeld) {
				t.Fatalf("over the cap: %v", err)
			}
		})
	}
}

// DynamoDB (and dynalite) refuse arithmetic in a condition; that is why the record keeps
// headroom counters instead of comparing spent + amount with the limit.
func TestArithmeticInConditionIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	if _, err := WriteCapConfig(ctx, testDB, table, testConfig("x", 1), nov); err != nil {
		t.Fatal(err)
	}
	_, err := testDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: keyOf(SliceKey("x", 0)),
		ConditionExpression:       aws.String("spent_micros + :r <= headroom_micros"),
		UpdateExpression:          aws.String("SET spent_micros = spent_micros + :r"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": nAV(1)},
	})
	if err == nil || IsConditionFailed(err) {
		t.Fatalf("arithmetic condition: %v", err)
	}
}

func TestSettleIsIdempotentAndExpiredIsChargedInFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	cfg := testConfig("s", 10)
	if _, err := WriteCapConfig(ctx, testDB, table, cfg, nov); err != nil {
		t.Fatal(err)
	}
	if err := reserve(ctx, table, "s", "a", 3*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	if held, err := settle(ctx, table, "s", "a", 3*MicrosPerUSD, MicrosPerUSD, cfg.ModelID, Usage{InputTokens: 5}, nov); err != nil || !held {
		t.Fatal(held, err)
	}
	// A retry of the same settlement (its answer lost) is applied once (its request token).
	if _, err := settle(ctx, table, "s", "a", 3*MicrosPerUSD, MicrosPerUSD, cfg.ModelID, Usage{InputTokens: 5}, nov); err != nil {
		t.Fatalf("second settle: %v", err)
	}
	r := read(t, table, "s")
	if r.Spent != MicrosPerUSD || r.Reserved != 0 || r.Requests != 1 || r.InputTokens[cfg.ModelID] != 5 {
		t.Fatalf("after settle %+v", r)
	}
	checkInvariant(t, table, r)
	// A crashed process leaves a reservation; it expires and is charged in full, once:
	// its call may have been billed up to the worst case, and nobody can say otherwise.
	if err := reserve(ctx, table, "s", "crashed", 4*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	later := nov.Add(15*time.Minute + ExpiryGrace + time.Second)
	if n, err := Sweep(ctx, testDB, table, read(t, table, "s"), nov.Add(15*time.Minute)); err != nil || n != 0 {
		t.Fatalf("swept a live reservation: %d %v", n, err)
	}
	if n, err := Sweep(ctx, testDB, table, read(t, table, "s"), later); err != nil || n != 1 {
		t.Fatalf("sweep = %d %v", n, err)
	}
	if n, err := Sweep(ctx, testDB, table, read(t, table, "s"), later); err != nil || n != 0 {
		t.Fatalf("second sweep = %d %v", n, err)
	}
	r = read(t, table, "s")
	if r.Spent != 5*MicrosPerUSD || r.Reserved != 0 || r.Headroom != 5*MicrosPerUSD {
		t.Fatalf("after the expired charge %+v", r)
	}
	checkInvariant(t, table, r)
	// The crashed call's late settle finds no reservation, and adds what it cost beyond
	// it, once; the team is in debt until room is moved, which the next reservation does.
	if held, err := settle(ctx, table, "s", "crashed", 4*MicrosPerUSD, 4*MicrosPerUSD, cfg.ModelID, Usage{}, nov); err != nil || held {
		t.Fatalf("late settle: %v %v", held, err)
	}
	if err := LateCharge(ctx, testDB, table, "s", 0, MicrosPerUSD/2, cfg.ModelID, Usage{}); err != nil {
		t.Fatal(err)
	}
	r = read(t, table, "s")
	if r.Spent != 5*MicrosPerUSD+MicrosPerUSD/2 || r.Reserved != 0 || !r.Parts[0].Debt {
		t.Fatalf("after the late charge %+v", r)
	}
	checkInvariant(t, table, r)
	if err := reserve(ctx, table, "s", "after-debt", MicrosPerUSD, nov); err != nil {
		t.Fatalf("debt not settled: %v", err)
	}
	if r = read(t, table, "s"); r.Parts[0].Debt {
		t.Fatal("debt mark stayed")
	}
}

func TestRolloverOverrideAndNotifyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	cfg := testConfig("r", 10)
	cfg.Slices = 3
	if _, err := WriteCapConfig(ctx, testDB, table, cfg, nov); err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	if err := reserve(ctx, table, "r", "n1", 9*MicrosPerUSD, last); err != nil {
		t.Fatal(err)
	}
	if _, err := settle(ctx, table, "r", "n1", 9*MicrosPerUSD, 9*MicrosPerUSD, cfg.ModelID, Usage{}, last); err != nil {
		t.Fatal(err)
	}
	straddle := hold("r", "straddle", 500_000, last)
	straddle.Slice = 2
	if err := reserveOn(ctx, table, straddle, last); err != nil {
		t.Fatal(err)
	}
	// Notify once per threshold, under concurrency.
	var won atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := testDB.UpdateItem(ctx, NotifyOnceInput(table, "r", 80, "2026-11", "w")); err == nil {
				won.Add(1)
			} else if !IsConditionFailed(err) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("notify winners = %d", won.Load())
	}
	// 2026-12-01T00:00:00Z: the first reservations of December roll every part over,
	// once, and are admitted.
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := hold("r", fmt.Sprintf("d0-%d", i), 100_000, dec)
			h.Slice = i % 3
			if err := reserveOn(ctx, table, h, dec); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	r := read(t, table, "r")
	if r.Period != "2026-12" || r.Spent != 0 || r.PrevSpent != 9*MicrosPerUSD || r.Reserved != 500_000+12*100_000 || r.Notified(80) {
		t.Fatalf("rollover: %+v", r)
	}
	checkInvariant(t, table, r)
	if r.SpentIn("2026-11") != 9*MicrosPerUSD || r.StateAt(dec) != StateOK {
		t.Fatalf("history %+v", r)
	}
	for i := 0; i < 12; i++ {
		h := hold("r", fmt.Sprintf("d0-%d", i), 100_000, dec)
		h.Slice = i % 3
		if _, err := Settle(ctx, testDB, table, h, 0, "", Usage{}, true); err != nil {
			t.Fatal(err)
		}
	}
	// The straddling request settles into December.
	if _, err := Settle(ctx, testDB, table, straddle, 200_000, cfg.ModelID, Usage{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.UpdateItem(ctx, NotifyOnceInput(table, "r", 80, "2026-12", "w")); err != nil {
		t.Fatalf("new period notify: %v", err)
	}
	// Override: 15 USD until Dec 5. Fill to the 10 USD cap, then only the override admits.
	cfg.Override = &Override{Limit: 15 * MicrosPerUSD, Expires: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), Reason: "quarter-end batch"}
	if _, err := WriteCapConfig(ctx, testDB, table, cfg, dec); err != nil {
		t.Fatal(err)
	}
	if err := reserve(ctx, table, "r", "d1", 9_800_000, dec); err != nil {
		t.Fatal(err)
	}
	if err := reserve(ctx, table, "r", "d2", 4*MicrosPerUSD, dec); err != nil {
		t.Fatalf("override not honoured: %v", err)
	}
	after := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	if err := reserve(ctx, table, "r", "d3", 1, after); !refused(err, RefusedBlocked, RefusedHeld) {
		t.Fatalf("expired override honoured: %v", err)
	}
	r = read(t, table, "r")
	checkInvariant(t, table, r)
	if r.EffectiveLimit(dec) != 15*MicrosPerUSD || r.EffectiveLimit(after) != 10*MicrosPerUSD || r.Override.Reason != "quarter-end batch" {
		t.Fatalf("override %+v", r.Override)
	}
	// Removing the override moves the override headroom back, counters intact.
	cfg.Override = nil
	rec, err := WriteCapConfig(ctx, testDB, table, cfg, dec)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariant(t, table, rec)
	// (The refusal on Dec 5 swept d1 and d2, expired since Dec 1: charged in full.)
	if rec.Override != nil || rec.Reserved != 0 || rec.Spent != 14*MicrosPerUSD {
		t.Fatalf("override removal %+v", rec)
	}
}

// A team of one slice is routed by the standing its reservation checks: spend another
// process settled past a threshold since the view was read makes the reservation fail
// with the team as it stands, to be routed again.
func TestReservationChecksTheStandingItWasRoutedBy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	cfg := testConfig("edge", 10)
	if _, err := WriteCapConfig(ctx, testDB, table, cfg, nov); err != nil {
		t.Fatal(err)
	}
	stale := read(t, table, "edge")
	if err := reserve(ctx, table, "edge", "other", 9*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	if _, err := settle(ctx, table, "edge", "other", 9*MicrosPerUSD, 8_500_000, cfg.ModelID, Usage{}, nov); err != nil {
		t.Fatal(err)
	}
	err := Reserve(ctx, testDB, table, stale, hold("edge", "routed-by-ok", MicrosPerUSD/10, nov), nov)
	var r *Refusal
	if !errors.As(err, &r) || r.Reason != RefusedStandingChanged || r.Rec.Spent != 8_500_000 || r.Rec.StateAt(nov) != StateNotified { // (no degrade model: notified)
		t.Fatalf("reservation routed by a stale standing: %v", err)
	}
	if err := Reserve(ctx, testDB, table, r.Rec, hold("edge", "routed-by-degraded", MicrosPerUSD/10, nov), nov); err != nil {
		t.Fatalf("routed again: %v", err)
	}
}
