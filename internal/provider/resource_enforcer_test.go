package provider_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer/artifact"
)

const enforcerAddr = "bedgov_enforcer.test"

func enforcerConfig(name string, body ...string) string {
	return acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_enforcer" "test" {
  name = %[1]q
  %[2]s
}
`, name, strings.Join(body, "\n  "))
}

func expectEnforcer(attribute string, check knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(enforcerAddr, tfjsonpath.New(attribute), check)
}

// enforcerObjects reports which of an enforcer's objects the API still has.
func enforcerObjects(t *testing.T, name string) map[string]bool {
	t.Helper()
	c := acctest.Client(t)
	ctx := context.Background()
	found := map[string]bool{}
	if _, err := awsops.FindFunction(ctx, c.Lambda, name+"-enforcer"); err == nil {
		found["function"] = true
	} else if !awsops.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := awsops.FindRole(ctx, c.IAM, name+"-enforcer"); err == nil {
		found["role"] = true
	} else if !awsops.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := awsops.FindCapTable(ctx, c.DynamoDB, name+"-caps"); err == nil {
		found["table"] = true
	} else if !awsops.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := awsops.FindLogGroup(ctx, c.Logs, "/aws/lambda/"+name+"-enforcer"); err == nil {
		found["log group"] = true
	} else if !awsops.IsNotFound(err) {
		t.Fatal(err)
	}
	return found
}

func checkEnforcerDestroyed(t *testing.T, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if left := enforcerObjects(t, name); len(left) > 0 {
			return fmt.Errorf("enforcer %s left behind: %v", name, left)
		}
		return nil
	}
}

func TestAccEnforcer_basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	arm, err := artifact.Get(artifact.ArchARM64)
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: enforcerConfig(name, `tags = { environment = "prod" }`,
					`pricing_overrides = { "anthropic.claude-3-5-sonnet-20241022-v2:0" = { input_per_mtok = "3", output_per_mtok = "15" } }`),
				ConfigStateChecks: []statecheck.StateCheck{
					expectEnforcer("id", knownvalue.StringExact(name)),
					expectEnforcer("function_name", knownvalue.StringExact(name+"-enforcer")),
					expectEnforcer("function_arn", knownvalue.StringExact("arn:aws:lambda:us-east-1:"+acctest.AccountID+":function:"+name+"-enforcer")),
					expectEnforcer("function_url", knownvalue.StringRegexp(regexp.MustCompile(`^https?://`))),
					expectEnforcer("role_arn", knownvalue.StringExact("arn:aws:iam::"+acctest.AccountID+":role/bedgov/"+name+"-enforcer")),
					expectEnforcer("table_name", knownvalue.StringExact(name+"-caps")),
					expectEnforcer("table_arn", knownvalue.StringRegexp(regexp.MustCompile(`:table/`+name+`-caps$`))),
					expectEnforcer("log_group_name", knownvalue.StringExact("/aws/lambda/"+name+"-enforcer")),
					expectEnforcer("reservation_index_status", knownvalue.StringExact("ACTIVE")),
					expectEnforcer("architecture", knownvalue.StringExact("arm64")),
					expectEnforcer("artifact_sha256", knownvalue.StringExact(arm.SHA256)),
					expectEnforcer("enforcer_version", knownvalue.StringExact("test")),
					expectEnforcer("tags_all", knownvalue.MapExact(map[string]knownvalue.Check{
						"environment": knownvalue.StringExact("prod"), "managed-by": knownvalue.StringExact("bedgov"),
					})),
				},
				Check: func(*terraform.State) error {
					c := acctest.Client(t)
					ctx := context.Background()
					fn, err := awsops.FindFunction(ctx, c.Lambda, name+"-enforcer")
					if err != nil {
						return err
					}
					env := fn.Configuration.Environment.Variables
					if env["BEDGOV_TABLE"] != name+"-caps" || env["BEDGOV_AUTH_MODE"] != "iam" || env["BEDGOV_FAIL_MODE"] != "closed" ||
						!strings.Contains(env["BEDGOV_PRICING_OVERRIDES"], `"output_per_mtok":"15"`) {
						return fmt.Errorf("function environment = %v", env)
					}
					if aws.ToString(fn.Configuration.CodeSha256) != arm.CodeSHA256 || string(fn.Configuration.Runtime) != "provided.al2023" {
						return fmt.Errorf("function code %s runtime %s", aws.ToString(fn.Configuration.CodeSha256), fn.Configuration.Runtime)
					}
					url, err := awsops.FindFunctionURL(ctx, c.Lambda, name+"-enforcer")
					if err != nil || url.AuthType != "AWS_IAM" || url.InvokeMode != "RESPONSE_STREAM" {
						return fmt.Errorf("function URL = %+v, %v", url, err)
					}
					table, err := awsops.FindCapTable(ctx, c.DynamoDB, name+"-caps")
					if err != nil || !table.TTL || !table.PITR || table.ReservationIndex != awsops.IndexActive {
						return fmt.Errorf("cap table = %+v, %v", table, err)
					}
					doc, err := awsops.RolePolicy(ctx, c.IAM, name+"-enforcer", "bedgov-enforcer")
					if err != nil || !strings.Contains(doc, ":table/"+name+"-caps") {
						return fmt.Errorf("role policy = %s, %v", doc, err)
					}
					return nil
				},
			},
			{
				ResourceName:            enforcerAddr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

func TestAccEnforcer_update(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	x86, err := artifact.Get(artifact.ArchX8664)
	if err != nil {
		t.Fatal(err)
	}
	var url string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: enforcerConfig(name),
				Check: func(s *terraform.State) error {
					url = s.RootModule().Resources[enforcerAddr].Primary.Attributes["function_url"]
					return nil
				},
			},
			{
				Config: enforcerConfig(name, `architecture = "x86_64"`, `memory_size = 512`, `timeout = 600`, `auth_mode = "api_key"`,
					`fail_mode = "open"`, `log_retention_days = 90`, `tags = { team = "platform" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(enforcerAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(enforcerAddr, tfjsonpath.New("artifact_sha256"), knownvalue.StringExact(x86.SHA256)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectEnforcer("architecture", knownvalue.StringExact("x86_64")),
					expectEnforcer("memory_size", knownvalue.Int64Exact(512)),
					expectEnforcer("log_retention_days", knownvalue.Int64Exact(90)),
				},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[enforcerAddr].Primary.Attributes["function_url"]; got != url {
						return fmt.Errorf("function URL changed from %s to %s: an update must keep it", url, got)
					}
					c := acctest.Client(t)
					ctx := context.Background()
					u, err := awsops.FindFunctionURL(ctx, c.Lambda, name+"-enforcer")
					if err != nil || u.AuthType != "NONE" {
						return fmt.Errorf("api_key mode needs a URL without AWS auth: %+v, %v", u, err)
					}
					policy, err := c.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(name + "-enforcer")})
					if err != nil || !strings.Contains(aws.ToString(policy.Policy), "lambda:InvokeFunctionUrl") {
						return fmt.Errorf("public URL permission missing: %v, %v", policy, err)
					}
					fn, err := awsops.FindFunction(ctx, c.Lambda, name+"-enforcer")
					if err != nil {
						return err
					}
					if fn.Configuration.Environment.Variables["BEDGOV_FAIL_MODE"] != "open" || aws.ToInt32(fn.Configuration.Timeout) != 600 {
						return fmt.Errorf("configuration not updated: %+v", fn.Configuration)
					}
					lg, err := awsops.FindLogGroup(ctx, c.Logs, "/aws/lambda/"+name+"-enforcer")
					if err != nil || aws.ToInt32(lg.RetentionInDays) != 90 {
						return fmt.Errorf("log retention = %v, %v", lg, err)
					}
					return nil
				},
			},
			{
				// Code deployed out of band (or an older enforcer) shows as an update that
				// puts this provider's package back.
				Config: enforcerConfig(name, `architecture = "x86_64"`, `memory_size = 512`, `timeout = 600`, `auth_mode = "api_key"`,
					`fail_mode = "open"`, `log_retention_days = 90`, `tags = { team = "platform" }`),
				PreConfig: func() {
					c := acctest.Client(t)
					if err := awsops.UpdateFunctionCode(context.Background(), c.Lambda, name+"-enforcer", otherZip(t), "x86_64"); err != nil {
						t.Fatal(err)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(enforcerAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectEnforcer("artifact_sha256", knownvalue.StringExact(x86.SHA256)),
				},
			},
			{
				// Removing a tag removes it from every object.
				Config: enforcerConfig(name, `architecture = "x86_64"`, `memory_size = 512`, `timeout = 600`, `auth_mode = "api_key"`,
					`fail_mode = "open"`, `log_retention_days = 90`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(enforcerAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					c := acctest.Client(t)
					ctx := context.Background()
					fn, err := awsops.FindFunction(ctx, c.Lambda, name+"-enforcer")
					if err != nil {
						return err
					}
					role, err := awsops.FindRole(ctx, c.IAM, name+"-enforcer")
					if err != nil {
						return err
					}
					if _, ok := fn.Tags["team"]; ok || len(role.Tags) != 1 {
						return fmt.Errorf("tags left: function %v, role %v", fn.Tags, role.Tags)
					}
					return nil
				},
			},
		},
	})
}

// otherZip is a valid Lambda package that is not this provider's enforcer.
func otherZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("#!/bin/sh\necho old enforcer\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Each sub-object deleted out of band is recreated by the next apply.
func TestAccEnforcer_disappears(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := map[string]func(t *testing.T, name string) error{
		"function": func(t *testing.T, name string) error {
			return awsops.DeleteFunction(ctx, acctest.Client(t).Lambda, name+"-enforcer")
		},
		"function_url": func(t *testing.T, name string) error {
			_, err := acctest.Client(t).Lambda.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String(name + "-enforcer")})
			return err
		},
		"role": func(t *testing.T, name string) error {
			return awsops.DeleteRole(ctx, acctest.Client(t).IAM, name+"-enforcer")
		},
		"table": func(t *testing.T, name string) error {
			_, err := acctest.Client(t).DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name + "-caps")})
			return err
		},
		"log_group": func(t *testing.T, name string) error {
			_, err := acctest.Client(t).Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/aws/lambda/" + name + "-enforcer")})
			return err
		},
	}
	for sub, destroy := range cases {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			name := acctest.RandomName()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkEnforcerDestroyed(t, name),
				Steps: []resource.TestStep{
					{
						Config:             enforcerConfig(name),
						Check:              func(*terraform.State) error { return destroy(t, name) },
						ExpectNonEmptyPlan: true,
					},
					{
						Config: enforcerConfig(name),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(enforcerAddr, plancheck.ResourceActionUpdate),
						}},
						Check: func(*terraform.State) error {
							if got := enforcerObjects(t, name); len(got) != 4 {
								return fmt.Errorf("after re-apply: %v", got)
							}
							_, err := awsops.FindFunctionURL(ctx, acctest.Client(t).Lambda, name+"-enforcer")
							return err
						},
					},
				},
			})
		})
	}
}

// A failure at any create step leaves nothing orphaned.
//
// Not parallel: an injected fault matches any caller.
func TestAccEnforcer_partialCreate(t *testing.T) {
	acctest.PartialCreate(t, acctest.Calls(
		"dynamodb:UpdateTimeToLive", "logs:CreateLogGroup", "iam:CreateRole", "iam:PutRolePolicy",
		"lambda:CreateFunction", "lambda:CreateFunctionUrlConfig",
	), func(t *testing.T) acctest.PartialCreateRun {
		name := acctest.RandomName()
		return acctest.PartialCreateRun{
			Config: enforcerConfig(name),
			Converged: func(*terraform.State) error {
				if got := enforcerObjects(t, name); len(got) != 4 {
					return fmt.Errorf("after converging: %v", got)
				}
				return nil
			},
			CheckDestroy: checkEnforcerDestroyed(t, name),
		}
	})
}

func TestAccEnforcer_validation(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, config, want string }{
		{"name", enforcerConfig("Bedgov"), `must be lowercase letters, digits and single hyphens`},
		{"architecture", enforcerConfig("bedgov", `architecture = "sparc"`), `value must be one of`},
		{"memory", enforcerConfig("bedgov", `memory_size = 64`), `memory_size value must be between 128 and 10240`},
		{"retention", enforcerConfig("bedgov", `log_retention_days = 2`), `log_retention_days value must be one of`},
		{"auth mode", enforcerConfig("bedgov", `auth_mode = "password"`), `value must be one of`},
		{"price", enforcerConfig("bedgov", `pricing_overrides = { m = { input_per_mtok = "-1", output_per_mtok = "15" } }`), `must be a USD amount per million tokens`},
		{"region without function URLs", strings.Replace(enforcerConfig("bedgov"), `region      = "us-east-1"`, `region      = "eu-central-2"`, 1),
			`Lambda offers no function URLs in eu-central-2`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: messageRe(tc.want)}},
			})
		})
	}
}

// A provider built without the enforcer package fails at plan, naming the make target,
// before anything is created.
//
// Not parallel: it hides the embedded packages from the whole provider.
func TestAccEnforcer_missingArtifact(t *testing.T) {
	restore := artifact.WithoutArtifacts()
	defer restore()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      enforcerConfig(acctest.RandomName()),
			ExpectError: messageRe("run `make artifact`"),
		}},
	})
}
