package enforcer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// handPrice is a price written out by hand from the catalog's sources (USD per million
// tokens, as micro-dollars per million): the walk checks the ledger against these, not
// against the parsed catalog.
type handPrice struct{ in, out, cr, cw, cw1h int64 }

// handPrices are the prices of every priced catalog model in the group the walk uses
// (global where the model has a global. profile, else us).
var handPrices = map[string]struct {
	group string
	p     handPrice
}{
	"anthropic.claude-sonnet-4-6":               {"global", handPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000}},
	"anthropic.claude-sonnet-4-5-20250929-v1:0": {"global", handPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000}},
	"anthropic.claude-haiku-4-5-20251001-v1:0":  {"global", handPrice{1_000_000, 5_000_000, 100_000, 1_250_000, 2_000_000}},
	"anthropic.claude-opus-4-5-20251101-v1:0":   {"global", handPrice{5_000_000, 25_000_000, 500_000, 6_250_000, 10_000_000}},
	"anthropic.claude-opus-4-6-v1":              {"global", handPrice{5_000_000, 25_000_000, 500_000, 6_250_000, 10_000_000}},
	"anthropic.claude-sonnet-4-20250514-v1:0":   {"global", handPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000}},
	"anthropic.claude-opus-4-20250514-v1:0":     {"us", handPrice{15_000_000, 75_000_000, 1_500_000, 18_750_000, 30_000_000}},
	"anthropic.claude-3-7-sonnet-20250219-v1:0": {"us", handPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 0}},
	"anthropic.claude-3-5-sonnet-20240620-v1:0": {"us", handPrice{6_000_000, 30_000_000, 6_000_000, 6_000_000, 0}},
	"anthropic.claude-3-5-sonnet-20241022-v2:0": {"us", handPrice{6_000_000, 30_000_000, 6_000_000, 6_000_000, 0}},
	"anthropic.claude-3-5-haiku-20241022-v1:0":  {"us", handPrice{800_000, 4_000_000, 80_000, 1_000_000, 0}},
	"anthropic.claude-3-haiku-20240307-v1:0":    {"us", handPrice{250_000, 1_250_000, 250_000, 250_000, 0}},
	"amazon.nova-2-lite-v1:0":                   {"global", handPrice{300_000, 2_500_000, 300_000, 300_000, 0}},
	"amazon.nova-pro-v1:0":                      {"us", handPrice{800_000, 3_200_000, 200_000, 800_000, 0}},
	"amazon.nova-lite-v1:0":                     {"us", handPrice{60_000, 240_000, 15_000, 60_000, 0}},
	"amazon.nova-micro-v1:0":                    {"us", handPrice{35_000, 140_000, 8_750, 35_000, 0}},
	"amazon.titan-text-express-v1":              {"us", handPrice{200_000, 600_000, 200_000, 200_000, 0}},
	"meta.llama3-1-8b-instruct-v1:0":            {"us", handPrice{220_000, 220_000, 220_000, 220_000, 0}},
	"meta.llama3-1-70b-instruct-v1:0":           {"us", handPrice{720_000, 720_000, 720_000, 720_000, 0}},
	"meta.llama4-maverick-17b-instruct-v1:0":    {"us", handPrice{240_000, 970_000, 240_000, 240_000, 0}},
}

// cost works out a call's cost by hand: the exact sum, rounded up once.
func (p handPrice) cost(u localaws.BedrockUsage) governance.Micros {
	sum := u.InputTokens*p.in + u.OutputTokens*p.out + u.CacheReadTokens*p.cr + u.CacheWriteTokens*p.cw + u.CacheWrite1hTokens*p.cw1h
	return governance.Micros((sum + 999_999) / 1_000_000)
}

// invokeBodyFor is a model-native InvokeModel body asking for maxTokens.
func invokeBodyFor(model, prompt string, maxTokens int) string {
	var v map[string]any
	switch p, _, _ := strings.Cut(model, "."); {
	case p == "anthropic":
		v = map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": maxTokens, "messages": []any{map[string]any{"role": "user", "content": prompt}}}
	case strings.HasPrefix(model, "amazon.nova"):
		v = map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": prompt}}}}, "inferenceConfig": map[string]any{"max_new_tokens": maxTokens}}
	case strings.HasPrefix(model, "amazon.titan"):
		v = map[string]any{"inputText": prompt, "textGenerationConfig": map[string]any{"maxTokenCount": maxTokens}}
	case p == "meta":
		v = map[string]any{"prompt": prompt, "max_gen_len": maxTokens}
	default: // OpenAI format
		v = map[string]any{"messages": []any{map[string]any{"role": "user", "content": prompt}}, "max_tokens": maxTokens}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func walkTeam(name, model, group string) governance.CapConfig {
	c := teamConfig(name, 1_000*governance.MicrosPerUSD)
	c.ModelID, c.PriceGroup, c.DegradeModelID, c.DegradeProfileARN = model, group, "", ""
	return c
}

// Every priced catalog model through Converse and InvokeModel, streamed and not, in
// the emulator: the ledger equals the hand-computed cost to the micro-dollar.
func TestPricingWalkEveryCatalogModel(t *testing.T) {
	t.Parallel()
	cat := governance.DefaultPricing()
	models := cat.PricedModels()
	var teams []governance.CapConfig
	for i, m := range models {
		hp, ok := handPrices[m]
		if !ok {
			t.Fatalf("catalog model %s has no hand-written price in this test: add one", m)
		}
		teams = append(teams, walkTeam(fmt.Sprintf("walk-%d", i), m, hp.group))
	}
	if len(handPrices) != len(models) {
		t.Fatalf("hand prices for %d models, catalog prices %d", len(handPrices), len(models))
	}
	e := newEnv(t, envOpt{}, teams...)
	ctx := context.Background()
	const prompt = "walk [[tokens:40]] [[cache_read:100]] [[cache_write:50]]"
	for i, m := range models {
		team := teams[i].Team
		var want governance.Micros
		for _, op := range []string{"converse", "converse-stream", "invoke", "invoke-with-response-stream"} {
			body := converseBody(prompt, 40)
			if strings.HasPrefix(op, "invoke") {
				body = invokeBodyFor(m, prompt, 40)
			}
			resp, b := e.post(ctx, team, profileARN(team), op, body, nil)
			if resp == nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %v %s", m, op, resp, b)
			}
			want += handPrices[m].p.cost(localaws.BedrockUsageFor([]byte(body)))
		}
		if want == 0 {
			t.Errorf("%s: hand-computed cost is 0: the emulator reported no usage, so the ledger check would pass on a ledger that charged nothing", m)
		}
		if rec := e.record(team); rec.Spent != want || rec.Reserved != 0 {
			t.Errorf("%s: ledger %d (reserved %d), hand-computed %d", m, rec.Spent, rec.Reserved, want)
		}
	}
	if n := len(e.emu.Calls()); n != 4*len(models) {
		t.Errorf("%d calls reached the emulator", n)
	}
}

// The dimensions the walk does not touch: a priority-tier request (priced by an
// override, since the catalog has no confirmed priority price), a long-context request
// and 1-hour cache writes; each ledger entry is worked out by hand.
func TestPricingDimensionsReachTheLedger(t *testing.T) {
	t.Parallel()
	prices, err := governance.DefaultPricing().WithOverrides(map[string]governance.PriceOverride{"amazon.nova-2-lite-v1:0": {
		InputPerMTok: "0.30", OutputPerMTok: "2.50", PriorityInputPerMTok: "0.525", PriorityOutputPerMTok: "4.375"}})
	if err != nil {
		t.Fatal(err)
	}
	nova := walkTeam("prio", "amazon.nova-2-lite-v1:0", "global")
	long := walkTeam("long", "anthropic.claude-sonnet-4-5-20250929-v1:0", "global")
	cache := walkTeam("cache", "anthropic.claude-sonnet-4-6", "global")
	regional := walkTeam("regional", "anthropic.claude-sonnet-4-6", "us")
	e := newEnv(t, envOpt{pricing: prices}, nova, long, cache, regional)
	ctx := context.Background()
	post := func(team, op, body string, hdr map[string]string) localaws.BedrockUsage {
		t.Helper()
		resp, b := e.post(ctx, team, profileARN(team), op, body, hdr)
		if resp == nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %v %s", team, op, resp, b)
		}
		return localaws.BedrockUsageFor([]byte(body))
	}
	ceil := func(sum int64) governance.Micros { return governance.Micros((sum + 999_999) / 1_000_000) }

	// Priority: the header on InvokeModel, the body's serviceTier on Converse. Each is
	// in * 0.525 + out * 4.375 USD per million tokens.
	u1 := post("prio", "invoke", invokeBodyFor(nova.ModelID, "p [[tokens:40]]", 40), map[string]string{"X-Amzn-Bedrock-Service-Tier": "priority"})
	var cb map[string]any
	_ = json.Unmarshal([]byte(converseBody("p [[tokens:40]]", 40)), &cb)
	cb["serviceTier"] = map[string]any{"type": "priority"}
	b2, _ := json.Marshal(cb)
	u2 := post("prio", "converse-stream", string(b2), nil)
	want := ceil(u1.InputTokens*525_000+u1.OutputTokens*4_375_000) + ceil(u2.InputTokens*525_000+u2.OutputTokens*4_375_000)
	if rec := e.record("prio"); rec.Spent != want {
		t.Errorf("priority: ledger %d, want %d", rec.Spent, want)
	}

	// Long context: a prompt of about 850 KB is above 200,000 input tokens, so every token
	// is billed at 6 / 22.50.
	big := converseBody(strings.Repeat("x", 850_000)+" [[tokens:40]]", 40)
	u3 := post("long", "converse", big, nil)
	if u3.InputTokens <= 200_000 {
		t.Fatalf("long prompt is only %d tokens", u3.InputTokens)
	}
	if rec := e.record("long"); rec.Spent != ceil(u3.InputTokens*6_000_000+u3.OutputTokens*22_500_000) {
		t.Errorf("long context: ledger %d, want %d", rec.Spent, ceil(u3.InputTokens*6_000_000+u3.OutputTokens*22_500_000))
	}

	// 1-hour cache. InvokeModel with cache_control ttl 1h: Anthropic's usage splits the
	// writes (300 at 3.75, 200 at 6.00). Converse with a 1h cachePoint reports one write
	// count: all 500 are charged at the 1-hour rate (never the cheaper one).
	ib := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":40,"system":[{"type":"text","text":"s [[cache_write:300]] [[cache_write_1h:200]] [[tokens:40]]","cache_control":{"type":"ephemeral","ttl":"1h"}}],"messages":[{"role":"user","content":"hi"}]}`
	u4 := post("cache", "invoke", ib, nil)
	cvb := `{"system":[{"text":"s [[cache_write:300]] [[cache_write_1h:200]] [[tokens:40]]"},{"cachePoint":{"type":"default","ttl":"1h"}}],"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":40}}`
	u5 := post("cache", "converse", cvb, nil)
	want = ceil(u4.InputTokens*3_000_000+u4.OutputTokens*15_000_000+300*3_750_000+200*6_000_000) +
		ceil(u5.InputTokens*3_000_000+u5.OutputTokens*15_000_000+500*6_000_000)
	if rec := e.record("cache"); rec.Spent != want {
		t.Errorf("1-hour cache: ledger %d, want %d", rec.Spent, want)
	}

	// The same Sonnet 4.6 call on a geographic profile costs 10% more: 3.30 / 16.50.
	u6 := post("regional", "converse", converseBody("r [[tokens:40]]", 40), nil)
	if rec := e.record("regional"); rec.Spent != ceil(u6.InputTokens*3_300_000+u6.OutputTokens*16_500_000) {
		t.Errorf("regional: ledger %d", rec.Spent)
	}
}

// Dimensions bedgov cannot price, or the model does not offer, are refused before
// Bedrock sees them; nothing is charged.
func TestUnpriceableDimensionsRefused(t *testing.T) {
	t.Parallel()
	nova := walkTeam("nova", "amazon.nova-2-lite-v1:0", "global")
	claude := walkTeam("claude", "anthropic.claude-3-7-sonnet-20250219-v1:0", "us")
	e := newEnv(t, envOpt{}, nova, claude)
	ctx := context.Background()
	for _, tc := range []struct {
		team, op, body string
		hdr            map[string]string
		says           string
	}{
		{"nova", "invoke", invokeBodyFor(nova.ModelID, "x", 10), map[string]string{"X-Amzn-Bedrock-Service-Tier": "priority"}, "no price for it"},
		{"claude", "converse", `{"messages":[],"serviceTier":{"type":"flex"}}`, nil, "not offered"},
		{"claude", "converse", `{"messages":[],"serviceTier":{"type":"reserved"}}`, nil, "capacity commitment"},
		{"claude", "converse", `{"messages":[],"performanceConfig":{"latency":"optimized"}}`, nil, "latency-optimized"},
		{"claude", "invoke", `{"max_tokens":10,"messages":[]}`, map[string]string{"X-Amzn-Bedrock-PerformanceConfig-Latency": "optimized"}, "latency-optimized"},
		{"claude", "converse", `{"system":[{"cachePoint":{"type":"default","ttl":"1h"}}],"messages":[]}`, nil, "1-hour"},
		{"claude", "converse", `{"messages":[],"serviceTier":{"type":"priority"}}`, map[string]string{"X-Amzn-Bedrock-Service-Tier": "flex"}, "both"},
	} {
		resp, b := e.post(ctx, tc.team, profileARN(tc.team), tc.op, tc.body, tc.hdr)
		if resp == nil || resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "ValidationException" || !strings.Contains(string(b), tc.says) {
			t.Errorf("%s %s %v: %v %s", tc.team, tc.body, tc.hdr, resp, b)
		}
	}
	if n := len(e.emu.Calls()); n != 0 {
		t.Errorf("%d refused calls reached Bedrock", n)
	}
	for _, team := range []string{"nova", "claude"} {
		if rec := e.record(team); rec.Spent != 0 || rec.Reserved != 0 {
			t.Errorf("%s charged %d", team, rec.Spent)
		}
	}
	if !strings.Contains(e.logs.String(), `"Decision":"unpriced"`) {
		t.Error("no unpriced decision in the logs")
	}
}

// When Bedrock's own report (token-count headers, invocation metrics) is missing, the
// enforcer settles on each family's usage block: Anthropic's message_start and
// message_delta, OpenAI's usage, Nova's, Llama's counts.
func TestUsageFieldsPerFamily(t *testing.T) {
	t.Parallel()
	prices, err := governance.DefaultPricing().WithOverrides(map[string]governance.PriceOverride{"openai.gpt-oss-120b-1:0": {InputPerMTok: "0.15", OutputPerMTok: "0.60"}})
	if err != nil {
		t.Fatal(err)
	}
	hp := map[string]handPrice{
		"anthropic.claude-haiku-4-5-20251001-v1:0": {1_000_000, 5_000_000, 100_000, 1_250_000, 2_000_000},
		"openai.gpt-oss-120b-1:0":                  {150_000, 600_000, 150_000, 150_000, 0},
		"amazon.nova-pro-v1:0":                     {800_000, 3_200_000, 200_000, 800_000, 0},
		"meta.llama3-1-8b-instruct-v1:0":           {220_000, 220_000, 220_000, 220_000, 0},
	}
	var teams []governance.CapConfig
	ids := []string{}
	for m := range hp {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	for i, m := range ids {
		g := "us"
		if strings.Contains(m, "haiku-4-5") {
			g = "global"
		}
		teams = append(teams, walkTeam(fmt.Sprintf("fam-%d", i), m, g))
	}
	e := newEnv(t, envOpt{pricing: prices}, teams...)
	for i, m := range ids {
		prompt := "n [[native_only]] [[tokens:24]]"
		if strings.HasPrefix(m, "anthropic") || strings.HasPrefix(m, "amazon.nova") {
			prompt += " [[cache_read:70]] [[cache_write:30]]"
		}
		var want governance.Micros
		for _, op := range []string{"invoke", "invoke-with-response-stream"} {
			body := invokeBodyFor(m, prompt, 24)
			resp, b := e.post(context.Background(), teams[i].Team, profileARN(teams[i].Team), op, body, nil)
			if resp == nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %v %s", m, op, resp, b)
			}
			if resp.Header.Get("X-Amzn-Bedrock-Input-Token-Count") != "" {
				t.Fatal("the emulator sent Bedrock's headers")
			}
			want += hp[m].cost(localaws.BedrockUsageFor([]byte(body)))
		}
		if want == 0 {
			t.Errorf("%s: hand-computed cost is 0: the emulator reported no usage, so the ledger check would pass on a ledger that charged nothing", m)
		}
		if rec := e.record(teams[i].Team); rec.Spent != want {
			t.Errorf("%s: ledger %d, want %d", m, rec.Spent, want)
		}
	}
	if strings.Contains(e.logs.String(), "usage estimated") {
		t.Errorf("a family's usage was estimated, not read:\n%s", e.logs.String())
	}
}

// The reservation takes the client's max tokens as asked, even above the catalog's
// figure (Claude 3 Haiku: 4,096): 10,000 output tokens at 1.25 USD per million is 12,500
// micro-dollars, more than the 8,000 budget, so the request is refused; clamped to
// 4,096 it would have fitted and could have cost more than the reservation.
func TestReservationNeverClampsMaxTokens(t *testing.T) {
	t.Parallel()
	c := walkTeam("clamp", "anthropic.claude-3-haiku-20240307-v1:0", "us")
	c.Limit = 8_000
	e := newEnv(t, envOpt{}, c)
	resp, b := e.post(context.Background(), "clamp", profileARN("clamp"), "converse", converseBody("x", 10_000), nil)
	// 10,000 output tokens cost 0.0127 USD, shown rounded up to 0.02; clamped to Haiku 3's
	// 4,096 the worst case would show as 0.01.
	if resp == nil || resp.Header.Get("X-Amzn-ErrorType") != "ServiceQuotaExceededException" || !strings.Contains(string(b), "worst-case cost of 0.02 USD") {
		t.Fatalf("%v %s", resp, b)
	}
	if resp, b := e.post(context.Background(), "clamp", profileARN("clamp"), "converse", converseBody("x", 4_000), nil); resp == nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%v %s", resp, b)
	}
}
