package governance

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseAndFormatUSD(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		want  Micros
		str   string
		cents string
		err   string
	}{
		{"2000", 2_000_000_000, "2000.00", "2000.00", ""},
		{"2000.00", 2_000_000_000, "2000.00", "2000.00", ""},
		{"640.12", 640_120_000, "640.12", "640.12", ""},
		{"0.000125", 125, "0.000125", "0.00", ""},
		{"0.5", 500_000, "0.50", "0.50", ""},
		{"1.999999", 1_999_999, "1.999999", "1.99", ""},
		{"0", 0, "0.00", "0.00", ""},
		{"", 0, "", "", "empty"},
		{"-1", 0, "", "", "want digits"},
		{"1.", 0, "", "", "want digits"},
		{".5", 0, "", "", "want digits"},
		{"1.0000001", 0, "", "", "6 decimal"},
		{"1e3", 0, "", "", "want digits"},
		{"1,000", 0, "", "", "want digits"},
		{"99999999999999", 0, "", "", "too large"},
	} {
		got, err := ParseUSD(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseUSD(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseUSD(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.str || got.Cents() != tc.cents {
			t.Errorf("format %d = %q/%q, want %q/%q", got, got.String(), got.Cents(), tc.str, tc.cents)
		}
	}
	if s := Micros(-1_500_000).String(); s != "-1.50" {
		t.Errorf("negative = %q", s)
	}
	if m, _ := USDFromFloat(2000.005); m != 2_000_005_000 {
		t.Errorf("USDFromFloat = %d", m)
	}
}

func TestPeriodRollover(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		at   string
		want string
	}{
		{"2026-11-30T23:59:59.999999999Z", "2026-11"},
		{"2026-12-01T00:00:00Z", "2026-12"},
		{"2026-12-31T23:59:59.999999999Z", "2026-12"},
		{"2027-01-01T00:00:00Z", "2027-01"},
		{"2028-02-29T12:00:00Z", "2028-02"},
		{"2026-12-01T00:30:00+01:00", "2026-11"}, // 23:30 UTC on the 30th
		{"2026-11-30T20:00:00-05:00", "2026-12"}, // 01:00 UTC on the 1st
	} {
		at, err := time.Parse(time.RFC3339Nano, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		clock := Clock(func() time.Time { return at })
		if got := PeriodOf(clock()).Key(); got != tc.want {
			t.Errorf("PeriodOf(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
	p := Period{2026, time.December}
	if p.Next().Key() != "2027-01" || !p.End().Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !p.Start().Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("period bounds wrong: %v %v %v", p.Next(), p.Start(), p.End())
	}
	if q, err := ParsePeriod("2026-11"); err != nil || q != (Period{2026, time.November}) {
		t.Errorf("ParsePeriod = %v %v", q, err)
	}
	for _, bad := range []string{"2026-13", "2026-1", "26-11", ""} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
}

func TestThresholds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		th Thresholds
		ok bool
	}{
		{DefaultThresholds, true},
		{Thresholds{1, 2, 3}, true},
		{Thresholds{50, 50, 100}, false},
		{Thresholds{80, 50, 100}, false},
		{Thresholds{0, 50, 100}, false},
		{Thresholds{50, 80, 101}, false},
		{Thresholds{50, 100, 100}, false},
	} {
		if err := tc.th.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%v) = %v, want ok=%v", tc.th, err, tc.ok)
		}
	}
	lim := 2000 * MicrosPerUSD
	for _, tc := range []struct {
		spent Micros
		want  State
	}{
		{0, StateOK},
		{lim/2 - 1, StateOK},
		{lim / 2, StateNotified},
		{lim*8/10 - 1, StateNotified},
		{lim * 8 / 10, StateDegraded},
		{lim - 1, StateDegraded},
		{lim, StateBlocked},
		{lim + 1, StateBlocked},
	} {
		if got := DefaultThresholds.StateFor(tc.spent, lim); got != tc.want {
			t.Errorf("StateFor(%d) = %s, want %s", tc.spent, got, tc.want)
		}
	}
	if DefaultThresholds.StateFor(0, 0) != StateBlocked {
		t.Error("zero limit must block")
	}
	if got := DefaultThresholds.Crossed(lim*8/10, lim); len(got) != 2 || got[1] != 80 {
		t.Errorf("Crossed = %v", got)
	}
	if Percent(640_120_000, 500*MicrosPerUSD) != 128 {
		t.Error("percent")
	}
	if (Thresholds{50, 80, 95}).Cap(lim) != 1900*MicrosPerUSD {
		t.Error("cap")
	}
	if StateBlocked.Rank() <= StateDegraded.Rank() || StateOK.Rank() != 0 {
		t.Error("rank")
	}
}

func TestResolveModel(t *testing.T) {
	t.Parallel()
	app := "arn:aws:bedrock:eu-central-1:111122223333:application-inference-profile/a1b2c3"
	apps := map[string]string{app: "eu.anthropic.claude-3-haiku-20240307-v1:0"}
	for _, tc := range []struct {
		ref, model, group, err string
	}{
		{"anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", "", ""},
		{"us.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", "us", ""},
		{"eu.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "eu", ""},
		{"apac.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "apac", ""},
		{"us-gov.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", "us-gov", ""},
		{"arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "us", ""},
		{"arn:aws:bedrock:ap-northeast-1::foundation-model/amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "apac", ""},
		{"arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-5-sonnet-20241022-v2:0", "eu", ""},
		{app, "anthropic.claude-3-haiku-20240307-v1:0", "eu", ""},
		{"arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/zzz", "", "", "its model is unknown"},
		{"arn:aws:s3:::bucket/x", "", "", "invalid Bedrock ARN"},
		{"arn:aws:bedrock:us-east-1:1:custom-model/x", "", "", "unsupported"},
		{"", "", "", "empty"},
	} {
		got, err := ResolveModel(tc.ref, apps)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ResolveModel(%q) err = %v, want %q", tc.ref, err, tc.err)
			}
			continue
		}
		if err != nil || got.ModelID != tc.model || got.Group != tc.group {
			t.Errorf("ResolveModel(%q) = %+v, %v; want %s in %q", tc.ref, got, err, tc.model, tc.group)
		}
	}
}

func TestPricingAndCost(t *testing.T) {
	t.Parallel()
	tab := DefaultPricing()
	if tab.Taken == "" || tab.Source == "" || len(tab.Models) < 5 {
		t.Fatalf("embedded table incomplete: %+v", tab)
	}
	p, mp, ref, err := tab.Quote("us.anthropic.claude-3-7-sonnet-20250219-v1:0", nil, "")
	if err != nil || ref.Group != "us" {
		t.Fatal(err, ref)
	}
	if p.Input != 3*MicrosPerUSD || p.Output != 15*MicrosPerUSD || p.CacheRead != 300_000 || p.CacheWrite != 3_750_000 || mp.MaxOutputTokens != 64000 {
		t.Fatalf("price = %+v %+v", p, mp)
	}
	// 1000 in * 3 + 500 out * 15 + 2000 cr * 0.30 + 100 cw * 3.75 (USD per 1M tokens)
	// = 3000 + 7500 + 600 + 375 = 11475 micro-dollars exactly.
	if c := p.Cost(Usage{InputTokens: 1000, OutputTokens: 500, CacheReadTokens: 2000, CacheWriteTokens: 100}); c != 11475 {
		t.Errorf("cost = %d, want 11475", c)
	}
	// Rounding is up, once: 1 input token of Nova Micro costs 0.035 micro-dollars -> 1.
	nova, _, _, _ := tab.Quote("amazon.nova-micro-v1:0", nil, "eu")
	if c := nova.Cost(Usage{InputTokens: 1}); c != 1 {
		t.Errorf("rounding: %d", c)
	}
	if c := nova.Cost(Usage{InputTokens: 1_000_000}); c != 35_000 {
		t.Errorf("nova 1M input = %d", c)
	}
	if c := nova.Cost(Usage{InputTokens: -5}); c != 0 {
		t.Errorf("negative tokens charged %d", c)
	}
	// Worst case prices input at the dearest input rate (cache write for Sonnet).
	if w := p.WorstCase(1000, 100); w != 1000*3_750_000/1_000_000+100*15 {
		t.Errorf("worst case = %d", w)
	}
	if w, c := p.WorstCase(4000, 300), p.Cost(Usage{InputTokens: 1000, OutputTokens: 300, CacheReadTokens: 1000, CacheWriteTokens: 2000}); c > w {
		t.Errorf("cost %d exceeds worst case %d", c, w)
	}
	// The request's own max tokens is never lowered to the catalog's figure.
	if MaxOutputFor(0, mp) != 64000 || MaxOutputFor(100, mp) != 100 || MaxOutputFor(1e9, mp) != 1e9 || MaxOutputFor(0, ModelPricing{}) != DefaultMaxOutputTokens {
		t.Error("MaxOutputFor")
	}
	if InputTokenBound(100) != 100+InputOverheadTokens {
		t.Error("InputTokenBound")
	}
	_, _, _, err = tab.Quote("acme.unknown-model-v1:0", nil, "us")
	if !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), "pricing_overrides") {
		t.Errorf("unknown model err = %v", err)
	}
	_, _, _, err = tab.Quote("anthropic.claude-3-haiku-20240307-v1:0", nil, "")
	if !errors.Is(err, ErrUnknownModel) {
		t.Errorf("no group err = %v", err)
	}
	o, err := tab.WithOverrides(map[string]PriceOverride{"acme.unknown-model-v1:0": {InputPerMTok: "1", OutputPerMTok: "2"}})
	if err != nil {
		t.Fatal(err)
	}
	po, _, _, err := o.Quote("acme.unknown-model-v1:0", nil, "us")
	if err != nil || po.Output != 2*MicrosPerUSD || po.CacheRead != MicrosPerUSD {
		t.Errorf("override = %+v %v", po, err)
	}
	if _, ok := tab.Models["acme.unknown-model-v1:0"]; ok {
		t.Error("override mutated the default table")
	}
	if _, err := tab.WithOverrides(map[string]PriceOverride{"x": {InputPerMTok: "-1", OutputPerMTok: "2"}}); err == nil {
		t.Error("bad override accepted")
	}
	// Overrides arrive as JSON numbers or strings (the provider writes numbers).
	var fromJSON map[string]PriceOverride
	if err := json.Unmarshal([]byte(`{"a.m-v1:0":{"input_per_mtok":0.035,"output_per_mtok":"15","cache_read_per_mtok":0.3}}`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	oj, err := tab.WithOverrides(fromJSON)
	if err != nil {
		t.Fatal(err)
	}
	if pj, _, _, _ := oj.Quote("a.m-v1:0", nil, "eu"); pj.Input != 35_000 || pj.Output != 15*MicrosPerUSD || pj.CacheRead != 300_000 {
		t.Errorf("JSON override = %+v", pj)
	}
	if err := json.Unmarshal([]byte(`{"a":{"input_per_mtok":1e-3,"output_per_mtok":1}}`), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.WithOverrides(fromJSON); err == nil {
		t.Error("exponent accepted")
	}
	if _, err := ParsePricing([]byte(`{"models":{"m":{"prices":{"*":{"input":"1.0000001","output":"1"}}}}}`)); err == nil {
		t.Error("bad price accepted")
	}
	eu := &PricingTable{Models: map[string]ModelPricing{"m": {Prices: map[string]Price{"us": {}}}}}
	if _, _, err := eu.Lookup("m", "eu"); err == nil || !strings.Contains(err.Error(), "priced in us") {
		t.Errorf("group err = %v", err)
	}
}

func TestPrincipalKeyAndTeamName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"arn:aws:iam::111122223333:role/Business", "arn:aws:iam::111122223333:role/Business"},
		{"arn:aws:iam::111122223333:role/teams/ai/Business", "arn:aws:iam::111122223333:role/Business"},
		{"arn:aws:sts::111122223333:assumed-role/Business/session-1", "arn:aws:iam::111122223333:role/Business"},
		{"arn:aws-cn:sts::111122223333:assumed-role/B/s", "arn:aws-cn:iam::111122223333:role/B"},
		{"arn:aws:iam::111122223333:user/ops/alice", "arn:aws:iam::111122223333:user/alice"},
		{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"},
		{"arn:aws:iam::111122223333:group/devs", ""},
		{"arn:aws:sts::111122223333:federated-user/bob", ""},
		{"arn:aws:iam::1:role/x", ""},
		{"Business", ""},
	} {
		got, err := PrincipalKey(tc.in)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("PrincipalKey(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for name, ok := range map[string]bool{"business": true, "ai-core": true, "a": true, "a1": true, "-a": false, "a-": false, "A": false, "a_b": false, strings.Repeat("a", 32): true, strings.Repeat("a", 33): false, "": false} {
		if err := ValidateTeamName(name); (err == nil) != ok {
			t.Errorf("ValidateTeamName(%q) = %v", name, err)
		}
	}
	if h := HashAPIKey("abc"); h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("hash = %s", h)
	}
	k1, _ := GenerateAPIKey()
	k2, _ := GenerateAPIKey()
	if k1 == k2 || !strings.HasPrefix(k1, "bgk_") || len(k1) < 40 {
		t.Errorf("keys %q %q", k1, k2)
	}
}

func TestCapConfigValidate(t *testing.T) {
	t.Parallel()
	good := CapConfig{Team: "business", Limit: 2000 * MicrosPerUSD, Thresholds: DefaultThresholds, ModelID: "m", ProfileARN: "arn:p", PriceGroup: "us"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	withGroup := good
	withGroup.Principals = []string{"arn:aws:iam::111122223333:group/devs", "arn:aws:iam::111122223333:role/x/App"}
	if err := withGroup.Validate(); err != nil {
		t.Fatalf("group principal refused: %v", err)
	}
	if keys := withGroup.principalKeys(); len(keys) != 1 || keys[0] != "arn:aws:iam::111122223333:role/App" {
		t.Fatalf("identity keys %v", keys)
	}
	for name, mut := range map[string]func(*CapConfig){
		"name":       func(c *CapConfig) { c.Team = "Bad" },
		"limit":      func(c *CapConfig) { c.Limit = 0 },
		"thresholds": func(c *CapConfig) { c.Thresholds = Thresholds{80, 50, 100} },
		"model":      func(c *CapConfig) { c.ModelID = "" },
		"degrade":    func(c *CapConfig) { c.DegradeModelID = "x" },
		"principal":  func(c *CapConfig) { c.Principals = []string{"nope"} },
		"federated":  func(c *CapConfig) { c.Principals = []string{"arn:aws:sts::111122223333:federated-user/bob"} },
		"override limit": func(c *CapConfig) {
			c.Override = &Override{Limit: c.Limit, Expires: time.Now(), Reason: "r"}
		},
		"override reason": func(c *CapConfig) {
			c.Override = &Override{Limit: 2 * c.Limit, Expires: time.Now()}
		},
	} {
		c := good
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
