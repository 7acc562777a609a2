package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

const reportAddr = "data.bedgov_spend_report.test"

func spendReportConfig(period string) string {
	p := ""
	if period != "" {
		p = fmt.Sprintf("period = %q", period)
	}
	return fmt.Sprintf(`
data "bedgov_spend_report" "test" {
  enforcer   = bedgov_enforcer.test.id
  %s
  depends_on = [bedgov_team.a, bedgov_team.b]
}
`, p)
}

// reportTeam returns the flattened attributes of one team's entry in the report.
func reportTeam(s *terraform.State, team string) (map[string]string, error) {
	attrs := s.RootModule().Resources[reportAddr].Primary.Attributes
	n, _ := strconv.Atoi(attrs["teams.#"])
	for i := 0; i < n; i++ {
		prefix := fmt.Sprintf("teams.%d.", i)
		if attrs[prefix+"team"] != team {
			continue
		}
		out := map[string]string{}
		for k, v := range attrs {
			if strings.HasPrefix(k, prefix) {
				out[strings.TrimPrefix(k, prefix)] = v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("team %s not in the report (%s teams)", team, attrs["teams.#"])
}

func float(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// The report over a ledger filled by real traffic: two teams behind an enforcer, the
// official SDK sending through the enforcer's URL until team A is degraded onto its
// second model; the report must say what the ledger says, team by team and model by
// model, priced at the enforcer's own (overridden) prices.
func TestAccSpendReportDataSource_enforcerTraffic(t *testing.T) {
	t.Parallel()
	enf, teamA, teamB := acctest.RandomName(), acctest.RandomName(), acctest.RandomName()
	roleA, roleB := createRole(t, teamA+"-app"), createRole(t, teamB+"-app")
	ctx := context.Background()
	now := time.Now().UTC()
	period := governance.PeriodOf(now).Key()
	previous := governance.PeriodOf(governance.PeriodOf(now).Start().Add(-time.Hour)).Key()
	config := wiredConfig(enf, teamA, teamB, roleA, roleB, "2000", "")
	var url, profileA, profileB string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkTeamDestroyed(t, teamA), checkTeamDestroyed(t, teamB), checkEnforcerDestroyed(t, enf)),
		Steps: []resource.TestStep{
			{
				// Before any traffic: both teams, nothing spent.
				Config: config + spendReportConfig(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("period"), knownvalue.StringExact(period)),
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("total_spent_usd"), knownvalue.Float64Exact(0)),
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("total_limit_usd"), knownvalue.Float64Exact(3000)),
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("teams"), knownvalue.ListSizeExact(2)),
				},
				Check: func(s *terraform.State) error {
					url = attrOf(s, "bedgov_enforcer.test", "function_url")
					profileA, profileB = attrOf(s, "bedgov_team.a", "inference_profile_arn"), attrOf(s, "bedgov_team.b", "inference_profile_arn")
					for _, team := range []string{teamA, teamB} {
						tm, err := reportTeam(s, team)
						if err != nil {
							return err
						}
						if tm["spent_usd"] != "0" || tm["state"] != "ok" || tm["requests"] != "0" || tm["models.#"] != "0" {
							return fmt.Errorf("team %s before any traffic: %v", team, tm)
						}
					}
					return nil
				},
			},
			{
				// 17 requests of 100 USD for team A (degraded at 80 %: the last one goes
				// to the degrade model), 2 for team B.
				PreConfig: func() {
					a, b := teamClient(t, roleA, url), teamClient(t, roleB, url)
					for i := 0; i < 2; i++ {
						if err := converse(ctx, b, profileB); err != nil {
							t.Fatalf("team B request %d: %v", i, err)
						}
					}
					for i := 0; i < 17; i++ {
						if err := converse(ctx, a, profileA); err != nil {
							t.Fatalf("team A request %d: %v", i, err)
						}
					}
				},
				Config: config + spendReportConfig(""),
				Check: func(s *terraform.State) error {
					db := acctest.Client(t).DynamoDB
					attrs := s.RootModule().Resources[reportAddr].Primary.Attributes
					var total governance.Micros
					for _, team := range []string{teamA, teamB} {
						rec, err := governance.ReadCapRecord(ctx, db, enf+"-caps", team)
						if err != nil {
							return err
						}
						total += rec.Spent
						tm, err := reportTeam(s, team)
						if err != nil {
							return err
						}
						if float(tm["spent_usd"]) != rec.Spent.USD() || tm["requests"] != strconv.FormatInt(rec.Requests, 10) ||
							tm["state"] != string(rec.StateAt(time.Now())) || tm["spend_percent"] != strconv.FormatInt(governance.Percent(rec.Spent, rec.Limit), 10) {
							return fmt.Errorf("team %s: report %v, ledger spent %s, %d requests", team, tm, rec.Spent, rec.Requests)
						}
						// Priced at the enforcer's prices, the models' costs add up to the
						// spend (each request rounds up by less than a micro-dollar).
						var sum governance.Micros
						n, _ := strconv.Atoi(tm["models.#"])
						for i := 0; i < n; i++ {
							c, err := governance.USDFromFloat(float(tm[fmt.Sprintf("models.%d.cost_usd", i)]))
							if err != nil {
								return err
							}
							sum += c
						}
						if sum > rec.Spent || rec.Spent-sum > governance.Micros(rec.Requests) {
							return fmt.Errorf("team %s: models cost %s, ledger spent %s", team, sum, rec.Spent)
						}
						line := strings.Join([]string{period, team, "2000.00", "2000.00", rec.Spent.String(), "85", "degraded", "17", ""}, ",")
						if team == teamA && !strings.Contains(attrs["csv"], "\n"+line) {
							return fmt.Errorf("csv lacks %q:\n%s", line, attrs["csv"])
						}
						row := fmt.Sprintf("| %s | 2000.00 | %s | 85 | degraded | 17 |", team, rec.Spent.Cents())
						if team == teamA && !strings.Contains(attrs["markdown"], row) {
							return fmt.Errorf("markdown lacks %q:\n%s", row, attrs["markdown"])
						}
					}
					a, _ := reportTeam(s, teamA)
					if a["models.#"] != "2" || a["models.0.model_id"] != haiku35 || a["models.0.output_tokens"] != "1000" ||
						a["models.1.model_id"] != haiku || a["models.1.output_tokens"] != "16000" {
						return fmt.Errorf("team A's models: %v", a)
					}
					if b, _ := reportTeam(s, teamB); b["state"] != "ok" || b["spend_percent"] != "20" || b["models.#"] != "1" {
						return fmt.Errorf("team B: %v", b)
					}
					if float(attrs["total_spent_usd"]) != total.USD() {
						return fmt.Errorf("total %s, ledger %s", attrs["total_spent_usd"], total)
					}
					return nil
				},
			},
			{
				// The month before: the ledger has no spend archived for it yet.
				Config: config + spendReportConfig(previous),
				Check: func(s *terraform.State) error {
					a, err := reportTeam(s, teamA)
					if err != nil {
						return err
					}
					if a["spent_usd"] != "0" || a["requests"] != "" || a["models.#"] != "0" {
						return fmt.Errorf("team A in %s: %v", previous, a)
					}
					return nil
				},
			},
			{
				Config:      config + spendReportConfig("2020-01"),
				ExpectError: messageRe(regexp.QuoteMeta("keeps the current month (" + period + ") and the one before (" + previous + ") only")),
			},
		},
	})
}

// Bad input fails at plan; an enforcer that does not exist is named.
func TestAccSpendReportDataSource_validation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{`enforcer = "x"`, "string length must be between 2 and 32"},
		{`enforcer = "platform"` + "\n  period = \"2026-13\"", "must be a month as YYYY-MM"},
		{`enforcer = "` + acctest.RandomName() + `"`, "Enforcer not found"},
	} {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      acctest.ProviderConfig() + "data \"bedgov_spend_report\" \"test\" {\n  " + tc.body + "\n}\n",
				ExpectError: messageRe(tc.want),
			}},
		})
	}
}
