package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
)

func TestAccCallerIdentityDataSource_basic(t *testing.T) {
	t.Parallel()
	var account knownvalue.Check = knownvalue.StringRegexp(regexp.MustCompile(`^\d{12}$`))
	if !acctest.RealAWS() {
		account = knownvalue.StringExact(acctest.AccountID)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig() + `data "bedgov_caller_identity" "current" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bedgov_caller_identity.current", tfjsonpath.New("account_id"), account),
				statecheck.ExpectKnownValue("data.bedgov_caller_identity.current", tfjsonpath.New("arn"),
					knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws[a-z-]*:(iam|sts)::\d{12}:`))),
				statecheck.ExpectKnownValue("data.bedgov_caller_identity.current", tfjsonpath.New("user_id"),
					knownvalue.StringRegexp(regexp.MustCompile(`^[A-Z0-9:._-]+$`))),
			},
		}},
	})
}

// assume_role takes effect: the data source sees the assumed role's session.
func TestAccCallerIdentityDataSource_assumeRole(t *testing.T) {
	t.Parallel()
	if acctest.RealAWS() {
		t.Fatal("this test needs the emulator's role; run it without BEDGOV_REAL_AWS")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfigWith(`
  assume_role {
    role_arn     = "arn:aws:iam::`+acctest.AccountID+`:role/bedgov-deployer"
    session_name = "acctest"
    duration     = "30m"
  }`) + `data "bedgov_caller_identity" "current" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bedgov_caller_identity.current", tfjsonpath.New("arn"),
					knownvalue.StringExact("arn:aws:sts::"+acctest.AccountID+":assumed-role/bedgov-deployer/acctest")),
			},
		}},
	})
}
