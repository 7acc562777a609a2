package provider_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// wiredByTag checks that a wired team's invoke policy is attached to nobody and that its
// profile carries the enforcer tag the enforcer role's invoke policy grants on.
func wiredByTag(ctx context.Context, c *awsclient.Client, policyARN, enf, profileARN string) error {
	attached, err := awsops.AttachedEntities(ctx, c.IAM, policyARN)
	if err != nil || len(attached) != 0 {
		return fmt.Errorf("invoke policy attached to %v (%v), want nobody", attached, err)
	}
	tags, err := awsops.ProfileTags(ctx, c.Bedrock, profileARN)
	if err != nil || tags[governance.EnforcerTagKey] != enf {
		return fmt.Errorf("profile %s tags %v (%v), want %s=%s", profileARN, tags, err, governance.EnforcerTagKey, enf)
	}
	return nil
}

// teamsPerEnforcer is how many teams TestAccTeamEnforcer_manyTeams wires to one
// enforcer: 25 in make test (past IAM's 10 managed policies per role, which the
// emulator enforces, in about a minute on a loaded 2-core machine);
// scripts/bench-teams-per-enforcer.sh runs it with 500.
func teamsPerEnforcer(t *testing.T) int {
	if v := os.Getenv("BEDGOV_TEAMS_PER_ENFORCER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("BEDGOV_TEAMS_PER_ENFORCER=%q is not a positive number", v)
		}
		return n
	}
	return 25
}

// One enforcer serves more teams than IAM lets a role hold managed policies: wiring a
// team attaches nothing to the enforcer role, whose permissions stay two inline
// policies of fixed size; a refresh after apply plans nothing.
func TestAccTeamEnforcer_manyTeams(t *testing.T) {
	t.Parallel()
	enf, prefix := acctest.RandomName(), acctest.RandomName()
	n := teamsPerEnforcer(t)
	ctx := context.Background()
	config := acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name = %[1]q
}

resource "bedgov_team" "t" {
  count          = %[3]d
  name           = "%[2]s-${count.index}"
  model          = %[4]q
  monthly_budget = 100
  enforcer       = bedgov_enforcer.test.id
}
`, enf, prefix, n, haiku)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, enf),
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				c := acctest.Client(t)
				role := aws.String(enf + "-enforcer")
				attached, err := c.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: role})
				if err != nil || len(attached.AttachedPolicies) != 0 {
					return fmt.Errorf("enforcer role has managed policies attached: %v (%v)", attached, err)
				}
				inline, err := c.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: role})
				if err != nil || !slices.Contains(inline.PolicyNames, "bedgov-enforcer-invoke") {
					return fmt.Errorf("enforcer role inline policies %v (%v)", inline, err)
				}
				for _, i := range []int{0, n - 1} {
					addr := fmt.Sprintf("bedgov_team.t.%d", i)
					if err := wiredByTag(ctx, c, attrOf(s, addr, "policy_arn"), enf, attrOf(s, addr, "inference_profile_arn")); err != nil {
						return fmt.Errorf("%s: %w", addr, err)
					}
				}
				return nil
			},
		}, {
			Config:   config,
			PlanOnly: true, // refresh of every team finds its wiring as applied
		}},
	})
}
