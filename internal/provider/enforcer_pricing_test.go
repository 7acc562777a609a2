package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// pricing_source = "aws": the provider reads the (emulated) Price List at plan and
// apply; the prices in force are in priced_models; when AWS changes a price, plan shows
// the change as an update and apply hands the enforcer the new price, while overrides
// still win.
func TestAccEnforcer_pricingSourceAWS(t *testing.T) {
	name := acctest.RandomName()
	sonnet := "anthropic.claude-sonnet-4-6"
	cfg := enforcerConfig(name, `pricing_source = "aws"`,
		`pricing_overrides = { "amazon.nova-2-lite-v1:0" = { input_per_mtok = "0.25", output_per_mtok = "2" } }`)
	env := func() (map[string]string, error) {
		fn, err := awsops.FindFunction(context.Background(), acctest.Client(t).Lambda, name+"-enforcer")
		if err != nil {
			return nil, err
		}
		return fn.Configuration.Environment.Variables, nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					expectEnforcer("pricing_source", knownvalue.StringExact("aws")),
					expectEnforcer("priced_models", knownvalue.MapPartial(map[string]knownvalue.Check{
						sonnet:                    knownvalue.StringRegexp(regexp.MustCompile(`^\* in 3\.3 out 16\.5 .*; global in 3 out 15 cache read 0\.3 cache write 3\.75 cache write 1h 6$`)),
						"amazon.nova-2-lite-v1:0": knownvalue.StringRegexp(regexp.MustCompile(`^\* in 0\.25 out 2 `)),
					})),
				},
				Check: func(*terraform.State) error {
					e, err := env()
					if err != nil {
						return err
					}
					// The Price List agrees with the catalog: nothing to hand over.
					if e["BEDGOV_PRICING_SOURCE"] != "aws" || e["BEDGOV_PRICE_LIST"] != "" {
						return fmt.Errorf("environment = %v", e)
					}
					return nil
				},
			},
			{
				// AWS raises Sonnet 4.6's global output price to 18 USD per million tokens.
				PreConfig: func() {
					acctest.Emulator(t).SetPriceListPrice(localaws.PriceListChange{Model: "Claude Sonnet 4.6", Provider: "Anthropic", Region: acctest.Region,
						Dim: governance.PriceListDimension{Group: "global", Kind: "output"}, USDPer1K: "0.018"})
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(enforcerAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectEnforcer("priced_models", knownvalue.MapPartial(map[string]knownvalue.Check{
						sonnet: knownvalue.StringRegexp(regexp.MustCompile(`global in 3 out 18 `)),
					})),
				},
				Check: func(*terraform.State) error {
					e, err := env()
					if err != nil {
						return err
					}
					if !strings.Contains(e["BEDGOV_PRICE_LIST"], `"anthropic.claude-sonnet-4-6"`) || !strings.Contains(e["BEDGOV_PRICE_LIST"], `"output":"18.00"`) ||
						strings.Contains(e["BEDGOV_PRICE_LIST"], "nova") {
						return fmt.Errorf("price list handed to the enforcer = %s", e["BEDGOV_PRICE_LIST"])
					}
					// What the enforcer charges: the Price List, then the overrides.
					table, err := awsops.EnforcerPricing(context.Background(), acctest.Client(t).Lambda, name+"-enforcer")
					if err != nil {
						return err
					}
					if p, _, _ := table.Lookup(sonnet, "global"); p.Output != 18*governance.MicrosPerUSD {
						return fmt.Errorf("enforcer's Sonnet 4.6 price = %+v", p)
					}
					if p, _, _ := table.Lookup("amazon.nova-2-lite-v1:0", "global"); p.Input != 250_000 {
						return fmt.Errorf("override lost: %+v", p)
					}
					return nil
				},
			},
			{
				ResourceName: enforcerAddr, ImportState: true, ImportStateId: name,
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}
