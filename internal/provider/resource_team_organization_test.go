package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
)

// In a member account of an organization, AWS lets no one monitor a cost allocation
// tag (Cost Management user guide, "Getting started with AWS Cost Anomaly Detection"):
// anomaly_detection is refused at plan, naming the management account, and the rest of
// the team applies. In the management account the monitor is made.
//
// Not parallel: it changes the emulated account's organization, which every test shares.
func TestAccTeam_anomalyNeedsManagementAccount(t *testing.T) {
	emu := acctest.Emulator(t)
	t.Cleanup(emu.LeaveOrganization)
	name := acctest.RandomName()
	withAnomaly := teamConfig(name, attr("model", sonnet), "monthly_budget = 100", "anomaly_detection {\n    threshold_usd = 10\n  }")
	withoutAnomaly := teamConfig(name, attr("model", sonnet), "monthly_budget = 100")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { emu.JoinOrganization("210987654321") },
				Config:      withAnomaly,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Anomaly detection needs the management account.*member\s+account\s+of\s+organization\s+o-\S+,\s+whose\s+management\s+account\s+is\s+210987654321`),
			},
			{
				Config: withoutAnomaly,
				Check:  resource.TestCheckNoResourceAttr(teamAddr, "anomaly_monitor_arn"),
			},
			{
				PreConfig: func() { emu.JoinOrganization(acctest.AccountID) },
				Config:    withAnomaly,
				Check:     resource.TestMatchResourceAttr(teamAddr, "anomaly_monitor_arn", regexp.MustCompile(`^arn:aws:ce::`)),
			},
		},
	})
}
