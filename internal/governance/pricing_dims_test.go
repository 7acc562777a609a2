package governance

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// The catalog's dimensions, one by one, each against a figure worked out by hand from
// the prices in pricing.json (USD per million tokens; 1 micro-dollar = 1e-6 USD).
func TestRateDimensions(t *testing.T) {
	t.Parallel()
	tab := DefaultPricing()
	withPriority, err := tab.WithOverrides(map[string]PriceOverride{"amazon.nova-2-lite-v1:0": {
		InputPerMTok: "0.30", OutputPerMTok: "2.50", PriorityInputPerMTok: "0.525", PriorityOutputPerMTok: "4.375",
		FlexInputPerMTok: "0.15", FlexOutputPerMTok: "1.25"}})
	if err != nil {
		t.Fatal(err)
	}
	u := Usage{InputTokens: 10_000, OutputTokens: 2_000}
	for _, tc := range []struct {
		name, model, group string
		tab                *PricingTable
		dims               Dims
		usage              Usage
		want               Micros
		wantErr            error
	}{
		// Sonnet 4.6 on a global profile: 10,000 * 3 + 2,000 * 15 = 60,000 micro-dollars.
		{"global profile", "anthropic.claude-sonnet-4-6", "global", tab, Dims{}, u, 60_000, nil},
		// The same call on a geographic (us.) profile or in-Region: 10% dearer:
		// 10,000 * 3.30 + 2,000 * 16.50 = 33,000 + 33,000 = 66,000.
		{"geographic profile", "anthropic.claude-sonnet-4-6", "us", tab, Dims{}, u, 66_000, nil},
		{"in-Region", "anthropic.claude-sonnet-4-6", "eu", tab, Dims{}, u, 66_000, nil},
		// Cache: 1,000 in * 3 + 100 out * 15 + 50,000 read * 0.30 + 4,000 5-minute writes
		// * 3.75 + 2,000 1-hour writes * 6.00 = 3,000 + 1,500 + 15,000 + 15,000 + 12,000.
		{"cache TTLs", "anthropic.claude-sonnet-4-6", "global", tab, Dims{CacheTTL1h: true},
			Usage{InputTokens: 1_000, OutputTokens: 100, CacheReadTokens: 50_000, CacheWriteTokens: 4_000, CacheWrite1hTokens: 2_000}, 46_500, nil},
		// Long context: Sonnet 4.5 with 250,000 input tokens (above 200,000) is billed
		// at 6 / 22.50 for all of them: 250,000 * 6 + 1,000 * 22.50 = 1,500,000 + 22,500.
		{"long context, global", "anthropic.claude-sonnet-4-5-20250929-v1:0", "global", tab, Dims{},
			Usage{InputTokens: 250_000, OutputTokens: 1_000}, 1_522_500, nil},
		// ... and at 6.60 / 24.75 in-Region: 1,650,000 + 24,750.
		{"long context, in-Region", "anthropic.claude-sonnet-4-5-20250929-v1:0", "us", tab, Dims{},
			Usage{InputTokens: 250_000, OutputTokens: 1_000}, 1_674_750, nil},
		// Cache reads count toward the threshold: 150,000 read + 60,000 in crosses it:
		// 60,000 * 6 + 150,000 * 0.60 + 1,000 * 22.50 = 360,000 + 90,000 + 22,500.
		{"long context by cache reads", "anthropic.claude-sonnet-4-5-20250929-v1:0", "global", tab, Dims{},
			Usage{InputTokens: 60_000, CacheReadTokens: 150_000, OutputTokens: 1_000}, 472_500, nil},
		// Exactly at the threshold is not above it: 200,000 * 3 = 600,000.
		{"threshold itself", "anthropic.claude-sonnet-4-5-20250929-v1:0", "global", tab, Dims{},
			Usage{InputTokens: 200_000}, 600_000, nil},
		// Priority and flex, priced by an override: 10,000 * 0.525 + 2,000 * 4.375 = 5,250
		// + 8,750; flex 10,000 * 0.15 + 2,000 * 1.25 = 1,500 + 2,500.
		{"priority tier", "amazon.nova-2-lite-v1:0", "us", withPriority, Dims{Tier: TierPriority}, u, 14_000, nil},
		{"flex tier", "amazon.nova-2-lite-v1:0", "us", withPriority, Dims{Tier: TierFlex}, u, 4_000, nil},
		// Standard: 10,000 * 0.30 + 2,000 * 2.50 = 3,000 + 5,000.
		{"default tier is standard", "amazon.nova-2-lite-v1:0", "us", tab, Dims{Tier: TierStandard}, u, 8_000, nil},
		// Offered but not priced in the catalog: refused, never charged at standard.
		{"priority unpriced", "amazon.nova-2-lite-v1:0", "us", tab, Dims{Tier: TierPriority}, u, 0, ErrUnknownModel},
		// Not offered: refused as Bedrock refuses it.
		{"priority not offered", "anthropic.claude-sonnet-4-6", "us", tab, Dims{Tier: TierPriority}, u, 0, ErrNotOffered},
		{"reserved", "anthropic.claude-sonnet-4-6", "us", tab, Dims{Tier: TierReserved}, u, 0, ErrUnknownModel},
		{"bogus tier", "anthropic.claude-sonnet-4-6", "us", tab, Dims{Tier: "gold"}, u, 0, ErrNotOffered},
		{"latency optimized unpriced", "amazon.nova-lite-v1:0", "us", tab, Dims{Latency: LatencyOptimized}, u, 0, ErrUnknownModel},
		// Nova Pro latency-optimized: 10,000 * 1.00 + 2,000 * 4.00 = 10,000 + 8,000.
		{"latency optimized", "amazon.nova-pro-v1:0", "us", tab, Dims{Latency: LatencyOptimized}, u, 18_000, nil},
		{"1-hour cache not offered", "anthropic.claude-3-7-sonnet-20250219-v1:0", "us", tab, Dims{CacheTTL1h: true}, u, 0, ErrNotOffered},
		{"retired model", "amazon.nova-premier-v1:0", "us", tab, Dims{}, u, 0, ErrUnknownModel},
		{"embeddings model", "amazon.titan-embed-text-v2:0", "us", tab, Dims{}, u, 0, ErrUnknownModel},
		// Claude 3.5 Sonnet at its extended-access price: 10,000 * 6 + 2,000 * 30.
		{"extended access", "anthropic.claude-3-5-sonnet-20240620-v1:0", "us", tab, Dims{}, u, 120_000, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.tab.Rate(tc.model, tc.group, tc.dims)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Cost(tc.usage); got != tc.want {
				t.Errorf("cost = %d, want %d", got, tc.want)
			}
			if w := r.WorstCase(tc.usage.TotalInput(), tc.usage.OutputTokens); w < r.Cost(tc.usage) {
				t.Errorf("worst case %d below cost %d", w, r.Cost(tc.usage))
			}
		})
	}
}

func TestRateWorstCaseLongContextAndAdmit(t *testing.T) {
	t.Parallel()
	tab := DefaultPricing()
	r, err := tab.Rate("anthropic.claude-sonnet-4-5-20250929-v1:0", "global", Dims{})
	if err != nil {
		t.Fatal(err)
	}
	// Below the threshold the dearest input rate is the 1-hour write (6.00): 100,000 * 6
	// + 1,000 * 15; above it the long-context 1-hour write (12.00) and output (22.50).
	if w := r.WorstCase(100_000, 1_000); w != 615_000 {
		t.Errorf("worst case = %d", w)
	}
	if w := r.WorstCase(300_000, 1_000); w != 3_622_500 {
		t.Errorf("long worst case = %d", w)
	}
	if err := r.Admit(300_000); err != nil {
		t.Error(err)
	}
	o, _ := tab.WithOverrides(map[string]PriceOverride{"anthropic.claude-sonnet-4-5-20250929-v1:0": {InputPerMTok: "3", OutputPerMTok: "15", PriorityInputPerMTok: "5.25", PriorityOutputPerMTok: "26.25"}})
	// A priority request can have no long-context price: refused above the threshold.
	pr, err := o.Rate("anthropic.claude-sonnet-4-5-20250929-v1:0", "global", Dims{Tier: TierPriority})
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.Admit(150_000); err != nil {
		t.Error(err)
	}
	if err := pr.Admit(250_000); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("admit long priority = %v", err)
	}
}

func TestCatalogFacts(t *testing.T) {
	t.Parallel()
	tab := DefaultPricing()
	for id, mp := range tab.Models {
		if mp.Checked == "" {
			t.Errorf("%s: no checked note", id)
		}
		if mp.Priced() && mp.MaxOutputTokens <= 0 {
			t.Errorf("%s: no max_output_tokens", id)
		}
		if mp.Successor != "" && !tab.Models[mp.Successor].Priced() {
			t.Errorf("%s: successor %s is not priced", id, mp.Successor)
		}
	}
	for _, id := range []string{"anthropic.claude-sonnet-4-6", "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0",
		"anthropic.claude-opus-4-5-20251101-v1:0", "anthropic.claude-opus-4-6-v1", "amazon.nova-2-lite-v1:0"} {
		if !tab.Models[id].Priced() {
			t.Errorf("%s is not priced", id)
		}
	}
	if got := tab.Closest("anthropic.claude-sonnet-4-7", 2); len(got) != 2 || got[0] != "anthropic.claude-sonnet-4-6" {
		t.Errorf("closest = %v", got)
	}
	why := tab.Unpriceable("amazon.nova-canvas-v1:0")
	if !strings.Contains(why, "image generation") || !strings.Contains(why, "cannot meter") {
		t.Errorf("canvas: %s", why)
	}
	if why := tab.Unpriceable("cohere.embed-v4:0"); !strings.Contains(why, "cannot meter") {
		t.Errorf("embed heuristic: %s", why)
	}
	if why := tab.Unpriceable("openai.gpt-oss-120b-1:0"); !strings.Contains(why, "no confirmed price") {
		t.Errorf("gpt-oss: %s", why)
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	tab := DefaultPricing()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d.Add(13 * time.Hour) }
	for _, tc := range []struct {
		model, on string
		want      Lifecycle
		says      string
	}{
		{"anthropic.claude-3-5-haiku-20241022-v1:0", "2026-05-01", LifecycleActive, ""},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", "2026-05-20", LifecycleEnding, "2026-06-19 (in 30 days); its successor is anthropic.claude-haiku-4-5"},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", "2026-06-18", LifecycleEnding, "(in 1 days)"},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", "2026-06-19", LifecycleRetired, "reached end of life on Amazon Bedrock on 2026-06-19"},
		{"amazon.nova-premier-v1:0", "2026-12-04", LifecycleRetired, "successor is amazon.nova-2-lite-v1:0"},
		{"anthropic.claude-3-5-sonnet-20240620-v1:0", "2026-12-04", LifecycleLegacy, "legacy since 2025-08-13"},
		{"anthropic.claude-sonnet-4-6", "2026-12-04", LifecycleActive, ""},
		{"acme.unknown", "2026-12-04", LifecycleActive, ""},
	} {
		got, msg := tab.LifecycleOf(tc.model, day(tc.on))
		if got != tc.want || !strings.Contains(msg, tc.says) {
			t.Errorf("%s on %s = %v %q", tc.model, tc.on, got, msg)
		}
	}
}

// The pricing guide (templates/guides/pricing.md.tmpl, rendered into docs/) names every
// catalog model, its checked note and the catalog's date: a catalog change without the
// guide's fails here.
func TestPricingGuideListsTheCatalog(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../templates/guides/pricing.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	guide := string(b)
	tab := DefaultPricing()
	if !strings.Contains(guide, "prices taken **"+tab.Taken+"**") {
		t.Errorf("the guide does not give the catalog's date %s", tab.Taken)
	}
	for id, mp := range tab.Models {
		if !strings.Contains(guide, "| `"+id+"` |") || !strings.Contains(guide, mp.Checked) {
			t.Errorf("the guide lacks %s or its checked note", id)
		}
		for _, d := range []string{mp.Launched, mp.Legacy, mp.EOL, mp.EOLNotBefore} {
			if d != "" && !strings.Contains(guide, d) {
				t.Errorf("the guide lacks %s's date %s", id, d)
			}
		}
		for g, p := range mp.Prices {
			if !strings.Contains(guide, p.Input.String()) || !strings.Contains(guide, p.Output.String()) {
				t.Errorf("the guide lacks %s's %s prices", id, g)
			}
		}
	}
}
