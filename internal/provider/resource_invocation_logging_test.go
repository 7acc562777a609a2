package provider_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

// The logging configuration is one per account and Region, so none of these tests runs
// in parallel with another of them (parallel tests of other resources wait until the
// sequential ones are done).

const loggingAddr = "bedgov_invocation_logging.test"

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

func loggingConfig(bucket string, body ...string) string {
	return acctest.ProviderConfig() + loggingBlock(bucket, body...)
}

func loggingBlock(bucket string, body ...string) string {
	return fmt.Sprintf(`
resource "bedgov_invocation_logging" "test" {
  s3_bucket_name = %[1]q
  %[2]s
}
`, bucket, strings.Join(body, "\n  "))
}

// teamBlock is a minimal team for the query to find.
func teamBlock(label, name string) string {
	return fmt.Sprintf(`
resource "bedgov_team" %[1]q {
  name  = %[2]q
  model = %[3]q
}
`, label, name, haiku)
}

func expectLogging(attribute string, check knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(loggingAddr, tfjsonpath.New(attribute), check)
}

func logBucketName() string { return acctest.RandomName() + "-logs" }

// fullLoggingConfig is a resource with every sub-object: a new bucket, a log group and
// a named query.
func fullLoggingConfig() (bucket, logGroup, config string) {
	bucket = logBucketName()
	logGroup = "/bedgov/" + bucket
	return bucket, logGroup, loggingConfig(bucket, fmt.Sprintf("log_group_name = %q", logGroup), `athena_workgroup = "primary"`)
}

const roleName = "bedgov-invocation-logging-" + acctest.Region

// loggingObjects reports which of the resource's objects the API still has.
func loggingObjects(t *testing.T, bucket, logGroup, queryID string) map[string]bool {
	t.Helper()
	c := acctest.Client(t)
	ctx := context.Background()
	found := map[string]bool{}
	check := func(what string, err error) {
		switch {
		case err == nil:
			found[what] = true
		case !awsops.IsNotFound(err):
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := awsops.FindBucket(ctx, c.S3, bucket)
	check("bucket", err)
	cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
	if err == nil && (cfg.S3Config == nil || aws.ToString(cfg.S3Config.BucketName) != bucket) {
		t.Fatalf("the logging configuration delivers to another bucket: %+v", cfg.S3Config)
	}
	check("logging", err)
	_, err = awsops.FindGlueDatabase(ctx, c.Glue, "bedgov_invocation_logs")
	check("database", err)
	tbl, err := awsops.FindGlueTable(ctx, c.Glue, "bedgov_invocation_logs", "invocations")
	if err == nil && !awsops.LogTableMatches(tbl, auditlog.LogTable(auditlog.Destination{Partition: "aws", Account: acctest.AccountID, Region: acctest.Region, Bucket: bucket}, "bedgov_invocation_logs", "invocations")) {
		err = fmt.Errorf("the table is not bedgov's log table over %s: %+v", bucket, tbl.StorageDescriptor)
	}
	check("table", err)
	if logGroup != "" {
		_, err = awsops.FindLogGroup(ctx, c.Logs, logGroup)
		check("log group", err)
	}
	_, err = awsops.FindRole(ctx, c.IAM, roleName)
	check("role", err)
	if queryID != "" {
		_, err = awsops.FindNamedQuery(ctx, c.Athena, queryID)
		check("named query", err)
	}
	return found
}

// checkAllLoggingObjects asserts that all seven objects of a resource with a log group
// and a named query exist.
func checkAllLoggingObjects(t *testing.T, s *terraform.State, bucket, logGroup string) error {
	if got := loggingObjects(t, bucket, logGroup, stateAttr(s, loggingAddr, "named_query_id")); len(got) != 7 {
		return fmt.Errorf("objects present: %v, want all 7", got)
	}
	return nil
}

func checkLoggingDestroyed(t *testing.T, bucket, logGroup string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if left := loggingObjects(t, bucket, logGroup, ""); len(left) > 0 {
			return fmt.Errorf("invocation logging left behind: %v", left)
		}
		return nil
	}
}

func stateAttr(s *terraform.State, addr, name string) string {
	if r := s.RootModule().Resources[addr]; r != nil {
		return r.Primary.Attributes[name]
	}
	return ""
}

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name, got string) error {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(file, []byte(got), 0o600); err != nil {
			return err
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%w (run go test ./internal/provider -run TestAccInvocationLogging_basic -update to create it)", err)
	}
	if got != string(want) {
		return fmt.Errorf("%s differs (run with -update after checking the change):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
	return nil
}

func TestAccInvocationLogging_basic(t *testing.T) {
	bucket, team := logBucketName(), acctest.RandomName()
	logGroup := "/bedgov/" + team
	config := acctest.ProviderConfigWith(`  default_tags {
    tags = { owner = "platform" }
  }`) + teamBlock("a", team) + loggingBlock(bucket,
		`log_group_name   = `+fmt.Sprintf("%q", logGroup),
		`athena_workgroup = "primary"`,
		`tags             = { purpose = "audit" }`,
		`depends_on       = [bedgov_team.a]`)
	bucketARN := "arn:aws:s3:::" + bucket
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkLoggingDestroyed(t, bucket, logGroup),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectLogging("id", knownvalue.StringExact(acctest.Region)),
					expectLogging("bucket_arn", knownvalue.StringExact(bucketARN)),
					expectLogging("role_arn", knownvalue.StringExact("arn:aws:iam::"+acctest.AccountID+":role/bedgov/"+roleName)),
					expectLogging("log_group_arn", knownvalue.StringExact("arn:aws:logs:us-east-1:"+acctest.AccountID+":log-group:"+logGroup)),
					expectLogging("log_group_created", knownvalue.Bool(true)),
					expectLogging("logging_enabled", knownvalue.Bool(true)),
					expectLogging("public_access_blocked", knownvalue.Bool(true)),
					expectLogging("retention_days", knownvalue.Int64Exact(365)),
					expectLogging("include_text", knownvalue.Bool(false)),
					expectLogging("glue_database_name", knownvalue.StringExact("bedgov_invocation_logs")),
					expectLogging("glue_table_name", knownvalue.StringExact("invocations")),
					expectLogging("named_query_id", knownvalue.NotNull()),
					expectLogging("tags_all", knownvalue.MapExact(map[string]knownvalue.Check{
						"owner": knownvalue.StringExact("platform"), "purpose": knownvalue.StringExact("audit"), "managed-by": knownvalue.StringExact("bedgov"),
					})),
				},
				Check: func(s *terraform.State) error {
					c := acctest.Client(t)
					ctx := context.Background()
					st, err := awsops.FindBucketState(ctx, c.S3, bucket)
					if err != nil {
						return err
					}
					if !st.PublicAccessBlocked || st.SSEAlgorithm != "AES256" || st.RetentionDays != 365 || !strings.Contains(st.Policy, `"aws:SourceAccount": "`+acctest.AccountID+`"`) {
						return fmt.Errorf("bucket = %+v", st)
					}
					cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
					if err != nil {
						return err
					}
					if aws.ToBool(cfg.TextDataDeliveryEnabled) || aws.ToBool(cfg.ImageDataDeliveryEnabled) || aws.ToBool(cfg.EmbeddingDataDeliveryEnabled) ||
						cfg.CloudWatchConfig == nil || aws.ToString(cfg.CloudWatchConfig.LogGroupName) != logGroup {
						return fmt.Errorf("logging configuration = %+v", cfg)
					}
					lg, err := awsops.FindLogGroup(ctx, c.Logs, logGroup)
					if err != nil || aws.ToInt32(lg.RetentionInDays) != 365 {
						return fmt.Errorf("log group = %+v, %v", lg, err)
					}
					doc, err := awsops.RolePolicy(ctx, c.IAM, roleName, "bedgov-invocation-logging")
					if err != nil || !strings.Contains(doc, "log-group:"+logGroup+":log-stream:") {
						return fmt.Errorf("role policy = %s, %v", doc, err)
					}
					tbl, err := awsops.FindGlueTable(ctx, c.Glue, "bedgov_invocation_logs", "invocations")
					if err != nil || aws.ToString(tbl.StorageDescriptor.Location) != "s3://"+bucket+"/AWSLogs/"+acctest.AccountID+"/BedrockModelInvocationLogs/us-east-1/" {
						return fmt.Errorf("table = %+v, %v", tbl, err)
					}
					q, err := awsops.FindNamedQuery(ctx, c.Athena, stateAttr(s, loggingAddr, "named_query_id"))
					if err != nil {
						return err
					}
					text := aws.ToString(q.QueryString)
					if text != stateAttr(s, loggingAddr, "query_text") || aws.ToString(q.WorkGroup) != "primary" {
						return fmt.Errorf("named query = %+v", q)
					}
					// The team created in the same apply is in the query; the rest is golden.
					profile := stateAttr(s, "bedgov_team.a", "inference_profile_arn")
					if !strings.Contains(text, "'"+profile+"', '"+team+"'") {
						return fmt.Errorf("query lacks team %s (%s):\n%s", team, profile, text)
					}
					return golden(t, "invocation_logging_query.sql", strings.NewReplacer(profile, "PROFILE_ARN", team, "TEAM").Replace(text))
				},
			},
			{
				ResourceName:            loggingAddr,
				ImportState:             true,
				ImportStateId:           acctest.Region,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

func TestAccInvocationLogging_update(t *testing.T) {
	bucket, renamed, team := logBucketName(), logBucketName(), acctest.RandomName()
	logGroup := "/bedgov/" + team
	kms := "arn:aws:kms:us-east-1:" + acctest.AccountID + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	full := []string{
		fmt.Sprintf("log_group_name = %q", logGroup), `athena_workgroup = "primary"`, `retention_days = 90`,
		fmt.Sprintf("kms_key_arn = %q", kms), `include_text = true`, `include_embedding = true`, `tags = { purpose = "audit" }`,
	}
	var queryID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkLoggingDestroyed(t, bucket, logGroup), checkLoggingDestroyed(t, renamed, logGroup)),
		Steps: []resource.TestStep{
			{
				Config: loggingConfig(bucket),
				ConfigStateChecks: []statecheck.StateCheck{
					expectLogging("named_query_id", knownvalue.Null()),
					expectLogging("role_arn", knownvalue.Null()),
					expectLogging("query_text", knownvalue.StringRegexp(regexp.MustCompile(`FROM "bedgov_invocation_logs"\."invocations"`))),
				},
			},
			{
				Config: loggingConfig(bucket, full...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLogging("kms_key_arn", knownvalue.StringExact(kms)),
					expectLogging("retention_days", knownvalue.Int64Exact(90)),
					expectLogging("log_group_created", knownvalue.Bool(true)),
				},
				Check: func(s *terraform.State) error {
					queryID = stateAttr(s, loggingAddr, "named_query_id")
					c := acctest.Client(t)
					ctx := context.Background()
					st, err := awsops.FindBucketState(ctx, c.S3, bucket)
					if err != nil || st.SSEAlgorithm != "aws:kms" || st.KMSKeyARN != kms || st.RetentionDays != 90 {
						return fmt.Errorf("bucket = %+v, %v", st, err)
					}
					cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
					if err != nil || !aws.ToBool(cfg.TextDataDeliveryEnabled) || !aws.ToBool(cfg.EmbeddingDataDeliveryEnabled) || aws.ToBool(cfg.ImageDataDeliveryEnabled) || cfg.CloudWatchConfig == nil {
						return fmt.Errorf("logging configuration = %+v, %v", cfg, err)
					}
					lg, err := awsops.FindLogGroup(ctx, c.Logs, logGroup)
					if err != nil || aws.ToInt32(lg.RetentionInDays) != 90 {
						return fmt.Errorf("log group = %+v, %v", lg, err)
					}
					tags, err := awsops.BucketTags(ctx, c.S3, bucket)
					if err != nil || tags["purpose"] != "audit" {
						return fmt.Errorf("bucket tags = %v, %v", tags, err)
					}
					return nil
				},
			},
			{
				// A team created after the query was written: the apply that creates it
				// cannot know it at plan, the next plan updates the query in place.
				Config:             loggingConfig(bucket, full...) + teamBlock("a", team),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: loggingConfig(bucket, full...) + teamBlock("a", team),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error {
					if got := stateAttr(s, loggingAddr, "named_query_id"); got != queryID {
						return fmt.Errorf("named query replaced (%s, was %s): the text should change in place", got, queryID)
					}
					q, err := awsops.FindNamedQuery(context.Background(), acctest.Client(t).Athena, queryID)
					if err != nil || !strings.Contains(aws.ToString(q.QueryString), stateAttr(s, "bedgov_team.a", "inference_profile_arn")) {
						return fmt.Errorf("named query does not name the new team: %v", err)
					}
					return nil
				},
			},
			{
				// Without a log group and a workgroup: the role, the group bedgov made and
				// the named query go.
				Config: loggingConfig(bucket, `retention_days = 90`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLogging("role_arn", knownvalue.Null()),
					expectLogging("named_query_id", knownvalue.Null()),
					expectLogging("kms_key_arn", knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					left := loggingObjects(t, bucket, logGroup, queryID)
					if left["log group"] || left["role"] || left["named query"] || !left["bucket"] || !left["logging"] {
						return fmt.Errorf("after removing the log group and workgroup: %v", left)
					}
					st, err := awsops.FindBucketState(context.Background(), acctest.Client(t).S3, bucket)
					if err != nil || st.SSEAlgorithm != "AES256" {
						return fmt.Errorf("bucket = %+v, %v", st, err)
					}
					return nil
				},
			},
			{
				// Another bucket replaces the whole resource, named query included.
				Config: loggingConfig(renamed, `athena_workgroup = "primary"`) + teamBlock("a", team),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(s *terraform.State) error {
					if _, err := awsops.FindBucket(context.Background(), acctest.Client(t).S3, bucket); !awsops.IsNotFound(err) {
						return fmt.Errorf("the old bucket is left: %v", err)
					}
					if got := loggingObjects(t, renamed, "", stateAttr(s, loggingAddr, "named_query_id")); len(got) != 5 {
						return fmt.Errorf("after replacing: %v", got)
					}
					return nil
				},
			},
		},
	})
}

// Each sub-object deleted or changed out of band is put back by the next apply.
func TestAccInvocationLogging_disappears(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(t *testing.T, s *terraform.State, bucket, logGroup string) error{
		"bucket": func(t *testing.T, _ *terraform.State, bucket, _ string) error {
			return awsops.DeleteBucket(ctx, acctest.Client(t).S3, bucket)
		},
		"bucket_policy": func(t *testing.T, _ *terraform.State, bucket, _ string) error {
			_, err := acctest.Client(t).S3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)})
			return err
		},
		"public_access_block": func(t *testing.T, _ *terraform.State, bucket, _ string) error {
			_, err := acctest.Client(t).S3.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)})
			return err
		},
		"logging_configuration": func(t *testing.T, _ *terraform.State, _, _ string) error {
			return awsops.DeleteInvocationLogging(ctx, acctest.Client(t).Bedrock)
		},
		"text_logging_on": func(t *testing.T, _ *terraform.State, bucket, _ string) error {
			_, err := acctest.Client(t).Bedrock.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{
				LoggingConfig: &bedrocktypes.LoggingConfig{S3Config: &bedrocktypes.S3Config{BucketName: aws.String(bucket)}, TextDataDeliveryEnabled: aws.Bool(true)}})
			return err
		},
		"log_group": func(t *testing.T, _ *terraform.State, _, logGroup string) error {
			return awsops.DeleteLogGroup(ctx, acctest.Client(t).Logs, logGroup)
		},
		"role": func(t *testing.T, _ *terraform.State, _, _ string) error {
			return awsops.DeleteRole(ctx, acctest.Client(t).IAM, roleName)
		},
		"glue_database": func(t *testing.T, _ *terraform.State, _, _ string) error {
			return awsops.DeleteGlueDatabase(ctx, acctest.Client(t).Glue, "bedgov_invocation_logs")
		},
		"glue_table": func(t *testing.T, _ *terraform.State, _, _ string) error {
			return awsops.DeleteGlueTable(ctx, acctest.Client(t).Glue, "bedgov_invocation_logs", "invocations")
		},
		"glue_table_changed": func(t *testing.T, _ *terraform.State, _, _ string) error {
			c := acctest.Client(t).Glue
			other := auditlog.LogTable(auditlog.Destination{Partition: "aws", Account: acctest.AccountID, Region: acctest.Region, Bucket: "elsewhere"}, "bedgov_invocation_logs", "invocations")
			_, err := c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(other.Database), TableInput: &gluetypes.TableInput{
				Name: aws.String(other.Name), StorageDescriptor: &gluetypes.StorageDescriptor{Location: aws.String(other.Location)}}})
			return err
		},
		"named_query": func(t *testing.T, s *terraform.State, _, _ string) error {
			return awsops.DeleteNamedQuery(ctx, acctest.Client(t).Athena, stateAttr(s, loggingAddr, "named_query_id"))
		},
	}
	for sub, destroy := range cases {
		t.Run(sub, func(t *testing.T) {
			bucket, logGroup, config := fullLoggingConfig()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkLoggingDestroyed(t, bucket, logGroup),
				Steps: []resource.TestStep{
					{
						Config:             config,
						Check:              func(s *terraform.State) error { return destroy(t, s, bucket, logGroup) },
						ExpectNonEmptyPlan: true,
					},
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionUpdate),
						}},
						Check: func(s *terraform.State) error {
							if err := checkAllLoggingObjects(t, s, bucket, logGroup); err != nil {
								return err
							}
							c := acctest.Client(t)
							st, err := awsops.FindBucketState(ctx, c.S3, bucket)
							if err != nil || !st.PublicAccessBlocked || st.Policy == "" {
								return fmt.Errorf("bucket = %+v, %v", st, err)
							}
							cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
							if err != nil || aws.ToBool(cfg.TextDataDeliveryEnabled) || cfg.CloudWatchConfig == nil {
								return fmt.Errorf("logging configuration = %+v, %v", cfg, err)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// A failure at any create step leaves nothing orphaned: the next apply converges and
// destroy removes everything.
//
// Not parallel: an injected fault matches any caller.
func TestAccInvocationLogging_partialCreate(t *testing.T) {
	acctest.PartialCreate(t, acctest.Calls(
		"s3:CreateBucket", "s3:PutPublicAccessBlock", "s3:PutBucketEncryption", "s3:PutBucketLifecycleConfiguration",
		"s3:PutBucketPolicy", "s3:PutBucketTagging", "logs:CreateLogGroup", "iam:CreateRole", "iam:PutRolePolicy",
		"bedrock:PutModelInvocationLoggingConfiguration", "glue:CreateDatabase", "glue:CreateTable", "athena:CreateNamedQuery",
	), func(t *testing.T) acctest.PartialCreateRun {
		bucket, logGroup, config := fullLoggingConfig()
		return acctest.PartialCreateRun{
			Config:       config,
			Converged:    func(s *terraform.State) error { return checkAllLoggingObjects(t, s, bucket, logGroup) },
			CheckDestroy: checkLoggingDestroyed(t, bucket, logGroup),
		}
	})
}

// A bucket holding logs survives destroy, and everything else with it, until
// force_destroy is set.
func TestAccInvocationLogging_forceDestroy(t *testing.T) {
	bucket := logBucketName()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkLoggingDestroyed(t, bucket, ""),
		Steps: []resource.TestStep{
			{
				Config: loggingConfig(bucket),
				Check: func(*terraform.State) error {
					key := "AWSLogs/" + acctest.AccountID + "/BedrockModelInvocationLogs/us-east-1/2026/11/27/05/log.json.gz"
					_, err := acctest.Client(t).S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte("{}"))})
					return err
				},
			},
			{
				Config:      loggingConfig(bucket),
				Destroy:     true,
				ExpectError: messageRe("is not empty: it holds Bedrock's invocation logs"),
			},
			{
				Config: loggingConfig(bucket),
				Check: func(*terraform.State) error {
					if got := loggingObjects(t, bucket, "", ""); !got["bucket"] || !got["logging"] || !got["table"] {
						return fmt.Errorf("a refused destroy must leave everything: %v", got)
					}
					return nil
				},
			},
			{
				Config: loggingConfig(bucket, `force_destroy = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionUpdate),
				}},
			},
		},
	})
}

// A Region whose logging is configured outside this resource is refused at plan, with
// the import command; import takes it over, by the provider's Region only.
func TestAccInvocationLogging_existingConfiguration(t *testing.T) {
	bucket := logBucketName()
	ctx := context.Background()
	c := acctest.Client(t)
	dest := auditlog.Destination{Partition: "aws", Account: acctest.AccountID, Region: acctest.Region, Bucket: bucket}
	if err := awsops.CreateBucket(ctx, c.S3, bucket, acctest.Region); err != nil {
		t.Fatal(err)
	}
	if err := awsops.SetBucketPolicy(ctx, c.S3, bucket, auditlog.BucketPolicy(dest)); err != nil {
		t.Fatal(err)
	}
	if err := awsops.PutInvocationLogging(ctx, c.Bedrock, &bedrocktypes.LoggingConfig{S3Config: &bedrocktypes.S3Config{BucketName: aws.String(bucket)}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // whatever the steps left
		if cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock); err == nil && aws.ToString(cfg.S3Config.BucketName) == bucket {
			_ = awsops.DeleteInvocationLogging(ctx, c.Bedrock)
		}
		_ = awsops.DeleteBucket(ctx, c.S3, bucket)
	})
	other := logBucketName()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkLoggingDestroyed(t, bucket, ""),
		Steps: []resource.TestStep{
			{
				Config:      loggingConfig(other),
				PlanOnly:    true,
				ExpectError: messageRe("already delivers to the S3 bucket " + bucket + ". There is one configuration per account and Region"),
			},
			{
				Config:        loggingConfig(bucket),
				ResourceName:  loggingAddr,
				ImportState:   true,
				ImportStateId: "eu-west-1",
				ExpectError:   messageRe("import with the provider's Region, us-east-1"),
			},
			{
				Config:             loggingConfig(bucket),
				ResourceName:       loggingAddr,
				ImportState:        true,
				ImportStateId:      acctest.Region,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["s3_bucket_name"] != bucket || states[0].Attributes["public_access_blocked"] != "false" {
						return fmt.Errorf("imported %+v", states)
					}
					return nil
				},
			},
			{
				// The import found a bucket without bedgov's settings and no table: the
				// plan puts them in place.
				Config: loggingConfig(bucket),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(loggingAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLogging("public_access_blocked", knownvalue.Bool(true)),
					expectLogging("glue_table_name", knownvalue.StringExact("invocations")),
				},
			},
		},
	})
}

func TestAccInvocationLogging_validation(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, config, want string }{
		{"bucket uppercase", loggingConfig("Acme-Logs"), `may contain only lowercase letters, digits, dots and hyphens`},
		{"bucket short", loggingConfig("ab"), `must be 3 to 63 characters long`},
		{"bucket ip", loggingConfig("192.168.5.4"), `must not be formatted as an IP address`},
		{"bucket dots", loggingConfig("acme..logs"), `must not contain two adjacent periods`},
		{"bucket prefix", loggingConfig("xn--acme-logs"), `must not start with the reserved prefix xn--`},
		{"bucket suffix", loggingConfig("acme-logs-s3alias"), `must not end with the reserved suffix -s3alias`},
		{"retention", loggingConfig("acme-logs", `retention_days = 0`), `retention_days value must be at least 1`},
		{"kms", loggingConfig("acme-logs", `kms_key_arn = "1234abcd"`), `must be a KMS key or alias ARN`},
		{"log group", loggingConfig("acme-logs", `log_group_name = "bedrock logs"`), `must be 1 to 512 letters, digits and the characters`},
		{"workgroup", loggingConfig("acme-logs", `athena_workgroup = "team analysts"`), `must be 1 to 128 letters, digits, periods, hyphens`},
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

// Tags changed on the Glue database alone (tags_all is read from the bucket) show in
// plan, and the next apply puts the database's tags back.
func TestAccInvocationLogging_glueTagDrift(t *testing.T) {
	bucket := logBucketName()
	config := loggingConfig(bucket, `tags = { purpose = "audit" }`)
	dbARN := "arn:aws:glue:" + acctest.Region + ":" + acctest.AccountID + ":database/bedgov_invocation_logs"
	want := map[string]string{"purpose": "audit", "managed-by": "bedgov"}
	ctx := context.Background()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkLoggingDestroyed(t, bucket, ""),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					_, err := acctest.Client(t).Glue.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(dbARN), TagsToAdd: map[string]string{"purpose": "changed", "extra": "x"}})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				Check: func(*terraform.State) error {
					have, err := awsops.GlueTags(ctx, acctest.Client(t).Glue, dbARN)
					if err != nil {
						return err
					}
					if fmt.Sprint(have) != fmt.Sprint(want) {
						return fmt.Errorf("Glue database tags %v, want %v", have, want)
					}
					return nil
				},
			},
		},
	})
}
