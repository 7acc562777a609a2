package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// haiku35 names a second model in these tests: Claude 3.5 Sonnet (legacy on Bedrock,
// still priced; Claude 3.5 Haiku reached end of life on 2026-06-19 and fails plan).
const haiku35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"

// wiredConfig is an enforcer and two teams behind it. Prices are overridden so that
// one request of 1,000 output tokens costs 100 USD: budgets with real-looking numbers
// move in a few requests.
func wiredConfig(enf, teamA, teamB, roleA, roleB string, budgetA string, override string) string {
	return acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name = %[1]q
  pricing_overrides = {
    %[6]q = { input_per_mtok = "100", output_per_mtok = "100000" }
    %[7]q = { input_per_mtok = "100", output_per_mtok = "100000" }
  }
}

resource "bedgov_team" "a" {
  name             = %[2]q
  model            = %[6]q
  degrade_to_model = %[7]q
  monthly_budget   = %[8]s
  enforcer         = bedgov_enforcer.test.id
  principals       = [%[4]q]
  %[9]s
}

resource "bedgov_team" "b" {
  name           = %[3]q
  model          = %[6]q
  monthly_budget = 1000
  enforcer       = bedgov_enforcer.test.id
  principals     = [%[5]q]
}
`, enf, teamA, teamB, roleA, roleB, haiku, haiku35, budgetA, override)
}

// teamClient is the official Bedrock Runtime client of a team's application: it assumes
// the team's role and sends to the enforcer's URL, signing for the function URL.
func teamClient(t *testing.T, roleARN, url string) *bedrockruntime.Client {
	t.Helper()
	cfg := localaws.ClientConfig(acctest.Endpoint(), acctest.Region)
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN))
	cfg.RetryMaxAttempts = 1
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(strings.TrimSuffix(url, "/"))
	}, bedrockruntime.WithSigV4SigningName("lambda"))
}

// converse asks for 1,000 output tokens through the team's profile.
func converse(ctx context.Context, c *bedrockruntime.Client, profileARN string) error {
	_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String(profileARN),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser,
			Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "summarise the quarter [[tokens:1000]]"}}}},
		InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(1000)},
	})
	return err
}

func attrOf(s *terraform.State, addr, name string) string {
	return s.RootModule().Resources[addr].Primary.Attributes[name]
}

// The whole system, end to end: apply an enforcer and two teams with the real CLI, send
// requests with the official SDK through the enforcer's URL, walk team A through notify,
// degrade and block, see the plan's verdict on a budget cut, apply an override and be
// served again, and find nothing left after destroy.
func TestAccTeamEnforcer_endToEnd(t *testing.T) {
	t.Parallel()
	enf, teamA, teamB := acctest.RandomName(), acctest.RandomName(), acctest.RandomName()
	roleA, roleB := createRole(t, teamA+"-app"), createRole(t, teamB+"-app")
	ctx := context.Background()
	expires := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	override := fmt.Sprintf(`emergency_override {
    limit_usd  = 4000
    expires_at = %q
    reason     = "quarter-end batch"
  }`, expires)

	var url, profileA, profileB, topicA string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			checkTeamDestroyed(t, teamA), checkTeamDestroyed(t, teamB), checkEnforcerDestroyed(t, enf),
			func(*terraform.State) error {
				_, err := awsops.FindPolicy(ctx, acctest.Client(t).IAM, "arn:aws:iam::"+acctest.AccountID+":policy/bedgov/bedgov-"+teamA+"-caller")
				if !awsops.IsNotFound(err) {
					return fmt.Errorf("caller policy left behind (%v)", err)
				}
				return nil
			},
		),
		Steps: []resource.TestStep{
			{
				Config: wiredConfig(enf, teamA, teamB, roleA, roleB, "2000", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("caller_policy_arn"),
						knownvalue.StringExact("arn:aws:iam::"+acctest.AccountID+":policy/bedgov/bedgov-"+teamA+"-caller")),
					statecheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("current_spend_usd"), knownvalue.Float64Exact(0)),
					statecheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("projected_state"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("api_key"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					url = attrOf(s, "bedgov_enforcer.test", "function_url")
					profileA, profileB = attrOf(s, "bedgov_team.a", "inference_profile_arn"), attrOf(s, "bedgov_team.b", "inference_profile_arn")
					topicA = attrOf(s, "bedgov_team.a", "sns_topic_arn")
					c := acctest.Client(t)
					// The direct path is closed: the invoke policy is attached to nobody; the
					// enforcer's role invokes the profiles by their enforcer tag.
					if err := wiredByTag(ctx, c, attrOf(s, "bedgov_team.a", "policy_arn"), enf, profileA); err != nil {
						return err
					}
					callers, err := awsops.AttachedEntities(ctx, c.IAM, attrOf(s, "bedgov_team.a", "caller_policy_arn"))
					if err != nil || !callers["role:"+teamA+"-app"] {
						return fmt.Errorf("caller policy attached to %v (%v)", callers, err)
					}
					rec, err := governance.ReadCapRecord(ctx, c.DynamoDB, enf+"-caps", teamA)
					if err != nil {
						return err
					}
					if rec.Limit.Cents() != "2000.00" || rec.ProfileARN != profileA || rec.SNSTopicARN != topicA {
						return fmt.Errorf("cap record = %+v", rec.CapConfig)
					}
					return nil
				},
			},
			{
				// Traffic through the enforcer with the official SDK.
				PreConfig: func() {
					a := teamClient(t, roleA, url)
					b := teamClient(t, roleB, url)
					// Team A's principal cannot spend team B's budget or call B's profile.
					if err := converse(ctx, a, profileB); err == nil {
						t.Fatal("team A's principal called team B's profile")
					}
					if err := converse(ctx, b, profileB); err != nil {
						t.Fatalf("team B: %v", err)
					}
					var blocked error
					for i := 0; i < 25 && blocked == nil; i++ {
						blocked = converse(ctx, a, profileA)
					}
					var apiErr smithy.APIError
					if !errors.As(blocked, &apiErr) || apiErr.ErrorCode() != "ServiceQuotaExceededException" ||
						!strings.Contains(apiErr.ErrorMessage(), "monthly budget of 2000.00 USD") || !strings.Contains(apiErr.ErrorMessage(), "team "+teamA) {
						t.Fatalf("team A was not blocked with the budget message: %v", blocked)
					}
					// Notified once at 50 %, on the team's topic.
					msgs := localaws.PublishedMessages(acctest.Emulator(t).Store(), topicA)
					if len(msgs) == 0 {
						t.Fatal("no notification was published to the team's topic")
					}
				},
				Config:           wiredConfig(enf, teamA, teamB, roleA, roleB, "2000", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					rec, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, enf+"-caps", teamA)
					if err != nil {
						return err
					}
					if rec.Spent > rec.Limit {
						return fmt.Errorf("overspend: %s spent of %s", rec.Spent.Cents(), rec.Limit.Cents())
					}
					if rec.OutputTokens[haiku35] == 0 {
						return fmt.Errorf("the degrade model was never used: %v", rec.OutputTokens)
					}
					if rec.StateAt(time.Now()) != governance.StateDegraded && rec.StateAt(time.Now()) != governance.StateBlocked {
						return fmt.Errorf("state %s after the walk", rec.StateAt(time.Now()))
					}
					return nil
				},
			},
			{
				// A budget cut below the spend: the plan says the team will be blocked.
				Config: wiredConfig(enf, teamA, teamB, roleA, roleB, "1500", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("bedgov_team.a", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("projected_state"), knownvalue.StringExact("blocked")),
					plancheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("spend_percent"), knownvalue.Int64Func(func(v int64) error {
						if v < 100 {
							return fmt.Errorf("spend_percent %d, want at least 100", v)
						}
						return nil
					})),
				}},
			},
			{
				// An emergency override lets requests through again.
				Config: wiredConfig(enf, teamA, teamB, roleA, roleB, "1500", override),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("bedgov_team.a", tfjsonpath.New("projected_state"), knownvalue.StringRegexp(regexp.MustCompile(`^(ok|notified)$`))),
				}},
				Check: func(*terraform.State) error {
					return converse(ctx, teamClient(t, roleA, url), profileA)
				},
			},
		},
	})
}

// api_key mode: the team gets a key (only its hash leaves Terraform), the enforcer takes
// it as a Bedrock API key, and a new api_key_version rotates it.
func TestAccTeamEnforcer_apiKey(t *testing.T) {
	t.Parallel()
	enf, team := acctest.RandomName(), acctest.RandomName()
	ctx := context.Background()
	config := func(version int, slices string) string {
		return acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name      = %[1]q
  auth_mode = "api_key"
}

resource "bedgov_team" "test" {
  name            = %[2]q
  model           = %[3]q
  monthly_budget  = 100
  enforcer        = bedgov_enforcer.test.id
  api_key_version = %[4]d
  %[5]s
}
`, enf, team, haiku, version, slices)
	}
	call := func(url, profile, key string) (int, string) {
		body := `{"messages":[{"role":"user","content":[{"text":"hello"}]}],"inferenceConfig":{"maxTokens":16}}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(url, "/")+"/model/"+neturl.PathEscape(profile)+"/converse", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var firstKey string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkTeamDestroyed(t, team), checkEnforcerDestroyed(t, enf)),
		Steps: []resource.TestStep{
			{
				Config: config(1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("bedgov_team.test", tfjsonpath.New("cap_slices"), knownvalue.Int64Exact(1)),
					statecheck.ExpectSensitiveValue("bedgov_team.test", tfjsonpath.New("api_key")),
					statecheck.ExpectKnownValue("bedgov_team.test", tfjsonpath.New("caller_policy_arn"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					firstKey = attrOf(s, "bedgov_team.test", "api_key")
					rec, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, enf+"-caps", team)
					if err != nil {
						return err
					}
					if rec.APIKeyHash != governance.HashAPIKey(firstKey) || strings.Contains(fmt.Sprint(rec.CapConfig), firstKey) {
						return errors.New("the cap record must hold the key's hash, never the key")
					}
					url, profile := attrOf(s, "bedgov_enforcer.test", "function_url"), attrOf(s, "bedgov_team.test", "inference_profile_arn")
					if code, body := call(url, profile, firstKey); code != http.StatusOK {
						return fmt.Errorf("with the team's key: %d %s", code, body)
					}
					if code, _ := call(url, profile, "bgk_not-a-key"); code == http.StatusOK {
						return errors.New("a wrong key was served")
					}
					return nil
				},
			},
			{
				// Rotating the key and splitting the team's headroom over 4 slices: in place.
				Config: config(2, "cap_slices = 4"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("bedgov_team.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("bedgov_team.test", tfjsonpath.New("cap_slices"), knownvalue.Int64Exact(4)),
					plancheck.ExpectUnknownValue("bedgov_team.test", tfjsonpath.New("api_key")),
				}},
				Check: func(s *terraform.State) error {
					key := attrOf(s, "bedgov_team.test", "api_key")
					if key == firstKey {
						return errors.New("the key was not rotated")
					}
					url, profile := attrOf(s, "bedgov_enforcer.test", "function_url"), attrOf(s, "bedgov_team.test", "inference_profile_arn")
					// The enforcer caches identities briefly; the new key must work at once.
					if code, body := call(url, profile, key); code != http.StatusOK {
						return fmt.Errorf("with the new key: %d %s", code, body)
					}
					return nil
				},
			},
		},
	})
}

// Removing the enforcer returns the team to direct access: the cap record and caller
// policy go, the invoke policy is attached to the principals again.
// A caller policy changed out of band shows in plan and the next apply writes bedgov's
// document again.
func TestAccTeamEnforcer_callerPolicyDrift(t *testing.T) {
	t.Parallel()
	enf, teamA, teamB := acctest.RandomName(), acctest.RandomName(), acctest.RandomName()
	roleA, roleB := createRole(t, teamA+"-app"), createRole(t, teamB+"-app")
	config := wiredConfig(enf, teamA, teamB, roleA, roleB, "2000", "")
	ctx := context.Background()
	var callerARN string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkTeamDestroyed(t, teamA), checkTeamDestroyed(t, teamB), checkEnforcerDestroyed(t, enf)),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					callerARN = attrOf(s, "bedgov_team.a", "caller_policy_arn")
					return nil
				},
			},
			{
				PreConfig: func() {
					wider := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunctionUrl","Resource":"*"}]}`
					if err := awsops.UpdatePolicyDocument(ctx, acctest.Client(t).IAM, callerARN, wider); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				Check: func(s *terraform.State) error {
					c := acctest.Client(t)
					p, err := awsops.FindPolicy(ctx, c.IAM, callerARN)
					if err != nil {
						return err
					}
					have, err := awsops.PolicyDocument(ctx, c.IAM, callerARN, aws.ToString(p.DefaultVersionId))
					if err != nil {
						return err
					}
					want, err := governance.EnforcerCallerPolicy(teamA, attrOf(s, "bedgov_enforcer.test", "function_arn"))
					if err != nil {
						return err
					}
					var h, w any
					if err := json.Unmarshal([]byte(have), &h); err != nil {
						return err
					}
					if err := json.Unmarshal([]byte(want), &w); err != nil {
						return err
					}
					if !reflect.DeepEqual(h, w) {
						return fmt.Errorf("caller policy not restored: %s", have)
					}
					return nil
				},
			},
		},
	})
}

// A refresh of wired teams reads each IAM policy's attachments once: the invoke
// policy's (who may call Bedrock directly) serve both the principals and the enforcer
// wiring.
//
// Not parallel: it counts every call the emulator sees.
func TestAccTeamEnforcer_refreshCost(t *testing.T) {
	enf, teamA, teamB := acctest.RandomName(), acctest.RandomName(), acctest.RandomName()
	roleA, roleB := createRole(t, teamA+"-app"), createRole(t, teamB+"-app")
	config := wiredConfig(enf, teamA, teamB, roleA, roleB, "2000", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkTeamDestroyed(t, teamA), checkTeamDestroyed(t, teamB), checkEnforcerDestroyed(t, enf)),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { acctest.Emulator(t).ResetCalls() },
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					e := acctest.Emulator(t)
					reads, lists := e.RequestedCount("iam", "GetPolicy"), e.RequestedCount("iam", "ListEntitiesForPolicy")
					if reads == 0 || lists != reads {
						t.Errorf("a refresh read %d IAM policies and listed attachments %d times; want once per policy", reads, lists)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

func TestAccTeamEnforcer_unwire(t *testing.T) {
	t.Parallel()
	enf, team := acctest.RandomName(), acctest.RandomName()
	role := createRole(t, team+"-app")
	ctx := context.Background()
	config := func(wired bool) string {
		enforcer := ""
		if wired {
			enforcer = "enforcer = bedgov_enforcer.test.id"
		}
		return acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name = %[1]q
}

resource "bedgov_team" "test" {
  name           = %[2]q
  model          = %[3]q
  monthly_budget = 100
  principals     = [%[4]q]
  %[5]s
}
`, enf, team, haiku, role, enforcer)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkTeamDestroyed(t, team), checkEnforcerDestroyed(t, enf)),
		Steps: []resource.TestStep{
			{Config: config(false), Check: attachedTo(t, team, team+"-app")},
			{
				Config: config(true),
				Check: func(s *terraform.State) error {
					return wiredByTag(ctx, acctest.Client(t), policyARN(team), enf, attrOf(s, "bedgov_team.test", "inference_profile_arn"))
				},
			},
			{
				// The cap record deleted out of band is written again by the next apply.
				Config: config(true),
				PreConfig: func() {
					if err := governance.DeleteCapRecord(ctx, acctest.Client(t).DynamoDB, enf+"-caps", team); err != nil {
						t.Fatal(err)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("bedgov_team.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					_, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, enf+"-caps", team)
					return err
				},
			},
			{
				ResourceName:            "bedgov_team.test",
				ImportState:             true,
				ImportStateId:           team,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "api_key_version"},
			},
			{
				Config: config(false),
				Check: resource.ComposeTestCheckFunc(
					attachedTo(t, team, team+"-app"),
					func(*terraform.State) error {
						if _, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, enf+"-caps", team); !errors.Is(err, governance.ErrNoCapRecord) {
							return fmt.Errorf("cap record after unwiring: %v", err)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccTeamEnforcer_validation(t *testing.T) {
	t.Parallel()
	soon := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	late := time.Now().Add(40 * 24 * time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	block := func(limit, expires string) string {
		return fmt.Sprintf(`emergency_override {
    limit_usd  = %s
    expires_at = %q
    reason     = "batch"
  }`, limit, expires)
	}
	cases := []struct{ name, body, want string }{
		{"no budget", `enforcer = "bedgov"`, "A team with an enforcer needs monthly_budget"},
		{"override without enforcer", `monthly_budget = 100` + "\n  " + block("200", soon), "set enforcer too"},
		{"override too long", `monthly_budget = 100` + "\n  enforcer = \"bedgov\"\n  " + block("200", late), "is more than 31 days away"},
		{"override expired", `monthly_budget = 100` + "\n  enforcer = \"bedgov\"\n  " + block("200", past), "is in the past"},
		{"slices without enforcer", `monthly_budget = 100` + "\n  cap_slices = 4", "set enforcer too, or remove cap_slices"},
		{"too many slices", `monthly_budget = 100` + "\n  enforcer = \"bedgov\"\n  cap_slices = 65", "cap_slices value must be between 1 and 64"},
		{"no slice", `monthly_budget = 100` + "\n  enforcer = \"bedgov\"\n  cap_slices = 0", "cap_slices value must be between 1 and 64"},
		{"override below budget", `monthly_budget = 100` + "\n  enforcer = \"bedgov\"\n  " + block("50", soon), "must be above monthly_budget 100.00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: teamConfig("valid", attr("model", sonnet), tc.body), PlanOnly: true, ExpectError: messageRe(tc.want),
				}},
			})
		})
	}
}
