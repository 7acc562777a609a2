package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

func usd(t *testing.T, s string) governance.Micros {
	t.Helper()
	m, err := governance.ParseUSD(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTeamCapConfig(t *testing.T) {
	t.Parallel()
	base := teamCap{
		Team: "business", Limit: usd(t, "2000"), Thresholds: governance.Thresholds{Notify: 50, Degrade: 80, Block: 100},
		SourceARN:         "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
		ProfileARN:        "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc",
		DegradeSourceARN:  "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-micro-v1:0",
		DegradeProfileARN: "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/def",
		Principals:        []string{"arn:aws:iam::123456789012:role/app"},
	}
	c, err := base.capConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.ModelID != "anthropic.claude-3-haiku-20240307-v1:0" || c.PriceGroup != "eu" || c.DegradeModelID != "amazon.nova-micro-v1:0" {
		t.Fatalf("config = %+v", c)
	}
	bad := base
	bad.Thresholds = governance.Thresholds{Notify: 80, Degrade: 50, Block: 100}
	if _, err := bad.capConfig(); err == nil {
		t.Fatal("descending thresholds must be refused")
	}
}

func TestBudgetReview(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	th := governance.Thresholds{Notify: 50, Degrade: 80, Block: 100}
	rec := &governance.CapRecord{
		CapConfig: governance.CapConfig{Team: "business", Limit: usd(t, "2000"), Thresholds: th},
		Period:    "2026-11", Spent: usd(t, "640.12"),
	}
	cases := []struct {
		name   string
		cfg    governance.CapConfig
		state  governance.State
		review string
	}{
		{"cut below spend", governance.CapConfig{Limit: usd(t, "500"), Thresholds: th}, governance.StateBlocked,
			"team business: monthly_budget 2000 -> 500 USD; 640.12 USD spent in 2026-11; the team will be BLOCKED when this is applied"},
		{"cut to degrade", governance.CapConfig{Limit: usd(t, "750"), Thresholds: th, DegradeModelID: "anthropic.claude-3-haiku-20240307-v1:0"}, governance.StateDegraded,
			"team business: monthly_budget 2000 -> 750 USD; 640.12 USD spent in 2026-11; the team will be DEGRADED when this is applied"},
		{"lower thresholds", governance.CapConfig{Limit: usd(t, "2000"), Thresholds: governance.Thresholds{Notify: 10, Degrade: 30, Block: 90}, DegradeModelID: "anthropic.claude-3-haiku-20240307-v1:0"}, governance.StateDegraded,
			"team business: thresholds 50/80/100 -> 10/30/90; 640.12 USD spent in 2026-11; the team will be DEGRADED when this is applied"},
		// Without a degrade model the same cut leaves the team notified (class 11: the
		// state the enforcer's headers will give).
		{"cut to degrade, no degrade model", governance.CapConfig{Limit: usd(t, "750"), Thresholds: th}, governance.StateNotified,
			"team business: monthly_budget 2000 -> 750 USD; 640.12 USD spent in 2026-11; the team will be NOTIFIED when this is applied"},
		{"raise", governance.CapConfig{Limit: usd(t, "5000"), Thresholds: th}, governance.StateOK, ""},
		{"same", governance.CapConfig{Limit: usd(t, "2000"), Thresholds: th}, governance.StateOK, ""},
	}
	for _, tc := range cases {
		state, review := budgetReview("business", rec, tc.cfg, now)
		if state != tc.state || review != tc.review {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, state, review, tc.state, tc.review)
		}
	}
	// A spend left over from last month does not count in this one.
	old := *rec
	old.Period = "2026-10"
	if state, review := budgetReview("business", &old, governance.CapConfig{Limit: usd(t, "500"), Thresholds: th}, now); state != governance.StateOK || review != "" {
		t.Errorf("last month's spend: got %s %q", state, review)
	}
}

// cap_slices reaches the cap record's configuration, through the applied state
// (withPlanned) as writeCapRecord builds it.
func TestTeamCapConfigSlices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var m teamModel
	m.Name, m.MonthlyBudget = types.StringValue("business"), types.Float64Value(2000)
	m.ModelSourceARN = types.StringValue("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0")
	m.InferenceProfileARN = types.StringValue("arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc")
	m.Principals, m.Thresholds = types.SetNull(types.StringType), types.ObjectNull(nil)
	m.EmergencyOverride, m.CapSlices = types.ObjectNull(overrideAttrTypes), types.Int64Value(1)
	plan := m
	plan.CapSlices = types.Int64Value(16)
	c, err := m.withPlanned(plan).capConfig(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Slices != 16 {
		t.Fatalf("Slices = %d, want the planned 16", c.Slices)
	}
	plan.CapSlices = types.Int64Value(governance.MaxSlices + 1)
	if _, err := m.withPlanned(plan).capConfig(ctx, ""); err == nil || !strings.Contains(err.Error(), "cap_slices") {
		t.Fatalf("more than MaxSlices slices: err = %v", err)
	}
}
