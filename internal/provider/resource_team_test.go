package provider_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const (
	sonnet    = "anthropic.claude-3-5-sonnet-20241022-v2:0"
	haiku     = "anthropic.claude-3-haiku-20240307-v1:0"
	usSonnet  = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
	teamAddr  = "bedgov_team.test"
	modelBase = "arn:aws:bedrock:us-east-1::foundation-model/"
)

// teamConfig is a team with the given attributes (HCL lines) after the name.
func teamConfig(name string, body ...string) string {
	return acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_team" "test" {
  name = %[1]q
  %[2]s
}
`, name, strings.Join(body, "\n  "))
}

func attr(k string, v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%s = %q", k, v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = fmt.Sprintf("%q", s)
		}
		return fmt.Sprintf("%s = [%s]", k, strings.Join(q, ", "))
	case map[string]string:
		var b strings.Builder
		fmt.Fprintf(&b, "%s = {\n", k)
		for mk, mv := range v {
			fmt.Fprintf(&b, "    %q = %q\n", mk, mv)
		}
		b.WriteString("  }")
		return b.String()
	}
	panic(fmt.Sprintf("attr %s: unsupported %T", k, v))
}

func expect(attribute string, check knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(teamAddr, tfjsonpath.New(attribute), check)
}

// createRole makes an IAM role for a test to attach the team's policy to.
func createRole(t *testing.T, name string) string {
	t.Helper()
	c := acctest.Client(t)
	out, err := c.IAM.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = c.IAM.DeleteRole(context.Background(), &iam.DeleteRoleInput{RoleName: aws.String(name)})
	})
	return aws.ToString(out.Role.Arn)
}

// teamObjects lists what the API holds for a team: its application profiles and policy.
func teamObjects(t *testing.T, name string) (profiles []string, policy bool) {
	t.Helper()
	c := acctest.Client(t)
	ctx := context.Background()
	list, err := awsops.ListApplicationProfiles(ctx, c.Bedrock, "bedgov-"+name+"-")
	if err != nil {
		t.Fatalf("list profiles: %v", err)
	}
	for _, p := range list {
		profiles = append(profiles, aws.ToString(p.InferenceProfileName))
	}
	_, err = awsops.FindPolicy(ctx, c.IAM, policyARN(name))
	if err != nil && !awsops.IsNotFound(err) {
		t.Fatalf("get policy: %v", err)
	}
	return profiles, err == nil
}

func policyARN(name string) string {
	return "arn:aws:iam::" + acctest.AccountID + ":policy/bedgov/bedgov-" + name + "-invoke"
}

// checkTeamDestroyed asks the API, not the state, that nothing of the team is left.
func checkTeamDestroyed(t *testing.T, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		profiles, policy := teamObjects(t, name)
		if len(profiles) > 0 || policy {
			return fmt.Errorf("team %s left behind: profiles %v, policy %v", name, profiles, policy)
		}
		return nil
	}
}

// attachedTo checks in IAM that the team's policy is attached to exactly these roles.
func attachedTo(t *testing.T, name string, roles ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		keys, err := awsops.AttachedEntities(context.Background(), acctest.Client(t).IAM, policyARN(name))
		if err != nil {
			return err
		}
		if len(keys) != len(roles) {
			return fmt.Errorf("policy attached to %v, want roles %v", keys, roles)
		}
		for _, r := range roles {
			if !keys["role:"+r] {
				return fmt.Errorf("policy not attached to role %s (attached: %v)", r, keys)
			}
		}
		return nil
	}
}

func TestAccTeam_basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	role := createRole(t, name+"-app")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkTeamDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: teamConfig(name, attr("model", sonnet), attr("degrade_to_model", haiku), attr("cost_center", "AI-001"),
					attr("principals", []string{role}), attr("tags", map[string]string{"environment": "prod"})),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("id", knownvalue.StringExact(name)),
					expect("inference_profile_arn", knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:bedrock:us-east-1:`+acctest.AccountID+`:application-inference-profile/[a-z0-9]+$`))),
					expect("degrade_inference_profile_arn", knownvalue.StringRegexp(regexp.MustCompile(`application-inference-profile/`))),
					expect("model_source_arn", knownvalue.StringExact(modelBase+sonnet)),
					expect("model_arns", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(modelBase + sonnet), knownvalue.StringExact(modelBase + haiku),
					})),
					expect("policy_arn", knownvalue.StringExact(policyARN(name))),
					expect("policy_json", knownvalue.StringRegexp(regexp.MustCompile(`"bedrock:InferenceProfileArn"`))),
					expect("tags_all", knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact(name), "managed-by": knownvalue.StringExact("bedgov"),
						"cost-center": knownvalue.StringExact("AI-001"), "environment": knownvalue.StringExact("prod"),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					attachedTo(t, name, name+"-app"),
					func(s *terraform.State) error {
						// The profile carries the cost allocation tags in Bedrock itself.
						arn := s.RootModule().Resources[teamAddr].Primary.Attributes["inference_profile_arn"]
						tags, err := awsops.ProfileTags(context.Background(), acctest.Client(t).Bedrock, arn)
						if err != nil {
							return err
						}
						if tags["team"] != name || tags["cost-center"] != "AI-001" || tags["environment"] != "prod" {
							return fmt.Errorf("profile tags = %v", tags)
						}
						return nil
					},
				),
			},
			{
				ResourceName:            teamAddr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

func TestAccTeam_update(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	roleA := createRole(t, name+"-a")
	roleB := createRole(t, name+"-b")
	var firstProfile string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkTeamDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: teamConfig(name, attr("model", sonnet), attr("principals", []string{roleA}), attr("tags", map[string]string{"environment": "dev"})),
				Check: resource.ComposeTestCheckFunc(
					attachedTo(t, name, name+"-a"),
					func(s *terraform.State) error {
						firstProfile = s.RootModule().Resources[teamAddr].Primary.Attributes["inference_profile_arn"]
						return nil
					},
				),
			},
			{
				// Tags, principals and cost center change in place; the profile stays.
				Config: teamConfig(name, attr("model", sonnet), attr("cost_center", "AI-002"), attr("principals", []string{roleB}),
					attr("tags", map[string]string{"environment": "prod"})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("inference_profile_arn"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("tags_all", knownvalue.MapPartial(map[string]knownvalue.Check{
						"environment": knownvalue.StringExact("prod"), "cost-center": knownvalue.StringExact("AI-002"),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					attachedTo(t, name, name+"-b"),
					resource.TestCheckResourceAttrPtr(teamAddr, "inference_profile_arn", &firstProfile),
				),
			},
			{
				// A model swap replaces only the profile, inside the team; the old one goes.
				Config: teamConfig(name, attr("model", haiku), attr("cost_center", "AI-002"), attr("principals", []string{roleB}),
					attr("tags", map[string]string{"environment": "prod"})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(teamAddr, tfjsonpath.New("inference_profile_arn")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("model_arns", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(modelBase + haiku)})),
					expect("policy_json", knownvalue.StringRegexp(regexp.MustCompile(regexp.QuoteMeta(modelBase+haiku)))),
				},
				Check: func(s *terraform.State) error {
					now := s.RootModule().Resources[teamAddr].Primary.Attributes["inference_profile_arn"]
					if now == firstProfile {
						return errors.New("the profile was not replaced")
					}
					if _, err := awsops.FindInferenceProfile(context.Background(), acctest.Client(t).Bedrock, firstProfile); !awsops.IsNotFound(err) {
						return fmt.Errorf("old profile %s still exists (err %v)", firstProfile, err)
					}
					return attachedTo(t, name, name+"-b")(s)
				},
			},
			{
				// Another spelling of the same model keeps the profile.
				Config: teamConfig(name, attr("model", modelBase+haiku), attr("cost_center", "AI-002"), attr("principals", []string{roleB}),
					attr("tags", map[string]string{"environment": "prod"})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("inference_profile_arn"), knownvalue.NotNull()),
				}},
			},
			{
				// Add then drop the degrade profile; a cross-region source routes to several regions.
				Config: teamConfig(name, attr("model", usSonnet), attr("degrade_to_model", haiku), attr("principals", []string{roleB})),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("model_source_arn", knownvalue.StringRegexp(regexp.MustCompile(`:inference-profile/us\.anthropic`))),
					expect("degrade_inference_profile_arn", knownvalue.NotNull()),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckTypeSetElemAttr(teamAddr, "model_arns.*", modelBase+haiku),
					resource.TestCheckTypeSetElemAttr(teamAddr, "model_arns.*", "arn:aws:bedrock:us-west-2::foundation-model/"+sonnet),
				),
			},
			{
				Config: teamConfig(name, attr("model", usSonnet), attr("principals", []string{roleB})),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("degrade_inference_profile_arn", knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					profiles, _ := teamObjects(t, name)
					if len(profiles) != 1 {
						return fmt.Errorf("profiles = %v, want only the primary", profiles)
					}
					return nil
				},
			},
		},
	})
}

// Each sub-object deleted out of band is recreated by the next apply.
func TestAccTeam_disappears(t *testing.T) {
	t.Parallel()
	deleteProfile := func(attribute string) func(*testing.T, *terraform.State) error {
		return func(t *testing.T, s *terraform.State) error {
			arn := s.RootModule().Resources[teamAddr].Primary.Attributes[attribute]
			_, err := acctest.Client(t).Bedrock.DeleteInferenceProfile(context.Background(), &bedrock.DeleteInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)})
			return err
		}
	}
	cases := map[string]func(*testing.T, *terraform.State) error{
		"profile":         deleteProfile("inference_profile_arn"),
		"degrade_profile": deleteProfile("degrade_inference_profile_arn"),
		"policy": func(t *testing.T, s *terraform.State) error {
			return awsops.DeletePolicy(context.Background(), acctest.Client(t).IAM, s.RootModule().Resources[teamAddr].Primary.Attributes["policy_arn"])
		},
	}
	for sub, destroy := range cases {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			name := acctest.RandomName()
			role := createRole(t, name+"-app")
			config := teamConfig(name, attr("model", sonnet), attr("degrade_to_model", haiku), attr("principals", []string{role}))
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkTeamDestroyed(t, name),
				Steps: []resource.TestStep{
					{
						Config:             config,
						Check:              func(s *terraform.State) error { return destroy(t, s) },
						ExpectNonEmptyPlan: true,
					},
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
						}},
						Check: resource.ComposeTestCheckFunc(
							attachedTo(t, name, name+"-app"),
							func(*terraform.State) error {
								profiles, policy := teamObjects(t, name)
								if len(profiles) != 2 || !policy {
									return fmt.Errorf("after re-apply: profiles %v, policy %v", profiles, policy)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// A failure at any create step leaves nothing orphaned: what was made is in state, the
// next apply converges, and destroy removes everything.
//
// Not parallel: an injected fault matches any caller.
func TestAccTeam_partialCreate(t *testing.T) {
	acctest.PartialCreate(t, acctest.Calls(
		"bedrock:CreateInferenceProfile#1", "bedrock:CreateInferenceProfile#2", // the second is the degrade profile
		"bedrock:GetInferenceProfile#1", "iam:CreatePolicy#1", "iam:AttachRolePolicy#1",
	), func(t *testing.T) acctest.PartialCreateRun {
		name := acctest.RandomName()
		role := createRole(t, name+"-app")
		return acctest.PartialCreateRun{
			Config: teamConfig(name, attr("model", sonnet), attr("degrade_to_model", haiku), attr("principals", []string{role})),
			Converged: resource.ComposeTestCheckFunc(
				attachedTo(t, name, name+"-app"),
				func(*terraform.State) error {
					profiles, policy := teamObjects(t, name)
					if len(profiles) != 2 || !policy {
						return fmt.Errorf("after converging: profiles %v, policy %v", profiles, policy)
					}
					return nil
				},
			),
			CheckDestroy: checkTeamDestroyed(t, name),
		}
	})
}

// messageRe matches a diagnostic's text however Terraform wraps its lines.
func messageRe(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.Join(strings.Fields(text), `\s+`))
}

func TestAccTeam_validation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, config, want string
	}{
		{"uppercase name", teamConfig("AI-Core", attr("model", sonnet)), `must be lowercase letters, digits and single hyphens`},
		{"double hyphen", teamConfig("ai--core", attr("model", sonnet)), `must be lowercase letters, digits and single hyphens`},
		{"long name", teamConfig(strings.Repeat("a", 33), attr("model", sonnet)), `string length must be between 2 and 32`},
		{"unknown model", teamConfig("valid", attr("model", "anthropic.claude-9-opus-v1:0")), `model "anthropic.claude-9-opus-v1:0" is not available in region us-east-1`},
		{"wrong region", teamConfig("valid", attr("model", "arn:aws:bedrock:eu-west-1::foundation-model/"+sonnet)), `is in region eu-west-1 but the provider is configured for us-east-1`},
		{"unknown profile", teamConfig("valid", attr("model", "eu.anthropic.claude-3-5-sonnet-20241022-v2:0")), `inference profile "eu.anthropic.claude-3-5-sonnet-20241022-v2:0" is not available in region us-east-1`},
		{"profile-only model", teamConfig("valid", attr("model", "anthropic.claude-3-7-sonnet-20250219-v1:0")),
			`(?s)model "anthropic.claude-3-7-sonnet-20250219-v1:0" is not offered on demand in region us-east-1: Bedrock serves it only through an inference profile. Set the model to one of these system-defined profiles:.*us.anthropic.claude-3-7-sonnet-20250219-v1:0`},
		{"reserved tag", teamConfig("valid", attr("model", sonnet), attr("tags", map[string]string{"team": "x"})), `value must be none of`},
		{"bad principal", teamConfig("valid", attr("model", sonnet), attr("principals", []string{"arn:aws:s3:::bucket"})), `is not an IAM role, user or group ARN`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: tc.config, PlanOnly: true, ExpectError: messageRe(tc.want),
				}},
			})
		})
	}
}

// default_tags merge under the team's tags and show in tags_all.
func TestAccTeam_defaultTags(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	config := func(defaultEnv string) string {
		return acctest.ProviderConfigWith(fmt.Sprintf(`
  default_tags {
    tags = { owner = "platform", environment = %q }
  }`, defaultEnv)) + fmt.Sprintf(`
resource "bedgov_team" "test" {
  name  = %[1]q
  model = %[2]q
  tags  = { environment = "prod" }
}
`, name, sonnet)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkTeamDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: config("dev"),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("tags_all", knownvalue.MapExact(map[string]knownvalue.Check{
						"owner": knownvalue.StringExact("platform"), "environment": knownvalue.StringExact("prod"),
						"team": knownvalue.StringExact(name), "managed-by": knownvalue.StringExact("bedgov"),
					})),
				},
			},
			{
				Config:           config("test"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// IAM eventual consistency (a policy invisible right after its creation), Bedrock
// throttling and ConflictException are retried until the apply succeeds.
//
// Not parallel: injected faults and invisibility match any caller.
func TestAccTeam_retries(t *testing.T) {
	name := acctest.RandomName()
	role := createRole(t, name+"-app")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkTeamDestroyed(t, name),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				emu := acctest.Emulator(t)
				emu.Store().HideNext(localaws.KindPolicy, 2)
				emu.FailTimes("bedrock", "CreateInferenceProfile", 2, localaws.ErrThrottling())
				emu.FailTimes("bedrock", "DeleteInferenceProfile", 1, localaws.ErrorStatus(409, "ConflictException", "profile is in use"))
				emu.ResetCalls()
			},
			Config: teamConfig(name, attr("model", sonnet), attr("principals", []string{role})),
			Check: resource.ComposeTestCheckFunc(
				attachedTo(t, name, name+"-app"),
				func(*terraform.State) error {
					emu := acctest.Emulator(t)
					// The SDK's retries of the throttled calls count here: CallCount, not RequestedCount.
					if n := emu.CallCount("bedrock", "CreateInferenceProfile"); n != 3 {
						return fmt.Errorf("CreateInferenceProfile called %d times, want 3 (two throttled)", n)
					}
					if n := emu.CallCount("iam", "AttachRolePolicy"); n < 3 {
						return fmt.Errorf("AttachRolePolicy called %d times, want at least 3 (policy invisible twice)", n)
					}
					return nil
				},
			),
		}},
	})
}

// Tags and the policy document changed out of band show as drift and are put back.
func TestAccTeam_drift(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	config := teamConfig(name, attr("model", sonnet), attr("tags", map[string]string{"environment": "prod"}))
	ctx := context.Background()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkTeamDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					c := acctest.Client(t)
					arn := s.RootModule().Resources[teamAddr].Primary.Attributes["inference_profile_arn"]
					if _, err := c.Bedrock.TagResource(ctx, &bedrock.TagResourceInput{ResourceARN: aws.String(arn),
						Tags: []bedrocktypes.Tag{{Key: aws.String("environment"), Value: aws.String("hacked")}}}); err != nil {
						return err
					}
					return awsops.UpdatePolicyDocument(ctx, c.IAM, policyARN(name),
						`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:*","Resource":"*"}]}`)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("policy_json"), knownvalue.StringRegexp(regexp.MustCompile(`InvokeTeamProfiles`))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("tags_all", knownvalue.MapPartial(map[string]knownvalue.Check{"environment": knownvalue.StringExact("prod")})),
					expect("policy_json", knownvalue.StringRegexp(regexp.MustCompile(`bedrock:InferenceProfileArn`))),
				},
			},
		},
	})
}

func TestAccTeam_importNotFound(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:        teamConfig("nobody-here", attr("model", sonnet)),
			ResourceName:  teamAddr,
			ImportState:   true,
			ImportStateId: "nobody-here",
			ExpectError:   messageRe(`No bedgov team "nobody-here" in us-east-1`),
		}},
	})
}

// Users and groups are principals too: attached and detached like roles.
func TestAccTeam_userAndGroupPrincipals(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	c := acctest.Client(t)
	ctx := context.Background()
	user, err := c.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name + "-user")})
	if err != nil {
		t.Fatal(err)
	}
	group, err := c.IAM.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name + "-group")})
	if err != nil {
		t.Fatal(err)
	}
	principals := []string{aws.ToString(user.User.Arn), aws.ToString(group.Group.Arn)}
	attachedKeys := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			keys, err := awsops.AttachedEntities(ctx, c.IAM, policyARN(name))
			if err != nil {
				return err
			}
			if len(keys) != len(want) {
				return fmt.Errorf("attached to %v, want %v", keys, want)
			}
			for _, k := range want {
				if !keys[k] {
					return fmt.Errorf("attached to %v, want %v", keys, want)
				}
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkTeamDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: teamConfig(name, attr("model", sonnet), attr("principals", principals)),
				Check:  attachedKeys("user:"+name+"-user", "group:"+name+"-group"),
			},
			{
				Config: teamConfig(name, attr("model", sonnet)),
				Check:  attachedKeys(),
			},
		},
	})
}
