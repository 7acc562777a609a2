package report

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	haiku   = "anthropic.claude-3-haiku-20240307-v1:0"
	haiku35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
	unknown = "acme.unpriced-model-v1:0"
)

var now = time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)

func usd(t *testing.T, s string) governance.Micros {
	t.Helper()
	m, err := governance.ParseUSD(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ledger is three teams as the enforcer leaves them in mid-November: business walked
// into its degrade model, research runs on an override and used a model the table does
// not price, support has sent nothing since October.
func ledger(t *testing.T) []*governance.CapRecord {
	th := governance.Thresholds{Notify: 50, Degrade: 80, Block: 100}
	return []*governance.CapRecord{
		{
			CapConfig: governance.CapConfig{Team: "support", Limit: usd(t, "500"), Thresholds: th, PriceGroup: "us"},
			Period:    "2026-10", Spent: usd(t, "123.456789"), PrevPeriod: "2026-09", PrevSpent: usd(t, "99"),
			Requests:     40,
			InputTokens:  map[string]int64{haiku: 4_000_000},
			OutputTokens: map[string]int64{haiku: 1_000_000},
		},
		{
			CapConfig: governance.CapConfig{Team: "business", Limit: usd(t, "2000"), Thresholds: th, PriceGroup: "us", DegradeModelID: haiku},
			Period:    "2026-11", Spent: usd(t, "1700.5"), PrevPeriod: "2026-10", PrevSpent: usd(t, "1900.25"),
			Requests:         17,
			InputTokens:      map[string]int64{haiku: 1_200_000, haiku35: 80_000},
			OutputTokens:     map[string]int64{haiku: 300_000, haiku35: 20_000},
			CacheReadTokens:  map[string]int64{haiku: 50_000},
			CacheWriteTokens: map[string]int64{haiku: 10_000},
		},
		{
			CapConfig: governance.CapConfig{Team: "research", Limit: usd(t, "1000"), Thresholds: governance.Thresholds{Notify: 60, Degrade: 90, Block: 100},
				PriceGroup: "eu", Override: &governance.Override{Limit: usd(t, "3000"), Expires: now.Add(72 * time.Hour), Reason: "paper deadline"}},
			Period: "2026-11", Spent: usd(t, "1250"), Requests: 3,
			InputTokens:  map[string]int64{unknown: 1000, haiku: 10},
			OutputTokens: map[string]int64{unknown: 2000, haiku: 20},
		},
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendering (run with -update after checking the change):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

func TestRenderingsGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, period string }{
		{"current", ""},
		{"previous", "2026-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Build("platform", ledger(t), tc.period, now, governance.DefaultPricing())
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "report_"+tc.name+".csv", r.CSV())
			golden(t, "report_"+tc.name+".md", r.Markdown())
		})
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	r, err := Build("platform", ledger(t), "", now, governance.DefaultPricing())
	if err != nil {
		t.Fatal(err)
	}
	if r.Period != "2026-11" || !r.Current || len(r.Teams) != 3 {
		t.Fatalf("report = %+v", r)
	}
	byName := map[string]Team{}
	for _, tm := range r.Teams {
		byName[tm.Team] = tm
	}
	b := byName["business"]
	if b.Percent != 85 || b.State != governance.StateDegraded || b.Requests != 17 || len(b.Models) != 2 || !b.Detailed {
		t.Errorf("business = %+v", b)
	}
	// Model cost is the tokens at the table's price, the same math the enforcer settles with.
	p, _, err := governance.DefaultPricing().Lookup(haiku, "us")
	if err != nil {
		t.Fatal(err)
	}
	want := p.Cost(governance.Usage{InputTokens: 1_200_000, OutputTokens: 300_000, CacheReadTokens: 50_000, CacheWriteTokens: 10_000})
	if b.Models[1].ModelID != haiku || b.Models[1].Cost != want || !b.Models[1].Priced {
		t.Errorf("business %s = %+v, want cost %s", haiku, b.Models[1], want)
	}
	rs := byName["research"]
	if rs.EffectiveLimit != usd(t, "3000") || rs.Percent != 41 || rs.State != governance.StateOK {
		t.Errorf("research under its override = %+v", rs)
	}
	if rs.Models[0].ModelID != unknown || rs.Models[0].Priced {
		t.Errorf("an unknown model is reported unpriced: %+v", rs.Models[0])
	}
	s := byName["support"]
	if s.Spent != 0 || s.Requests != 0 || len(s.Models) != 0 || !s.Detailed || s.State != governance.StateOK {
		t.Errorf("support has not spent this month: %+v", s)
	}
	if r.Spent != usd(t, "2950.5") || r.Limit != usd(t, "5500") {
		t.Errorf("totals %s of %s", r.Spent, r.Limit)
	}

	// Last month: spend from the archived counter, tokens only where the counters are
	// still last month's.
	r, err = Build("platform", ledger(t), "2026-10", now, governance.DefaultPricing())
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range r.Teams {
		switch tm.Team {
		case "business":
			if tm.Spent != usd(t, "1900.25") || tm.Detailed || len(tm.Models) != 0 || tm.State != governance.StateDegraded {
				t.Errorf("business in October = %+v", tm)
			}
		case "support":
			if tm.Spent != usd(t, "123.456789") || !tm.Detailed || tm.Requests != 40 || len(tm.Models) != 1 {
				t.Errorf("support in October = %+v", tm)
			}
		case "research":
			if tm.Spent != 0 || tm.Detailed {
				t.Errorf("research in October = %+v", tm)
			}
		}
	}
}

func TestBuildPeriodOutOfLedger(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"2026-09", "2026-12", "2025-11"} {
		_, err := Build("platform", ledger(t), p, now, nil)
		if err == nil || !strings.Contains(err.Error(), "keeps the current month (2026-11) and the one before (2026-10) only") {
			t.Errorf("period %s: err = %v", p, err)
		}
	}
}

func TestEmptyReport(t *testing.T) {
	t.Parallel()
	r, err := Build("platform", nil, "", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.CSV(); got != strings.Join(CSVHeader, ",")+"\n" {
		t.Errorf("empty CSV = %q", got)
	}
	if got := r.Markdown(); !strings.Contains(got, "0 teams, 0.00 USD spent of 0.00 USD.") || strings.Contains(got, "| Team") {
		t.Errorf("empty Markdown = %q", got)
	}
}
