package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/iamsim"
)

// bedgov_enforcer exports the organization SCP, known at plan time, naming the role it
// creates; the IAM simulator confirms that under it an AdministratorAccess principal
// cannot invoke a model while the enforcer's role (with a team's invoke policy) can.
func TestAccEnforcer_scpJSON(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	roleARN := "arn:aws:iam::" + acctest.AccountID + ":role/bedgov/" + name + "-enforcer"
	want, err := governance.OrganizationSCP([]string{roleARN})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, name),
		Steps: []resource.TestStep{{
			Config: enforcerConfig(name),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(enforcerAddr, tfjsonpath.New("scp_json"), knownvalue.StringExact(want)),
			}},
			Check: func(s *terraform.State) error {
				got := attrOf(s, "bedgov_enforcer.test", "scp_json")
				if got != want {
					return fmt.Errorf("scp_json = %s, want %s", got, want)
				}
				if role := attrOf(s, "bedgov_enforcer.test", "role_arn"); role != roleARN {
					return fmt.Errorf("role_arn %s, the SCP names %s", role, roleARN)
				}
				sim, err := iamsim.Shared()
				if err != nil {
					return err
				}
				scps := []iamsim.OrgPolicies{{OrgIdentifier: "ou-1", Policies: []iamsim.Policy{
					{Name: "FullAWSAccess", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
					{Name: "bedgov", Policy: got},
				}}}
				admin := []iamsim.Policy{{Name: "AdministratorAccess", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}
				model := "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
				for principal, want := range map[string]iamsim.Decision{
					"arn:aws:iam::" + acctest.AccountID + ":user/admin": iamsim.ExplicitlyDenied,
					roleARN: iamsim.Allowed,
				} {
					d, err := sim.Decide(iamsim.Request{Principal: principal, Action: "bedrock:InvokeModel", Resource: model, Account: acctest.AccountID,
						Context: map[string]any{"aws:PrincipalArn": principal}, IdentityPolicies: admin, SCPs: scps})
					if err != nil {
						return err
					}
					if d != want {
						return fmt.Errorf("%s under scp_json: %s, want %s", principal, d, want)
					}
				}
				return nil
			},
		}},
	})
}
