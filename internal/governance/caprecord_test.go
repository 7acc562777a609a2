package governance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// The cap record's semantics are proven against dynalite, a real DynamoDB
// implementation, never against a fake.

var (
	testDB    *dynamodb.Client
	tableSeq  atomic.Int64
	startedDB *dynalite.Process
)

func TestMain(m *testing.M) {
	p, err := dynalite.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynalite:", err)
		os.Exit(1)
	}
	startedDB = p
	testDB = dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(p.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	code := m.Run()
	p.Stop()
	os.Exit(code)
}

func newTable(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("caps-%d", tableSeq.Add(1))
	if _, err := testDB.CreateTable(context.Background(), CreateTableInput(name)); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		out, err := testDB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			return name
		}
		if i > 200 {
			t.Fatalf("table %s not active: %v", name, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
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

func reserve(ctx context.Context, table, team, id string, amt Micros, now time.Time) (*CapRecord, error) {
	out, err := testDB.UpdateItem(ctx, ReserveInput(table, team, Reservation{ID: id, Amount: amt, Expires: now.Add(15 * time.Minute).Unix(), Nonce: "n-" + id}, PeriodOf(now).Key(), now))
	if err != nil {
		return nil, err
	}
	return DecodeCapRecord(out.Attributes)
}

func read(t *testing.T, table, team string) *CapRecord {
	t.Helper()
	r, err := ReadCapRecord(context.Background(), testDB, table, team)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func checkInvariant(t *testing.T, r *CapRecord) {
	t.Helper()
	if r.Headroom != r.Cap-r.Spent-r.Reserved || r.OverrideHdroom != r.OverrideCap-r.Spent-r.Reserved {
		t.Fatalf("headroom invariant broken: %+v", r)
	}
	var inflight Micros
	for _, e := range r.Inflight {
		inflight += e.Amount
	}
	if inflight != r.Reserved {
		t.Fatalf("reserved %d != sum of in-flight %d", r.Reserved, inflight)
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
	if rec.Period != "2026-11" || rec.Headroom != 2000*MicrosPerUSD || rec.ConfigVersion != 1 {
		t.Fatalf("created %+v", rec)
	}
	// Spend 640.12 USD.
	if _, err := reserve(ctx, table, "business", "r1", 700*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.UpdateItem(ctx, SettleInput(table, "business", "r1", 700*MicrosPerUSD, 640_120_000, cfg.ModelID, Usage{InputTokens: 10, OutputTokens: 20})); err != nil {
		t.Fatal(err)
	}
	if _, err := reserve(ctx, table, "business", "r2", 10*MicrosPerUSD, nov); err != nil {
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
	raw, err := testDB.GetItem(ctx, GetCapRecordInput(table, "business"))
	if err != nil {
		t.Fatal(err)
	}
	if lite, err := DecodeLedger(raw.Item); err != nil || lite.InputTokens != nil || lite.Spent != rec.Spent || len(lite.Inflight) != 1 {
		t.Fatalf("DecodeLedger = %+v, %v", lite, err)
	}
	checkInvariant(t, rec)
	if rec.StateAt(nov) != StateBlocked {
		t.Errorf("state = %s", rec.StateAt(nov))
	}
	if _, err := reserve(ctx, table, "business", "r3", 1, nov); !IsConditionFailed(err) {
		t.Errorf("reserve over a cut budget: %v", err)
	}
	// Projected state for plan-time review.
	up := cfg
	up.Limit = 1000 * MicrosPerUSD
	if s := rec.ProjectedState(up, nov); s != StateNotified {
		t.Errorf("projected = %s", s)
	}
	// Stale version: a concurrent Terraform write is detected, not lost.
	if _, err := testDB.UpdateItem(ctx, UpdateCapConfigInput(table, cfg, &CapRecord{ConfigVersion: 1}, nov)); !IsConditionFailed(err) {
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
	checkInvariant(t, rec)
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

// One conditional write per request admits exactly as many reservations as fit.
func TestReserveUnderConcurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	if _, err := WriteCapConfig(ctx, testDB, table, testConfig("c", 10), nov); err != nil {
		t.Fatal(err)
	}
	const workers, amount = 96, Micros(370_000) // 10 USD / 0.37 = 27 fit
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := reserve(ctx, table, "c", fmt.Sprintf("req-%d", i), amount, nov)
			switch {
			case err == nil:
				ok.Add(1)
			case IsConditionFailed(err):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	r := read(t, table, "c")
	if ok.Load() != 27 || refused.Load() != workers-27 || r.Reserved != 27*amount || len(r.Inflight) != 27 {
		t.Fatalf("admitted %d refused %d reserved %d", ok.Load(), refused.Load(), r.Reserved)
	}
	checkInvariant(t, r)
	// The same id cannot reserve twice.
	// The same id cannot reserve twice, although 0.01 USD of headroom is left.
	if _, err := reserve(ctx, table, "c", r.Inflight[0].ID, 1, nov); !IsConditionFailed(err) {
		t.Fatalf("duplicate id reserved: %v", err)
	}
	if _, err := reserve(ctx, table, "c", "fresh", 1, nov); err != nil {
		t.Fatalf("headroom left unused: %v", err)
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
		TableName: aws.String(table), Key: keyOf(TeamKey("x")),
		ConditionExpression:       aws.String("spent_micros + :r <= limit_micros"),
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
	if _, err := reserve(ctx, table, "s", "a", 3*MicrosPerUSD, nov); err != nil {
		t.Fatal(err)
	}
	settle := SettleInput(table, "s", "a", 3*MicrosPerUSD, MicrosPerUSD, cfg.ModelID, Usage{InputTokens: 5})
	if _, err := testDB.UpdateItem(ctx, settle); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.UpdateItem(ctx, settle); !IsConditionFailed(err) {
		t.Fatalf("second settle: %v", err)
	}
	r := read(t, table, "s")
	if r.Spent != MicrosPerUSD || r.Reserved != 0 || r.Requests != 1 {
		t.Fatalf("after settle %+v", r)
	}
	checkInvariant(t, r)
	// A crashed process leaves a reservation; it expires and is charged in full, once:
	// its call may have been billed up to the worst case, and nobody can say otherwise.
	rec, err := reserve(ctx, table, "s", "crashed", 4*MicrosPerUSD, nov)
	if err != nil {
		t.Fatal(err)
	}
	exp := rec.Inflight[0]
	if _, err := testDB.UpdateItem(ctx, ChargeExpiredInput(table, "s", exp)); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.UpdateItem(ctx, ChargeExpiredInput(table, "s", exp)); !IsConditionFailed(err) {
		t.Fatalf("double charge: %v", err)
	}
	r = read(t, table, "s")
	if r.Spent != 5*MicrosPerUSD || r.Reserved != 0 || len(r.Inflight) != 0 || r.Headroom != 5*MicrosPerUSD {
		t.Fatalf("after the expired charge %+v", r)
	}
	checkInvariant(t, r)
	// The crashed call's late settle adds what it cost beyond its reservation, once.
	late := LateChargeInput(table, "s", "crashed", MicrosPerUSD/2, cfg.ModelID, Usage{})
	if _, err := testDB.UpdateItem(ctx, late); err != nil {
		t.Fatal(err)
	}
	r = read(t, table, "s")
	if r.Spent != 5*MicrosPerUSD+MicrosPerUSD/2 || r.Reserved != 0 || len(r.Inflight) != 0 {
		t.Fatalf("after the late charge %+v", r)
	}
	checkInvariant(t, r)
}

func TestRolloverOverrideAndNotifyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	cfg := testConfig("r", 10)
	if _, err := WriteCapConfig(ctx, testDB, table, cfg, nov); err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	if _, err := reserve(ctx, table, "r", "n1", 9*MicrosPerUSD, last); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.UpdateItem(ctx, SettleInput(table, "r", "n1", 9*MicrosPerUSD, 9*MicrosPerUSD, cfg.ModelID, Usage{})); err != nil {
		t.Fatal(err)
	}
	if _, err := reserve(ctx, table, "r", "straddle", 500_000, last); err != nil {
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
	// 2026-12-01T00:00:00Z: the November period refuses, a single rollover succeeds.
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if _, err := reserve(ctx, table, "r", "d0", MicrosPerUSD, dec); !IsConditionFailed(err) {
		t.Fatalf("reserve in new period before rollover: %v", err)
	}
	won.Store(0)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := testDB.UpdateItem(ctx, RolloverInput(table, "r", "2026-11", "2026-12")); err == nil {
				won.Add(1)
			} else if !IsConditionFailed(err) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	r := read(t, table, "r")
	if won.Load() != 1 || r.Period != "2026-12" || r.Spent != 0 || r.PrevSpent != 9*MicrosPerUSD || r.Reserved != 500_000 || len(r.NotifiedFlags) != 0 {
		t.Fatalf("rollover winners %d record %+v", won.Load(), r)
	}
	checkInvariant(t, r)
	if r.SpentIn("2026-11") != 9*MicrosPerUSD || r.StateAt(dec) != StateOK {
		t.Fatalf("history %+v", r)
	}
	// The straddling request settles into December.
	if _, err := testDB.UpdateItem(ctx, SettleInput(table, "r", "straddle", 500_000, 200_000, cfg.ModelID, Usage{})); err != nil {
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
	if _, err := reserve(ctx, table, "r", "d1", 9_800_000, dec); err != nil {
		t.Fatal(err)
	}
	if _, err := reserve(ctx, table, "r", "d2", 4*MicrosPerUSD, dec); err != nil {
		t.Fatalf("override not honoured: %v", err)
	}
	after := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	if _, err := reserve(ctx, table, "r", "d3", 1, after); !IsConditionFailed(err) {
		t.Fatalf("expired override honoured: %v", err)
	}
	r = read(t, table, "r")
	checkInvariant(t, r)
	if r.EffectiveLimit(dec) != 15*MicrosPerUSD || r.EffectiveLimit(after) != 10*MicrosPerUSD || r.Override.Reason != "quarter-end batch" {
		t.Fatalf("override %+v", r.Override)
	}
	// Removing the override moves the override headroom back, counters intact.
	cfg.Override = nil
	rec, err := WriteCapConfig(ctx, testDB, table, cfg, dec)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariant(t, rec)
	if rec.Override != nil || rec.Reserved != 13_800_000 {
		t.Fatalf("override removal %+v", rec)
	}
}
