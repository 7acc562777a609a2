package governance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fixtureV1 is testdata/cap-table-layout-v1.json: a cap table written by the enforcer and
// provider of layout 1 (counters and reservations in the record), see testdata/README.md.
type fixtureV1 struct {
	Clock  time.Time                    `json:"clock"`
	Items  []map[string]json.RawMessage `json:"Items"`
	Expect map[string]json.RawMessage   `json:"expect"`
}

type fixtureTeam struct {
	Spent            int64             `json:"spent_micros"`
	Reserved         int64             `json:"reserved_micros"`
	Headroom         int64             `json:"headroom_micros"`
	OverrideHeadroom int64             `json:"override_headroom_micros"`
	Period           string            `json:"period"`
	Requests         int64             `json:"requests"`
	Notified         map[string]string `json:"notified"`
	Identities       map[string]string `json:"identity_items"`
	OutputTokens     map[string]int64  `json:"output_tokens"`
	Inflight         []struct {
		Amount  int64  `json:"amount_micros"`
		Expires int64  `json:"expires"`
		ID      string `json:"id"`
		Nonce   string `json:"nonce"`
	} `json:"inflight"`
}

// attributeValue decodes DynamoDB's JSON form of an attribute value.
func attributeValue(t *testing.T, raw json.RawMessage) types.AttributeValue {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil || len(v) != 1 {
		t.Fatalf("attribute value %s: %v", raw, err)
	}
	for k, body := range v {
		switch k {
		case "S", "N":
			var s string
			_ = json.Unmarshal(body, &s)
			if k == "S" {
				return &types.AttributeValueMemberS{Value: s}
			}
			return &types.AttributeValueMemberN{Value: s}
		case "SS":
			var ss []string
			_ = json.Unmarshal(body, &ss)
			return &types.AttributeValueMemberSS{Value: ss}
		case "BOOL":
			var b bool
			_ = json.Unmarshal(body, &b)
			return &types.AttributeValueMemberBOOL{Value: b}
		case "M":
			var m map[string]json.RawMessage
			_ = json.Unmarshal(body, &m)
			out := map[string]types.AttributeValue{}
			for mk, mv := range m {
				out[mk] = attributeValue(t, mv)
			}
			return &types.AttributeValueMemberM{Value: out}
		}
	}
	t.Fatalf("attribute type in %s", raw)
	return nil
}

// loadFixtureV1 creates a table as layout 1 did (hash key only, no index), loads the
// fixture's items into it, and adds the reservations index as `terraform apply` of the
// new provider does.
func loadFixtureV1(t *testing.T) (string, fixtureV1) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile("testdata/cap-table-layout-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx fixtureV1
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("caps-v1-%d", tableSeq.Add(1))
	if _, err := testDB.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	waitTable(t, name, false)
	for _, it := range fx.Items {
		item := map[string]types.AttributeValue{}
		for k, v := range it {
			item[k] = attributeValue(t, v)
		}
		if _, err := testDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := testDB.UpdateTable(ctx, AddReservationIndexInput(name)); err != nil {
		t.Fatal(err)
	}
	waitTable(t, name, true)
	return name, fx
}

// waitTable waits for the table (and, with index, its reservations index) to be ACTIVE.
func waitTable(t *testing.T, name string, index bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		out, err := testDB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			ready := !index
			for _, g := range out.Table.GlobalSecondaryIndexes {
				ready = ready || (aws.ToString(g.IndexName) == ReservationIndex && g.IndexStatus == types.IndexStatusActive)
			}
			if ready {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("table %s not active", name)
}

func (fx fixtureV1) team(t *testing.T, name string) fixtureTeam {
	t.Helper()
	var ft fixtureTeam
	if err := json.Unmarshal(fx.Expect[name], &ft); err != nil {
		t.Fatal(err)
	}
	return ft
}

// A table written by layout 1 code is moved to layout 2 by the new enforcer as it meets
// it (and by the provider's next configuration write): spend, reservations in flight,
// notifications, identities and token counters are preserved; the expired reservation
// is charged once; a layout 1 enforcer still running during the upgrade settles its
// reservation into the record, and the team's sums count it.
func TestUpgradeFromLayout1Table(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table, fx := loadFixtureV1(t)
	now := fx.Clock
	want := fx.team(t, "ai-core")

	old := read(t, table, "ai-core")
	if old.Layout != 1 || int64(old.Spent) != want.Spent || int64(old.Reserved) != want.Reserved || int64(old.Headroom) != want.Headroom || len(old.Inflight) != 3 {
		t.Fatalf("layout 1 record read as %+v", old)
	}

	// The enforcer meets the old record: its first reservation moves it to layout 2,
	// then the request is priced again from the new record and admitted on room moved
	// from the record's own counters.
	h := hold("ai-core", "first-new", 2*MicrosPerUSD, now)
	err := Reserve(ctx, testDB, table, old, h, now)
	if !refused(err, RefusedConfigChanged) {
		t.Fatalf("first reservation on a layout 1 record: %v", err)
	}
	view := err.(*Refusal).Rec
	if view.Layout != LayoutVersion || view.Part(LegacyPart) == nil || view.Part(0) == nil {
		t.Fatalf("not migrated: %+v", view)
	}
	if err := Reserve(ctx, testDB, table, view, h, now); err != nil {
		t.Fatal(err)
	}
	rec := read(t, table, "ai-core")
	if int64(rec.Spent) != want.Spent || int64(rec.Reserved) != want.Reserved+2*int64(MicrosPerUSD) || rec.Requests != want.Requests ||
		rec.OutputTokens["anthropic.claude-3-7-sonnet-20250219-v1:0"] != want.OutputTokens["anthropic.claude-3-7-sonnet-20250219-v1:0"] ||
		len(rec.Inflight) != 3 || rec.Period != want.Period {
		t.Fatalf("after migration: %+v", rec)
	}
	for pct, flag := range want.Notified {
		if rec.NotifiedFlags[pct] != flag {
			t.Fatalf("notification %s lost: %v", pct, rec.NotifiedFlags)
		}
	}
	p, _ := strconv.ParseInt("50", 10, 64)
	if !rec.Notified(p) || rec.Notified(80) {
		t.Fatalf("notified flags %v", rec.NotifiedFlags)
	}
	checkInvariant(t, table, rec)
	for k, team := range want.Identities {
		out, err := testDB.GetItem(ctx, LookupIdentityInput(table, k))
		if err != nil || TeamOfIdentity(out.Item) != team {
			t.Fatalf("identity %s: %v %v", k, out, err)
		}
	}

	// The dead process's reservation is charged in full, once.
	if n, err := Sweep(ctx, testDB, table, rec, now); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
	if n, err := Sweep(ctx, testDB, table, read(t, table, "ai-core"), now); err != nil || n != 0 {
		t.Fatalf("second sweep = %d, %v", n, err)
	}
	rec = read(t, table, "ai-core")
	if int64(rec.Spent) != want.Spent+1_250_000 || len(rec.Inflight) != 2 {
		t.Fatalf("after the sweep: spent %d in flight %d", rec.Spent, len(rec.Inflight))
	}
	checkInvariant(t, table, rec)

	// A layout 1 enforcer, still running, settles one of its reservations as it always
	// did: in the record. The team's sums see it.
	live := want.Inflight[0]
	if _, err := testDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: keyOf(TeamKey("ai-core")),
		ConditionExpression: aws.String("attribute_exists(#inf.#id)"),
		UpdateExpression:    aws.String("REMOVE #inf.#id SET #sp = #sp + :a, #rsv = #rsv - :r, #hr = #hr + :rel, #ohr = #ohr + :rel, #req = #req + :one"),
		ExpressionAttributeNames: map[string]string{"#inf": AttrInflight, "#id": live.ID, "#sp": AttrSpent, "#rsv": AttrReserved,
			"#hr": AttrHeadroom, "#ohr": AttrOverrideHeadroom, "#req": AttrRequests},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": nAV(1_000_000), ":r": nAV(live.Amount), ":rel": nAV(live.Amount - 1_000_000), ":one": oneAV},
	}); err != nil {
		t.Fatal(err)
	}
	rec = read(t, table, "ai-core")
	if int64(rec.Spent) != want.Spent+1_250_000+1_000_000 || rec.Requests != want.Requests+1 || len(rec.Inflight) != 1 {
		t.Fatalf("after an old settle: %+v", rec)
	}
	checkInvariant(t, table, rec)

	// The new enforcer settles its own reservation.
	if _, err := Settle(ctx, testDB, table, h, MicrosPerUSD, "anthropic.claude-3-7-sonnet-20250219-v1:0", Usage{OutputTokens: 10}, false); err != nil {
		t.Fatal(err)
	}
	// December: every part rolls over, the record's own counters too; the last layout 1
	// reservation carries over.
	dec := time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC)
	rec = read(t, table, "ai-core")
	novSpent := rec.Spent
	if err := Reserve(ctx, testDB, table, rec, hold("ai-core", "december", MicrosPerUSD, dec), dec); err != nil {
		t.Fatal(err)
	}
	rec = read(t, table, "ai-core")
	if rec.Period != "2026-12" || rec.Spent != 0 || rec.SpentIn("2026-11") != novSpent || int64(rec.Reserved) != want.Inflight[1].Amount+int64(MicrosPerUSD) {
		t.Fatalf("december: %+v", rec)
	}
	checkInvariant(t, table, rec)
}

// The provider's configuration write moves a layout 1 record too, override and all.
func TestConfigWriteUpgradesLayout1Record(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table, fx := loadFixtureV1(t)
	want := fx.team(t, "search")
	old := read(t, table, "search")
	cfg := old.CapConfig
	cfg.Limit = 30 * MicrosPerUSD
	cfg.Slices = 4
	rec, err := WriteCapConfig(ctx, testDB, table, cfg, fx.Clock)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Layout != LayoutVersion || len(rec.Parts) != 5 || int64(rec.Spent) != want.Spent || rec.Requests != want.Requests ||
		int64(rec.Headroom) != want.Headroom+10*int64(MicrosPerUSD) || int64(rec.OverrideHdroom) != want.OverrideHeadroom {
		t.Fatalf("upgraded by the provider: %+v", rec)
	}
	checkInvariant(t, table, rec)
	if err := reserve(ctx, table, "search", "new", 40*MicrosPerUSD, fx.Clock); err != nil {
		t.Fatalf("the override's room: %v", err)
	}
	checkInvariant(t, table, read(t, table, "search"))
}

// Changing the number of slices keeps every sum; a slice no longer used gives its room
// to the others when they need it.
func TestSliceCountChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t)
	cfg := testConfig("n", 8)
	cfg.Slices = 4
	if _, err := WriteCapConfig(ctx, testDB, table, cfg, nov); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		h := hold("n", "s"+strconv.Itoa(i), MicrosPerUSD, nov)
		h.Slice = i
		if err := reserveOn(ctx, table, h, nov); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Slices = 2
	rec, err := WriteCapConfig(ctx, testDB, table, cfg, nov)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Slices != 2 || rec.SliceMax != 4 || rec.Reserved != 4*MicrosPerUSD {
		t.Fatalf("after 4 -> 2: %+v", rec)
	}
	checkInvariant(t, table, rec)
	// The 4 USD left, spread over four slices, all reach the two in use.
	got := []int{}
	for i := range 4 {
		h := hold("n", "t"+strconv.Itoa(i), MicrosPerUSD, nov)
		h.Slice = i % 2
		if err := reserveOn(ctx, table, h, nov); err != nil {
			t.Fatalf("reservation %d: %v", i, err)
		}
		got = append(got, i)
	}
	sort.Ints(got)
	rec = read(t, table, "n")
	if rec.Headroom != 0 || rec.Reserved != 8*MicrosPerUSD || rec.Part(2).Headroom != 0 || rec.Part(3).Headroom != 0 {
		t.Fatalf("drained: %+v", rec.Parts)
	}
	checkInvariant(t, table, rec)
	if err := reserve(ctx, table, "n", "over", 1, nov); !refused(err, RefusedHeld) {
		t.Fatalf("over the cap: %v", err)
	}
}
