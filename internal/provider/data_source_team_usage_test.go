package provider_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// The usage data source reports exactly what the ledger holds: a team that spent
// 1,700.50 of 2,000 USD this month is degraded at 85 %; without a degrade model it is
// notified (governance.CapConfig.StateOf, the state the enforcer's headers give too).
func TestAccTeamUsageDataSource_basic(t *testing.T) {
	t.Parallel()
	enforcer := acctest.RandomName()
	team := acctest.RandomName()
	usage := `
data "bedgov_team_usage" "test" {
  team     = ` + `"` + team + `"` + `
  enforcer = bedgov_enforcer.test.id
}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, enforcer),
		Steps: []resource.TestStep{
			{Config: enforcerConfig(enforcer)},
			{
				Config:      enforcerConfig(enforcer) + usage,
				ExpectError: messageRe("has no cap record for team " + team),
			},
			{
				PreConfig: func() { spend(t, enforcer+"-caps", team, "2000", "700", "1700.50") },
				Config:    enforcerConfig(enforcer) + usage,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("period"), knownvalue.StringExact(governance.PeriodOf(time.Now()).Key())),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("limit_usd"), knownvalue.Float64Exact(2000)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("spent_usd"), knownvalue.Float64Exact(1700.5)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("reserved_usd"), knownvalue.Float64Exact(0)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("spend_percent"), knownvalue.Int64Exact(85)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("state"), knownvalue.StringExact("degraded")),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("requests"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("override_active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("models"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"model_id":           knownvalue.StringExact("anthropic.claude-3-haiku-20240307-v1:0"),
							"input_tokens":       knownvalue.Int64Exact(1000),
							"output_tokens":      knownvalue.Int64Exact(2000),
							"cache_read_tokens":  knownvalue.Int64Exact(0),
							"cache_write_tokens": knownvalue.Int64Exact(0),
						}),
					})),
				},
			},
			{
				PreConfig: func() { writeCaps(t, enforcer+"-caps", team, "2000", false) },
				Config:    enforcerConfig(enforcer) + usage,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("spend_percent"), knownvalue.Int64Exact(85)),
					statecheck.ExpectKnownValue("data.bedgov_team_usage.test", tfjsonpath.New("state"), knownvalue.StringExact("notified")),
				},
			},
		},
	})
}

// writeCaps writes a team's configuration (Sonnet-free: Haiku 3, degrading to Nova
// Micro when degrade is set).
func writeCaps(t *testing.T, table, team, limit string, degrade bool) {
	t.Helper()
	l, err := governance.ParseUSD(limit)
	if err != nil {
		t.Fatal(err)
	}
	c := governance.CapConfig{
		Team: team, Limit: l, Thresholds: governance.Thresholds{Notify: 50, Degrade: 80, Block: 100},
		ModelID: "anthropic.claude-3-haiku-20240307-v1:0", ProfileARN: "arn:aws:bedrock:us-east-1:" + acctest.AccountID + ":application-inference-profile/abc123",
		PriceGroup: "us",
	}
	if degrade {
		c.DegradeModelID, c.DegradeProfileARN = "amazon.nova-micro-v1:0", "arn:aws:bedrock:us-east-1:"+acctest.AccountID+":application-inference-profile/def456"
	}
	if _, err := governance.WriteCapConfig(context.Background(), acctest.Client(t).DynamoDB, table, c, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// spend writes a team's cap record and settles one request through the ledger's own
// reserve and settle writes, as the enforcer does.
func spend(t *testing.T, table, team, limit, reserve, actual string) {
	t.Helper()
	ctx := context.Background()
	db := acctest.Client(t).DynamoDB
	usd := func(s string) governance.Micros {
		m, err := governance.ParseUSD(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	now := time.Now()
	writeCaps(t, table, team, limit, true)
	h := &governance.Hold{Team: team, Slot: "req-1", Amount: usd(reserve), Expires: now.Add(time.Minute).Unix(), Nonce: "n"}
	view, err := governance.ReadCapRecord(ctx, db, table, team)
	if err != nil {
		t.Fatal(err)
	}
	if err := governance.Reserve(ctx, db, table, view, h, now); err != nil {
		t.Fatalf("reserve: %v", err)
	}
	if _, err := governance.Settle(ctx, db, table, h, usd(actual),
		"anthropic.claude-3-haiku-20240307-v1:0", governance.Usage{InputTokens: 1000, OutputTokens: 2000}, false); err != nil {
		t.Fatalf("settle: %v", err)
	}
}
