package provider_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
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

// A priority-tier request through the deployed enforcer, with the official SDK, is
// charged at the priority price: the ledger equals the emulator's usage at the
// override's priority rates (0.525 / 4.375 USD per million tokens), to the micro-dollar.
func TestAccTeamEnforcer_priorityTier(t *testing.T) {
	t.Parallel()
	enf, team := acctest.RandomName(), acctest.RandomName()
	role := createRole(t, team+"-app")
	ctx := context.Background()
	nova := "amazon.nova-2-lite-v1:0"
	config := acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name = %[1]q
  pricing_overrides = {
    %[4]q = { input_per_mtok = "0.30", output_per_mtok = "2.50", priority_input_per_mtok = "0.525", priority_output_per_mtok = "4.375" }
  }
}

resource "bedgov_team" "a" {
  name           = %[2]q
  model          = "global.%[4]s"
  monthly_budget = 100
  enforcer       = bedgov_enforcer.test.id
  principals     = [%[3]q]
}
`, enf, team, role, nova)
	var url, profile string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					url, profile = attrOf(s, "bedgov_enforcer.test", "function_url"), attrOf(s, "bedgov_team.a", "inference_profile_arn")
					return nil
				},
			},
			{
				PreConfig: func() {
					c := teamClient(t, role, url)
					runtime := localaws.BedrockRuntimeOf(acctest.Emulator(t))
					before := len(runtime.Calls())
					_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
						ModelId: aws.String(profile), ServiceTier: &brtypes.ServiceTier{Type: brtypes.ServiceTierTypePriority},
						Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser,
							Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "urgent [[tokens:800]]"}}}},
						InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(800)},
					})
					if err != nil {
						t.Fatal(err)
					}
					_, err = c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
						ModelId: aws.String(profile), ServiceTier: brtypes.ServiceTierTypePriority, ContentType: aws.String("application/json"),
						Body: []byte(`{"messages":[{"role":"user","content":[{"text":"urgent [[tokens:600]]"}]}],"inferenceConfig":{"max_new_tokens":600}}`),
					})
					if err != nil {
						t.Fatal(err)
					}
					// A flex request: the model offers flex, bedgov has no flex price: refused.
					_, err = c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
						ModelId: aws.String(profile), ServiceTier: brtypes.ServiceTierTypeFlex, ContentType: aws.String("application/json"),
						Body: []byte(`{"messages":[{"role":"user","content":[{"text":"later"}]}]}`),
					})
					var apiErr smithy.APIError
					if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" || !strings.Contains(apiErr.ErrorMessage(), "flex") {
						t.Fatalf("flex request: %v", err)
					}
					var want governance.Micros
					calls := runtime.Calls()[before:]
					n := 0
					for _, call := range calls {
						if call.ModelID != nova {
							continue
						}
						n++
						if call.ServiceTier != "priority" {
							t.Fatalf("Bedrock was asked for tier %q", call.ServiceTier)
						}
						u := call.Usage
						want += governance.Micros((u.InputTokens*525_000 + u.OutputTokens*4_375_000 + 999_999) / 1_000_000)
					}
					if n != 2 {
						t.Fatalf("%d calls reached Bedrock", n)
					}
					rec, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, enf+"-caps", team)
					if err != nil {
						t.Fatal(err)
					}
					if rec.Spent != want || rec.Reserved != 0 {
						t.Fatalf("ledger %d (reserved %d), priority price %d", rec.Spent, rec.Reserved, want)
					}
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A team wired to an existing enforcer, on a model bedgov cannot price, fails at plan
// with the closest priced models and the override to add; the enforcer's override makes
// it plannable.
func TestAccTeamEnforcer_unpricedModelFailsPlan(t *testing.T) {
	t.Parallel()
	enf, team := acctest.RandomName(), acctest.RandomName()
	role := createRole(t, team+"-app")
	config := func(override, withTeam string) string {
		c := acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name = %[1]q
  %[2]s
}
`, enf, override)
		if withTeam != "" {
			c += fmt.Sprintf(`
resource "bedgov_team" "a" {
  name           = %[1]q
  model          = "openai.gpt-oss-120b-1:0"
  monthly_budget = 100
  enforcer       = bedgov_enforcer.test.id
  principals     = [%[2]q]
}
`, team, role)
		}
		return c
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("", "")},
			{
				Config:      config("", "team"),
				ExpectError: regexp.MustCompile(`(?s)Model has no price.*no confirmed price.*Closest priced models:.*pricing_overrides = \{\s*"openai.gpt-oss-120b-1:0".*apply\s+the\s+enforcer\s+first`),
			},
			{Config: config(`pricing_overrides = { "openai.gpt-oss-120b-1:0" = { input_per_mtok = "0.15", output_per_mtok = "0.60" } }`, "")},
			{Config: config(`pricing_overrides = { "openai.gpt-oss-120b-1:0" = { input_per_mtok = "0.15", output_per_mtok = "0.60" } }`, "team")},
		},
	})
}
