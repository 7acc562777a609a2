package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

var (
	_ resource.Resource                = (*invocationLoggingResource)(nil)
	_ resource.ResourceWithConfigure   = (*invocationLoggingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*invocationLoggingResource)(nil)
	_ resource.ResourceWithImportState = (*invocationLoggingResource)(nil)
)

// NewInvocationLoggingResource is the bedgov_invocation_logging resource: Bedrock model
// invocation logging for the account and Region, to a bucket bedgov creates (and
// optionally CloudWatch Logs), with the Glue table and Athena query of the monthly
// breakdown per team.
func NewInvocationLoggingResource() resource.Resource {
	return &invocationLoggingResource{}
}

type invocationLoggingResource struct {
	client *awsclient.Client
}

type invocationLoggingModel struct {
	ID                  types.String   `tfsdk:"id"`
	S3BucketName        types.String   `tfsdk:"s3_bucket_name"`
	LogGroupName        types.String   `tfsdk:"log_group_name"`
	RetentionDays       types.Int64    `tfsdk:"retention_days"`
	KMSKeyARN           types.String   `tfsdk:"kms_key_arn"`
	IncludeText         types.Bool     `tfsdk:"include_text"`
	IncludeImage        types.Bool     `tfsdk:"include_image"`
	IncludeEmbedding    types.Bool     `tfsdk:"include_embedding"`
	AthenaWorkgroup     types.String   `tfsdk:"athena_workgroup"`
	ForceDestroy        types.Bool     `tfsdk:"force_destroy"`
	Tags                types.Map      `tfsdk:"tags"`
	TagsAll             types.Map      `tfsdk:"tags_all"`
	LoggingEnabled      types.Bool     `tfsdk:"logging_enabled"`
	BucketARN           types.String   `tfsdk:"bucket_arn"`
	BucketPolicy        types.String   `tfsdk:"bucket_policy"`
	PublicAccessBlocked types.Bool     `tfsdk:"public_access_blocked"`
	RoleARN             types.String   `tfsdk:"role_arn"`
	LogGroupARN         types.String   `tfsdk:"log_group_arn"`
	LogGroupCreated     types.Bool     `tfsdk:"log_group_created"`
	GlueDatabaseName    types.String   `tfsdk:"glue_database_name"`
	GlueTableName       types.String   `tfsdk:"glue_table_name"`
	NamedQueryID        types.String   `tfsdk:"named_query_id"`
	QueryText           types.String   `tfsdk:"query_text"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
}

// privateReplacesBucket is the private-state key of the bucket a replacement replaces.
const privateReplacesBucket = "replaces_bucket"

// cloudWatchRetention is the CloudWatch Logs retention for a retention in days: the
// shortest accepted value that keeps logs at least that long, at most 3653 (ten years).
func cloudWatchRetention(days int64) int32 {
	for _, v := range logRetentionValues {
		if v >= days {
			return int32(v)
		}
	}
	return int32(logRetentionValues[len(logRetentionValues)-1])
}

func (r *invocationLoggingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocation_logging"
}

func (r *invocationLoggingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = invocationLoggingSchema(ctx)
}

func invocationLoggingSchema(ctx context.Context) schema.Schema {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	include := func(what string) schema.BoolAttribute {
		return schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Log the " + what + " of each request and response. Default `false`: the logs then hold metadata and token counts only.",
		}
	}
	return schema.Schema{
		MarkdownDescription: "Bedrock model invocation logging for the account and Region, and the query that turns the logs " +
			"into a monthly bill per team. It creates an S3 bucket (public access blocked, default encryption, a lifecycle " +
			"rule for the retention, a policy that lets only Bedrock of this account and Region write), optionally a " +
			"CloudWatch log group with the role Bedrock writes it with, a Glue database and table over the logs (partitioned " +
			"by day, with partition projection) and an Athena named query of invocations, tokens and cost per team and model.\n\n" +
			"Prompts and completions are **not** logged unless `include_text` is set: the logs would hold the full request data.\n\n" +
			"The logging configuration is one per account and Region: a plan fails when the Region already has one that " +
			"this resource does not manage (import it instead).\n\n" +
			"Teams are found at plan: bedgov's application inference profiles in the Region (tagged `team` and " +
			"`bedgov:role` by `bedgov_team`) are written into the query with their model's prices, so a new team shows " +
			"in the next plan as an in-place update of `query_text` and the named query. The query is written at apply: " +
			"teams created before this resource in the same apply are included (use `depends_on`), a team created in a " +
			"later apply shows in the plan after it.\n\n" +
			"On destroy, a bucket that still holds logs is kept and the destroy fails, unless `force_destroy` is set.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The Region.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"s3_bucket_name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the bucket bedgov creates for the logs, in the provider's Region. S3's naming rules " +
					"apply (3 to 63 lowercase letters, digits, dots and hyphens; globally unique). Changing it replaces the resource.",
				Validators:    []validator.String{s3BucketName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"log_group_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Also deliver the logs to this CloudWatch Logs group, with an IAM role Bedrock assumes to " +
					"write it. An existing group is used as it is (and kept on destroy); a group bedgov creates gets the " +
					"retention (rounded up to a value CloudWatch accepts, at most 3653 days) and the tags, and is deleted on destroy.",
				Validators: []validator.String{stringvalidator.RegexMatches(logGroupNamePattern,
					"must be 1 to 512 letters, digits and the characters . - _ / #")},
			},
			"retention_days": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(365),
				MarkdownDescription: "Days the logs are kept: the bucket's lifecycle rule expires them after this many days. Default 365.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"kms_key_arn": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ARN of a KMS key (or alias) for the bucket's default encryption (SSE-KMS with an S3 Bucket Key). " +
					"Without it the bucket uses SSE-S3. The key policy must let bedrock.amazonaws.com use the key.",
				Validators: []validator.String{stringvalidator.RegexMatches(kmsKeyARNPattern,
					"must be a KMS key or alias ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")},
			},
			"include_text":      include("text (prompts and completions)"),
			"include_image":     include("images"),
			"include_embedding": include("embeddings"),
			"athena_workgroup": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Athena workgroup of the named query. Without it no named query is created; the Glue " +
					"table and `query_text` are there to use from any workgroup.",
				Validators: []validator.String{stringvalidator.RegexMatches(athenaWorkgroupPattern,
					"must be 1 to 128 letters, digits, periods, hyphens and underscores")},
			},
			"force_destroy": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Delete every log in the bucket on destroy. Default `false`: a destroy fails while the " +
					"bucket holds logs, so an audit trail is never deleted by accident. Set it (and apply) before destroying.",
			},
			"tags": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Tags for the bucket, the Glue database, and the log group and role bedgov creates, merged over the provider's `default_tags`.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128)),
					mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
				},
			},
			"tags_all": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "All tags: `default_tags`, `tags` and `managed-by = bedgov`.",
			},
			"logging_enabled": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether the Region's logging configuration delivers to this bucket (and log group). Read sets it to `false` when the configuration was removed or changed out of band; the next apply puts it back.",
			},
			"bucket_arn": computed("ARN of the log bucket."),
			"bucket_policy": computed("The bucket policy bedgov installs: only bedrock.amazonaws.com, for this account and Region (`aws:SourceAccount`, `aws:SourceArn`), may write logs; requests without TLS are refused. " +
				"Its write statement is Bedrock's own, word for word as the Bedrock user guide shows it (Sid `AmazonBedrockLogsWrite`): Bedrock attaches that statement to the " +
				"bucket itself when logging is configured by a caller allowed `s3:GetBucketPolicy` and `s3:PutBucketPolicy`, so the policy it leaves is bedgov's and a refresh shows no drift. " +
				"(The guide does not say how Bedrock merges it with a policy already there; bedgov holds the statement itself so that any merge is a no-op.)"),
			"public_access_blocked": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether all four public access block settings of the bucket are on."},
			"role_arn":              computed("ARN of the role Bedrock assumes to write to CloudWatch Logs (with `log_group_name`)."),
			"log_group_arn":         computed("ARN of the log group (with `log_group_name`)."),
			"log_group_created":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether bedgov created the log group (and deletes it on destroy)."},
			"glue_database_name":    computed("Glue database of the log table (`" + auditDatabase + "`)."),
			"glue_table_name":       computed("Glue table over the logs (`" + auditTable + "`), partitioned by day `dt` (`YYYY/MM/DD`) with partition projection. A table changed out of band reads as absent, and the next apply rewrites it."),
			"named_query_id":        computed("Id of the Athena named query `" + auditQueryName + "` (with `athena_workgroup`)."),
			"query_text":            computed("The monthly query per team and model: invocations, input, output and cache tokens, and cost in USD at the embedded list prices. Run it with one execution parameter, the month as `'YYYY/MM'`."),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *invocationLoggingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *invocationLoggingResource) destination(bucket string) auditlog.Destination {
	c := r.client
	return auditlog.Destination{Partition: c.Partition, Account: c.AccountID, Region: c.Region, Bucket: bucket}
}

func (r *invocationLoggingResource) bucketARN(bucket string) string {
	return r.client.ARN("s3", "", "", bucket)
}

func (r *invocationLoggingResource) roleARN() string {
	return r.client.ARN("iam", "", r.client.AccountID, "role"+auditRolePath+auditRoleName(r.client.Region))
}

func (r *invocationLoggingResource) logGroupARN(name string) string {
	return r.client.RegionalARN("logs", "log-group:"+name)
}

func (r *invocationLoggingResource) databaseARN() string {
	return r.client.RegionalARN("glue", "database/"+auditDatabase)
}

// ModifyPlan refuses a second logging configuration for the Region, plans every
// identifier that follows from the configuration, and plans the query with the teams
// that exist now.
func (r *invocationLoggingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan, state invocationLoggingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	hasState := !req.State.Raw.IsNull()
	if hasState {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client.AccountID == "" {
		resp.Diagnostics.AddError("Account id unknown", "bedgov_invocation_logging needs the account id for its bucket policy and role "+
			"(aws:SourceAccount); remove skip_requesting_account_id from the provider block.")
		return
	}
	// A new bucket name replaces the resource: nothing of the old object carries over.
	// Terraform then plans the create half again without the prior state but with this
	// plan's private data, which names the bucket being replaced.
	kept := hasState && plan.S3BucketName.Equal(state.S3BucketName)
	if hasState && !kept {
		raw, _ := json.Marshal(state.S3BucketName.ValueString())
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplacesBucket, raw)...)
	}
	if !hasState && !r.checkNoOtherLogging(ctx, req, plan, &resp.Diagnostics) {
		return
	}
	r.planIdentifiers(ctx, &plan, state, kept, &resp.Diagnostics)
	if kept && !r.planQuery(ctx, &plan, state, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if kept && !plan.QueryText.IsUnknown() && !resp.Plan.Raw.Equal(req.State.Raw) {
		plan.QueryText = types.StringUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

// checkNoOtherLogging refuses a create when the Region already has a logging
// configuration. One that already delivers to this bucket is this resource's (a create
// that failed halfway, then tainted), and so is one that delivers to the bucket this
// resource replaces; any other is refused.
func (r *invocationLoggingResource) checkNoOtherLogging(ctx context.Context, req resource.ModifyPlanRequest, plan invocationLoggingModel, diags *diag.Diagnostics) bool {
	c := r.client
	var replaced string
	if raw, d := req.Private.GetKey(ctx, privateReplacesBucket); !d.HasError() && raw != nil {
		_ = json.Unmarshal(raw, &replaced)
	}
	existing, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
	switch {
	case err == nil && !deliversTo(existing, plan.S3BucketName.ValueString()) && (replaced == "" || !deliversTo(existing, replaced)):
		diags.AddError("Bedrock invocation logging is already configured in "+c.Region,
			fmt.Sprintf("The Region's model invocation logging configuration already delivers to %s. There is one configuration per "+
				"account and Region, and this resource would replace it. To manage the existing configuration with bedgov, import it: "+
				"terraform import <address of this resource> %s (e.g. bedgov_invocation_logging.this). Otherwise remove it first "+
				"(aws bedrock delete-model-invocation-logging-configuration --region %s).", describeLogging(existing), c.Region, c.Region))
		return false
	case err != nil && !awsops.IsNotFound(err):
		diags.AddError("Cannot read Bedrock's invocation logging configuration", awsops.ErrorText(err))
		return false
	}
	return true
}

// planIdentifiers plans every identifier that follows from the configuration.
func (r *invocationLoggingResource) planIdentifiers(ctx context.Context, plan *invocationLoggingModel, state invocationLoggingModel, kept bool, diags *diag.Diagnostics) {
	plan.ID = types.StringValue(r.client.Region)
	plan.TagsAll = mergeTags(ctx, r.client, plan.Tags, map[string]string{tagManagedBy: managedByBedgov}, diags)
	plan.LoggingEnabled = types.BoolValue(true)
	plan.PublicAccessBlocked = types.BoolValue(true)
	plan.GlueDatabaseName, plan.GlueTableName = types.StringValue(auditDatabase), types.StringValue(auditTable)
	if plan.S3BucketName.IsUnknown() {
		plan.BucketARN, plan.BucketPolicy = types.StringUnknown(), types.StringUnknown()
	} else {
		bucket := plan.S3BucketName.ValueString()
		plan.BucketARN = types.StringValue(r.bucketARN(bucket))
		plan.BucketPolicy = types.StringValue(normalizeJSON(auditlog.BucketPolicy(r.destination(bucket))))
	}
	switch {
	case plan.LogGroupName.IsNull():
		plan.RoleARN, plan.LogGroupARN, plan.LogGroupCreated = types.StringNull(), types.StringNull(), types.BoolNull()
	case plan.LogGroupName.IsUnknown():
		plan.RoleARN, plan.LogGroupARN, plan.LogGroupCreated = types.StringValue(r.roleARN()), types.StringUnknown(), types.BoolUnknown()
	default:
		plan.RoleARN = types.StringValue(r.roleARN())
		plan.LogGroupARN = types.StringValue(r.logGroupARN(plan.LogGroupName.ValueString()))
		plan.LogGroupCreated = types.BoolUnknown()
		if kept && !state.LogGroupARN.IsNull() && state.LogGroupName.Equal(plan.LogGroupName) {
			plan.LogGroupCreated = state.LogGroupCreated
		}
	}
	switch {
	case plan.AthenaWorkgroup.IsNull():
		plan.NamedQueryID = types.StringNull()
	case kept && !state.NamedQueryID.IsNull() && state.AthenaWorkgroup.Equal(plan.AthenaWorkgroup):
		plan.NamedQueryID = state.NamedQueryID
	default:
		plan.NamedQueryID = types.StringUnknown()
	}
	plan.QueryText = types.StringUnknown()
}

// planQuery writes the query with the teams that exist now. The query is written at
// apply, with the teams that exist then (so a create includes the teams created before
// it in the same apply); when the text now differs from the installed one, the plan
// shows an in-place update of query_text. The planned value is the installed text only
// when nothing else changes either (ModifyPlan checks that): Terraform plans a change
// again just before applying it, and a team created or deleted meanwhile must not make
// that second plan contradict the first.
func (r *invocationLoggingResource) planQuery(ctx context.Context, plan *invocationLoggingModel, state invocationLoggingModel, diags *diag.Diagnostics) bool {
	query, warnings, err := r.monthlyQuery(ctx)
	if err != nil {
		diags.AddError("Cannot list the teams' inference profiles", awsops.ErrorText(err))
		return false
	}
	for _, w := range warnings {
		diags.AddWarning("Team cost not priced", w)
	}
	if state.QueryText.Equal(types.StringValue(query)) {
		plan.QueryText = state.QueryText
	}
	return true
}

// describeLogging names a logging configuration's destinations for a message.
func describeLogging(cfg *bedrocktypes.LoggingConfig) string {
	var dests []string
	if s := cfg.S3Config; s != nil {
		dests = append(dests, "the S3 bucket "+aws.ToString(s.BucketName))
	}
	if cw := cfg.CloudWatchConfig; cw != nil {
		dests = append(dests, "the log group "+aws.ToString(cw.LogGroupName))
	}
	if len(dests) == 0 {
		return "no destination"
	}
	return strings.Join(dests, " and ")
}

// monthlyQuery writes the monthly query with the teams whose profiles exist now: each
// of bedgov's application inference profiles in the Region, priced from the embedded
// table for the model its bedgov:model tag names. A model the table does not know is
// priced at zero, with a warning.
func (r *invocationLoggingResource) monthlyQuery(ctx context.Context) (string, []string, error) {
	c := r.client
	summaries, err := awsops.ListApplicationProfiles(ctx, c.Bedrock, namePrefix)
	if err != nil {
		return "", nil, err
	}
	pricing := governance.DefaultPricing()
	var profiles []auditlog.TeamProfile
	var warnings []string
	for _, s := range summaries {
		profileARN := aws.ToString(s.InferenceProfileArn)
		tags, err := awsops.ProfileTags(ctx, c.Bedrock, profileARN)
		if awsops.IsNotFound(err) {
			continue // deleted since the listing
		}
		if err != nil {
			return "", nil, err
		}
		team, role := tags[tagTeam], tags[tagRole]
		if tags[tagManagedBy] != managedByBedgov || team == "" || (role != "primary" && role != "degraded") {
			continue
		}
		model := tags[tagModel]
		if model == "" && len(s.Models) > 0 {
			model = aws.ToString(s.Models[0].ModelArn)
		}
		p := auditlog.TeamProfile{Team: team, ProfileARN: profileARN, ModelID: model}
		ref, err := governance.ResolveModel(model, nil)
		if err == nil {
			p.ModelID = ref.ModelID
			group := ref.Group
			if group == "" {
				group = governance.RegionGroup(c.Region)
			}
			p.Price, _, err = pricing.Lookup(ref.ModelID, group)
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("Team %s: the price of %q is unknown (%s); the query reports its cost as 0.", team, model, err))
		}
		profiles = append(profiles, p)
	}
	tflog.Debug(ctx, "teams for the monthly query", map[string]any{"profiles": len(profiles)})
	return auditlog.MonthlyQuery(auditDatabase, auditTable, profiles), warnings, nil
}

func (r *invocationLoggingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan invocationLoggingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 30*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The plan-time check again, right before anything is created: another resource in
	// the same apply may have configured the Region meanwhile.
	if existing, err := awsops.FindInvocationLogging(ctx, r.client.Bedrock); err == nil && !deliversTo(existing, plan.S3BucketName.ValueString()) {
		resp.Diagnostics.AddError("Bedrock invocation logging is already configured in "+r.client.Region,
			fmt.Sprintf("It delivers to %s, which this resource does not manage; import it or remove it first.", describeLogging(existing)))
		return
	} else if err != nil && !awsops.IsNotFound(err) {
		resp.Diagnostics.AddError("Cannot read Bedrock's invocation logging configuration", awsops.ErrorText(err))
		return
	}

	state := plan
	state.BucketARN, state.RoleARN, state.LogGroupARN, state.NamedQueryID = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
	state.GlueDatabaseName, state.GlueTableName = types.StringNull(), types.StringNull()
	state.LogGroupCreated = types.BoolNull()
	err := r.converge(ctx, plan, &state, nil, &resp.Diagnostics)
	state.clearUnknown()
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if err != nil {
		addFailure(&resp.Diagnostics, "Cannot set up Bedrock invocation logging", "bucket "+plan.S3BucketName.ValueString(), err, adviceCreate)
	}
}

func deliversTo(cfg *bedrocktypes.LoggingConfig, bucket string) bool {
	return cfg.S3Config != nil && aws.ToString(cfg.S3Config.BucketName) == bucket
}

// loggingConfig is the Region's configuration as plan wants it.
func (m invocationLoggingModel) loggingConfig(roleARN string) *bedrocktypes.LoggingConfig {
	cfg := &bedrocktypes.LoggingConfig{
		S3Config:                     &bedrocktypes.S3Config{BucketName: aws.String(m.S3BucketName.ValueString())},
		TextDataDeliveryEnabled:      aws.Bool(m.IncludeText.ValueBool()),
		ImageDataDeliveryEnabled:     aws.Bool(m.IncludeImage.ValueBool()),
		EmbeddingDataDeliveryEnabled: aws.Bool(m.IncludeEmbedding.ValueBool()),
	}
	if !m.LogGroupName.IsNull() {
		cfg.CloudWatchConfig = &bedrocktypes.CloudWatchConfig{LogGroupName: aws.String(m.LogGroupName.ValueString()), RoleArn: aws.String(roleARN)}
	}
	return cfg
}

func sameLogging(a, b *bedrocktypes.LoggingConfig) bool {
	s3 := func(c *bedrocktypes.LoggingConfig) string {
		if c.S3Config == nil {
			return ""
		}
		return aws.ToString(c.S3Config.BucketName) + "/" + aws.ToString(c.S3Config.KeyPrefix)
	}
	cw := func(c *bedrocktypes.LoggingConfig) string {
		if c.CloudWatchConfig == nil {
			return ""
		}
		return aws.ToString(c.CloudWatchConfig.LogGroupName) + " " + aws.ToString(c.CloudWatchConfig.RoleArn)
	}
	return s3(a) == s3(b) && cw(a) == cw(b) &&
		aws.ToBool(a.TextDataDeliveryEnabled) == aws.ToBool(b.TextDataDeliveryEnabled) &&
		aws.ToBool(a.ImageDataDeliveryEnabled) == aws.ToBool(b.ImageDataDeliveryEnabled) &&
		aws.ToBool(a.EmbeddingDataDeliveryEnabled) == aws.ToBool(b.EmbeddingDataDeliveryEnabled)
}

// loggingApply is what every invocation-logging apply step works from.
type loggingApply struct {
	plan        invocationLoggingModel
	state       *invocationLoggingModel
	prior       *invocationLoggingModel // nil on create
	bucket      string
	tags        map[string]string
	tagsChanged bool
	diags       *diag.Diagnostics
}

// converge creates what state lacks and brings the rest in line with plan, recording
// each object in state as soon as it exists, so a failed step leaves nothing that
// state does not name. prior is the refreshed state before an update (nil on create).
// A failure names its step.
func (r *invocationLoggingResource) converge(ctx context.Context, plan invocationLoggingModel, state *invocationLoggingModel, prior *invocationLoggingModel, diags *diag.Diagnostics) error {
	a := &loggingApply{plan: plan, state: state, prior: prior, bucket: plan.S3BucketName.ValueString(),
		tags: mapFromTF(ctx, plan.TagsAll, diags), tagsChanged: prior != nil && !plan.TagsAll.Equal(prior.TagsAll), diags: diags}
	return runSteps(ctx, a,
		r.ensureBucket, r.ensureCloudWatchDestination, r.ensureLoggingConfig, r.retireLogGroup, r.ensureGlue, r.ensureQuery,
	)
}

// ensureBucket creates the bucket and brings its settings in line: a bucket just created
// (or re-created after an out-of-band delete) gets every setting; otherwise only what
// differs.
func (r *invocationLoggingResource) ensureBucket(ctx context.Context, a *loggingApply) error {
	c, plan, prior, bucket := r.client, a.plan, a.prior, a.bucket
	fresh := prior == nil || a.state.BucketARN.IsNull()
	if a.state.BucketARN.IsNull() {
		tflog.Debug(ctx, "creating the invocation-log bucket", map[string]any{"bucket": bucket, "region": c.Region})
		if err := awsops.CreateBucket(ctx, c.S3, bucket, c.Region); err != nil {
			return failed("create the log bucket", err)
		}
		a.state.BucketARN = types.StringValue(r.bucketARN(bucket))
	}
	steps := []struct {
		needed bool
		what   string
		fn     func() error
	}{
		{fresh || !prior.PublicAccessBlocked.ValueBool(), "block public access to the log bucket", func() error { return awsops.BlockPublicAccess(ctx, c.S3, bucket) }},
		{fresh || !plan.KMSKeyARN.Equal(prior.KMSKeyARN), "set the log bucket's encryption", func() error {
			return awsops.SetBucketEncryption(ctx, c.S3, bucket, plan.KMSKeyARN.ValueString())
		}},
		{fresh || !plan.RetentionDays.Equal(prior.RetentionDays), "set the log bucket's retention", func() error {
			return awsops.SetBucketRetention(ctx, c.S3, bucket, int32(plan.RetentionDays.ValueInt64()))
		}},
		{fresh || !plan.BucketPolicy.Equal(prior.BucketPolicy), "set the log bucket's policy", func() error {
			return awsops.SetBucketPolicy(ctx, c.S3, bucket, auditlog.BucketPolicy(r.destination(bucket)))
		}},
		{fresh || a.tagsChanged, "tag the log bucket", func() error { return awsops.SyncTags(ctx, awsops.BucketTagger(c.S3), bucket, a.tags) }},
	}
	for _, s := range steps {
		if s.needed {
			if err := s.fn(); err != nil {
				return failed(s.what, err)
			}
		}
	}
	return nil
}

// ensureCloudWatchDestination makes the CloudWatch Logs destination: the log group and
// the role Bedrock writes it with.
func (r *invocationLoggingResource) ensureCloudWatchDestination(ctx context.Context, a *loggingApply) error {
	if a.plan.LogGroupName.IsNull() {
		return nil
	}
	if err := r.convergeLogGroup(ctx, a.plan, a.state, a.prior, a.tags); err != nil {
		return failed("set up the log group", err)
	}
	return failed("set up the log delivery role", r.ensureDeliveryRole(ctx, a))
}

// ensureLoggingConfig puts the Region's logging configuration when it differs.
func (r *invocationLoggingResource) ensureLoggingConfig(ctx context.Context, a *loggingApply) error {
	plan := a.plan
	want := plan.loggingConfig(r.roleARN())
	have, err := awsops.FindInvocationLogging(ctx, r.client.Bedrock)
	if err != nil && !awsops.IsNotFound(err) {
		return failed("read the invocation logging configuration", err)
	}
	if err != nil || !sameLogging(have, want) {
		tflog.Debug(ctx, "putting the invocation logging configuration", map[string]any{"destinations": describeLogging(want),
			"text": plan.IncludeText.ValueBool(), "image": plan.IncludeImage.ValueBool(), "embedding": plan.IncludeEmbedding.ValueBool()})
		if err := awsops.PutInvocationLogging(ctx, r.client.Bedrock, want); err != nil {
			return failed("put the invocation logging configuration", err)
		}
	}
	a.state.LoggingEnabled = types.BoolValue(true)
	return nil
}

// retireLogGroup: a log group this resource no longer delivers to is deleted if bedgov
// made it, and the role when there is no log group any more.
func (r *invocationLoggingResource) retireLogGroup(ctx context.Context, a *loggingApply) error {
	c, prior, plan := r.client, a.prior, a.plan
	if prior == nil || prior.LogGroupName.IsNull() || prior.LogGroupName.Equal(plan.LogGroupName) {
		return nil
	}
	if prior.LogGroupCreated.ValueBool() {
		if err := awsops.DeleteLogGroup(ctx, c.Logs, prior.LogGroupName.ValueString()); err != nil {
			return failed("delete the former log group", err)
		}
	}
	if plan.LogGroupName.IsNull() {
		if err := awsops.DeleteRole(ctx, c.IAM, auditRoleName(c.Region)); err != nil {
			return failed("delete the log delivery role", err)
		}
		a.state.RoleARN, a.state.LogGroupARN, a.state.LogGroupCreated = types.StringNull(), types.StringNull(), types.BoolNull()
	}
	return nil
}

// ensureGlue makes the Glue database and table over the logs (taking over ones that
// exist), and syncs the database's tags.
func (r *invocationLoggingResource) ensureGlue(ctx context.Context, a *loggingApply) error {
	c, state := r.client, a.state
	if state.GlueDatabaseName.IsNull() {
		err := awsops.CreateGlueDatabase(ctx, c.Glue, auditDatabase, "Bedrock model invocation logs (bedgov)", a.tags)
		if err != nil && !awsops.IsAlreadyExists(err) {
			return failed("create the Glue database", err)
		}
		state.GlueDatabaseName = types.StringValue(auditDatabase)
	} else if a.tagsChanged {
		if err := awsops.SyncTags(ctx, awsops.GlueTagger(c.Glue), r.databaseARN(), a.tags); err != nil {
			return failed("tag the Glue database", err)
		}
	}
	if !state.GlueTableName.IsNull() {
		return nil
	}
	// Absent, or changed out of band (Read reports a table that differs as absent).
	table := auditlog.LogTable(r.destination(a.bucket), auditDatabase, auditTable)
	err := awsops.CreateLogTable(ctx, c.Glue, table)
	if awsops.IsAlreadyExists(err) {
		err = awsops.UpdateLogTable(ctx, c.Glue, table)
	}
	if err != nil {
		return failed("create the Glue table", err)
	}
	state.GlueTableName = types.StringValue(auditTable)
	return nil
}

// ensureQuery writes the query (with the teams that exist now, unless the plan knew it)
// and the named query that holds it.
func (r *invocationLoggingResource) ensureQuery(ctx context.Context, a *loggingApply) error {
	query := a.plan.QueryText.ValueString()
	if a.plan.QueryText.IsUnknown() {
		var warnings []string
		var err error
		if query, warnings, err = r.monthlyQuery(ctx); err != nil {
			return failed("list the teams' inference profiles", err)
		}
		for _, w := range warnings {
			a.diags.AddWarning("Team cost not priced", w)
		}
	}
	a.state.QueryText = types.StringValue(query)
	return failed("save the Athena named query", r.convergeNamedQuery(ctx, a.plan, a.state, a.prior, query))
}

// convergeLogGroup makes the log group (or takes one that exists as it is), or brings
// the retention and tags of one bedgov made up to date.
func (r *invocationLoggingResource) convergeLogGroup(ctx context.Context, plan invocationLoggingModel, state, prior *invocationLoggingModel, tags map[string]string) error {
	c := r.client
	name := plan.LogGroupName.ValueString()
	retention := cloudWatchRetention(plan.RetentionDays.ValueInt64())
	switch {
	case state.LogGroupARN.IsNull() || (prior != nil && !prior.LogGroupName.Equal(plan.LogGroupName)):
		_, err := awsops.FindLogGroup(ctx, c.Logs, name)
		switch {
		case err == nil:
			tflog.Debug(ctx, "using an existing log group as it is", map[string]any{"log_group": name})
			state.LogGroupCreated = types.BoolValue(false)
		case awsops.IsNotFound(err):
			// Recorded before the call: a group created whose retention then failed is
			// still bedgov's to delete.
			state.LogGroupARN, state.LogGroupCreated = types.StringValue(r.logGroupARN(name)), types.BoolValue(true)
			if err := awsops.CreateLogGroup(ctx, c.Logs, name, retention, tags); err != nil {
				return err
			}
		default:
			return err
		}
		state.LogGroupARN = types.StringValue(r.logGroupARN(name))
	case prior != nil && state.LogGroupCreated.ValueBool():
		if !plan.RetentionDays.Equal(prior.RetentionDays) {
			if err := awsops.SetLogRetention(ctx, c.Logs, name, retention); err != nil {
				return err
			}
		}
		if !plan.TagsAll.Equal(prior.TagsAll) {
			return awsops.SyncTags(ctx, awsops.LogGroupTagger(c.Logs), r.logGroupARN(name), tags)
		}
	}
	return nil
}

// ensureDeliveryRole makes the role Bedrock writes the log group with (taking over one
// that exists), syncs its tags, and puts its policy when it differs.
func (r *invocationLoggingResource) ensureDeliveryRole(ctx context.Context, a *loggingApply) error {
	c, state := r.client, a.state
	role := auditRoleName(c.Region)
	dest := r.destination(a.bucket)
	if state.RoleARN.IsNull() {
		roleARN, err := awsops.CreateRole(ctx, c.IAM, role, auditRolePath, "Bedrock model invocation logging to CloudWatch Logs (bedgov)", auditlog.DeliveryRoleTrust(dest), a.tags)
		if err != nil && !awsops.IsAlreadyExists(err) {
			return err
		}
		if roleARN == "" {
			roleARN = r.roleARN()
		}
		state.RoleARN = types.StringValue(roleARN)
	} else if a.tagsChanged {
		if err := awsops.SyncTags(ctx, awsops.RoleTagger(c.IAM), role, a.tags); err != nil {
			return err
		}
	}
	doc := auditlog.DeliveryRolePolicy(dest, a.plan.LogGroupName.ValueString())
	if have, err := awsops.RolePolicy(ctx, c.IAM, role, auditRolePolicyName); err != nil || normalizeJSON(have) != normalizeJSON(doc) {
		return awsops.PutRolePolicy(ctx, c.IAM, role, auditRolePolicyName, doc)
	}
	return nil
}

func (r *invocationLoggingResource) convergeNamedQuery(ctx context.Context, plan invocationLoggingModel, state, prior *invocationLoggingModel, query string) error {
	c := r.client
	spec := awsops.NamedQuerySpec{Name: auditQueryName, Description: auditQueryDescriptor, Database: auditDatabase,
		Query: query, WorkGroup: plan.AthenaWorkgroup.ValueString()}
	moved := prior != nil && !prior.AthenaWorkgroup.Equal(plan.AthenaWorkgroup)
	if !state.NamedQueryID.IsNull() && (moved || plan.AthenaWorkgroup.IsNull()) {
		// A named query cannot change workgroup: delete it and create it anew.
		if err := awsops.DeleteNamedQuery(ctx, c.Athena, state.NamedQueryID.ValueString()); err != nil {
			return err
		}
		state.NamedQueryID = types.StringNull()
	}
	if plan.AthenaWorkgroup.IsNull() {
		return nil
	}
	if state.NamedQueryID.IsNull() {
		id, err := awsops.CreateNamedQuery(ctx, c.Athena, spec)
		if err != nil {
			return err
		}
		state.NamedQueryID = types.StringValue(id)
		return nil
	}
	if prior != nil && !prior.QueryText.Equal(types.StringValue(query)) {
		return awsops.UpdateNamedQuery(ctx, c.Athena, state.NamedQueryID.ValueString(), spec)
	}
	return nil
}

func (r *invocationLoggingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readState(ctx, req, resp, "Bedrock invocation logging", func(m invocationLoggingModel) string { return "bucket " + m.S3BucketName.ValueString() }, r.refresh)
}

// refresh reads every sub-object into m; a deleted one becomes null (or false), which
// the next plan shows as an update that puts it back. gone is true when nothing of the
// resource is left.
func (r *invocationLoggingResource) refresh(ctx context.Context, m *invocationLoggingModel) (gone bool, err error) {
	tflog.Debug(ctx, "refreshing invocation logging", map[string]any{"bucket": m.S3BucketName.ValueString(), "region": r.client.Region})
	for _, step := range []struct {
		what string
		fn   func(context.Context, *invocationLoggingModel) error
	}{
		{"read the log bucket", r.refreshBucket},
		{"read the invocation logging configuration", r.refreshLoggingConfig},
		{"read the CloudWatch Logs destination", r.refreshCloudWatchDestination},
		{"read the Glue database and table", r.refreshGlue},
		{"read the Athena named query", r.refreshNamedQuery},
	} {
		if err := step.fn(ctx, m); err != nil {
			return false, failed(step.what, err)
		}
	}
	if m.BucketARN.IsNull() && !m.LoggingEnabled.ValueBool() && m.GlueDatabaseName.IsNull() && m.NamedQueryID.IsNull() && m.RoleARN.IsNull() {
		return true, nil
	}
	m.ID = types.StringValue(r.client.Region)
	return false, nil
}

// refreshBucket reads the bucket's settings and tags (tags_all is read from the bucket).
func (r *invocationLoggingResource) refreshBucket(ctx context.Context, m *invocationLoggingModel) error {
	bucket := m.S3BucketName.ValueString()
	st, err := awsops.FindBucketState(ctx, r.client.S3, bucket)
	switch {
	case awsops.IsNotFound(err):
		m.BucketARN, m.BucketPolicy, m.PublicAccessBlocked = types.StringNull(), types.StringNull(), types.BoolValue(false)
		return nil
	case err != nil:
		return err
	}
	m.BucketARN = types.StringValue(r.bucketARN(bucket))
	m.PublicAccessBlocked = types.BoolValue(st.PublicAccessBlocked)
	m.RetentionDays = types.Int64Value(int64(st.RetentionDays))
	m.KMSKeyARN = types.StringNull()
	if strings.HasPrefix(st.SSEAlgorithm, "aws:kms") {
		m.KMSKeyARN = types.StringValue(st.KMSKeyARN)
	}
	m.BucketPolicy = types.StringNull()
	if st.Policy != "" {
		m.BucketPolicy = types.StringValue(normalizeJSON(st.Policy))
	}
	tags, err := awsops.BucketTags(ctx, r.client.S3, bucket)
	if err != nil && !awsops.IsNotFound(err) {
		return err
	}
	m.TagsAll, _ = types.MapValueFrom(ctx, types.StringType, tags)
	return nil
}

// refreshLoggingConfig reads whether the Region's configuration delivers as this
// resource says.
func (r *invocationLoggingResource) refreshLoggingConfig(ctx context.Context, m *invocationLoggingModel) error {
	m.LoggingEnabled = types.BoolValue(false)
	cfg, err := awsops.FindInvocationLogging(ctx, r.client.Bedrock)
	switch {
	case awsops.IsNotFound(err):
	case err != nil:
		return err
	case deliversTo(cfg, m.S3BucketName.ValueString()):
		cw := cfg.CloudWatchConfig
		m.LoggingEnabled = types.BoolValue((cw == nil) == m.LogGroupName.IsNull() &&
			(cw == nil || aws.ToString(cw.LogGroupName) == m.LogGroupName.ValueString()))
		m.IncludeText = types.BoolValue(aws.ToBool(cfg.TextDataDeliveryEnabled))
		m.IncludeImage = types.BoolValue(aws.ToBool(cfg.ImageDataDeliveryEnabled))
		m.IncludeEmbedding = types.BoolValue(aws.ToBool(cfg.EmbeddingDataDeliveryEnabled))
	}
	return nil
}

// refreshCloudWatchDestination reads the log group and the delivery role.
func (r *invocationLoggingResource) refreshCloudWatchDestination(ctx context.Context, m *invocationLoggingModel) error {
	if m.LogGroupName.IsNull() {
		return nil
	}
	_, err := awsops.FindLogGroup(ctx, r.client.Logs, m.LogGroupName.ValueString())
	switch {
	case awsops.IsNotFound(err):
		m.LogGroupARN = types.StringNull()
	case err != nil:
		return err
	default:
		m.LogGroupARN = types.StringValue(r.logGroupARN(m.LogGroupName.ValueString()))
	}
	role, err := awsops.FindRole(ctx, r.client.IAM, auditRoleName(r.client.Region))
	switch {
	case awsops.IsNotFound(err):
		m.RoleARN = types.StringNull()
	case err != nil:
		return err
	default:
		m.RoleARN = types.StringValue(aws.ToString(role.Arn))
	}
	return nil
}

// refreshGlue reads the database (and its tags) and the table, which must be the one
// bedgov defines.
func (r *invocationLoggingResource) refreshGlue(ctx context.Context, m *invocationLoggingModel) error {
	c := r.client
	if _, err := awsops.FindGlueDatabase(ctx, c.Glue, auditDatabase); awsops.IsNotFound(err) {
		m.GlueDatabaseName, m.GlueTableName = types.StringNull(), types.StringNull()
		return nil
	} else if err != nil {
		return err
	}
	m.GlueDatabaseName = types.StringValue(auditDatabase)
	// tags_all is read from the bucket; tags changed on the database alone show as a
	// change of tags_all too, which the next apply syncs on both.
	var d diag.Diagnostics
	if tags, err := awsops.GlueTags(ctx, c.Glue, r.databaseARN()); err != nil && !awsops.IsNotFound(err) {
		return err
	} else if err == nil && !m.TagsAll.IsNull() && !maps.Equal(tags, mapFromTF(ctx, m.TagsAll, &d)) {
		m.TagsAll, _ = types.MapValueFrom(ctx, types.StringType, tags)
	}
	tbl, err := awsops.FindGlueTable(ctx, c.Glue, auditDatabase, auditTable)
	switch {
	case awsops.IsNotFound(err):
		m.GlueTableName = types.StringNull()
	case err != nil:
		return err
	case !awsops.LogTableMatches(tbl, auditlog.LogTable(r.destination(m.S3BucketName.ValueString()), auditDatabase, auditTable)):
		// Changed out of band, or defined by an older bedgov: the plan rewrites it.
		m.GlueTableName = types.StringNull()
	default:
		m.GlueTableName = types.StringValue(auditTable)
	}
	return nil
}

// refreshNamedQuery reads the named query's text and workgroup.
func (r *invocationLoggingResource) refreshNamedQuery(ctx context.Context, m *invocationLoggingModel) error {
	if m.NamedQueryID.IsNull() {
		return nil
	}
	q, err := awsops.FindNamedQuery(ctx, r.client.Athena, m.NamedQueryID.ValueString())
	switch {
	case awsops.IsNotFound(err):
		m.NamedQueryID = types.StringNull()
	case err != nil:
		return err
	default:
		m.QueryText = types.StringValue(aws.ToString(q.QueryString))
		m.AthenaWorkgroup = types.StringValue(aws.ToString(q.WorkGroup))
	}
	return nil
}

func (r *invocationLoggingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior invocationLoggingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, 30*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	state := plan
	state.BucketARN, state.RoleARN, state.LogGroupARN, state.LogGroupCreated = prior.BucketARN, prior.RoleARN, prior.LogGroupARN, prior.LogGroupCreated
	state.GlueDatabaseName, state.GlueTableName, state.NamedQueryID = prior.GlueDatabaseName, prior.GlueTableName, prior.NamedQueryID
	err := r.converge(ctx, plan, &state, &prior, &resp.Diagnostics)
	state.clearUnknown()
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if err != nil {
		addFailure(&resp.Diagnostics, "Cannot update Bedrock invocation logging", "bucket "+plan.S3BucketName.ValueString(), err, adviceApply)
	}
}

// Delete turns logging off and removes what the resource created. A bucket that holds
// logs is checked first and kept, with everything else, unless force_destroy is set.
func (r *invocationLoggingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state invocationLoggingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, 60*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	bucket := state.S3BucketName.ValueString()
	if !state.ForceDestroy.ValueBool() && !r.bucketMayGo(ctx, bucket, &resp.Diagnostics) {
		return
	}
	runDeleteSteps(&resp.Diagnostics, "Cannot delete the invocation logging ", "bucket "+bucket, r.deleteSteps(ctx, state))
}

// bucketMayGo refuses (with what to do) to delete a bucket that holds logs.
func (r *invocationLoggingResource) bucketMayGo(ctx context.Context, bucket string, diags *diag.Diagnostics) bool {
	has, err := awsops.BucketHasObjects(ctx, r.client.S3, bucket)
	if err != nil {
		addFailure(diags, "Cannot check the log bucket before destroy", "bucket "+bucket, err, adviceDestroy)
		return false
	}
	if has {
		diags.AddError("The log bucket holds invocation logs",
			fmt.Sprintf("The bucket %s is not empty: it holds Bedrock's invocation logs, the audit trail of who called which model. "+
				"Nothing was deleted and logging stays on. To delete the logs with the bucket, set force_destroy = true, apply, "+
				"then destroy; to keep them, copy them elsewhere first, or remove this resource from the state "+
				"(terraform state rm) and delete the rest by hand.", bucket))
		return false
	}
	return true
}

// deleteSteps turn logging off, then remove what the resource created, the bucket last.
func (r *invocationLoggingResource) deleteSteps(ctx context.Context, state invocationLoggingModel) []deleteStep {
	c := r.client
	bucket := state.S3BucketName.ValueString()
	force := state.ForceDestroy.ValueBool()
	return []deleteStep{
		{"logging configuration", func() error {
			cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
			if awsops.IsNotFound(err) || (err == nil && !deliversTo(cfg, bucket)) {
				return nil // gone, or no longer ours: leave it
			}
			if err != nil {
				return err
			}
			return awsops.DeleteInvocationLogging(ctx, c.Bedrock)
		}},
		{"named query", func() error {
			if state.NamedQueryID.IsNull() {
				return nil
			}
			return awsops.DeleteNamedQuery(ctx, c.Athena, state.NamedQueryID.ValueString())
		}},
		{"Glue table", func() error { return awsops.DeleteGlueTable(ctx, c.Glue, auditDatabase, auditTable) }},
		{"Glue database", func() error { return awsops.DeleteGlueDatabase(ctx, c.Glue, auditDatabase) }},
		{"delivery role", func() error {
			if state.LogGroupName.IsNull() {
				return nil
			}
			return awsops.DeleteRole(ctx, c.IAM, auditRoleName(c.Region))
		}},
		{"log group", func() error {
			if !state.LogGroupCreated.ValueBool() {
				return nil // not bedgov's: kept
			}
			return awsops.DeleteLogGroup(ctx, c.Logs, state.LogGroupName.ValueString())
		}},
		{"bucket", func() error {
			if force {
				n, err := awsops.EmptyBucket(ctx, c.S3, bucket)
				tflog.Debug(ctx, "emptied the log bucket (force_destroy)", map[string]any{"bucket": bucket, "objects": n})
				if err != nil {
					return err
				}
			}
			err := awsops.DeleteBucket(ctx, c.S3, bucket)
			if awsops.IsBucketNotEmpty(err) {
				return fmt.Errorf("%s (logs arrived after logging was turned off; run destroy again)", awsops.ErrorText(err))
			}
			return err
		}},
	}
}

// ImportState takes over the Region's logging configuration. The id is the Region (it
// must be the provider's), optionally followed by ",<workgroup>" when the named query
// is in a workgroup other than primary.
func (r *invocationLoggingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	c := r.client
	region, workgroup, explicit := strings.Cut(req.ID, ",")
	if !explicit {
		workgroup = auditQueryWorkgroup
	}
	if region != c.Region {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q: import with the provider's Region, %s (terraform import bedgov_invocation_logging.this %s); "+
			"for another Region, use a provider configured for it.", req.ID, c.Region, c.Region))
		return
	}
	if explicit && !athenaWorkgroupPattern.MatchString(workgroup) {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not an Athena workgroup name (import id <region>[,<workgroup>])", workgroup))
		return
	}
	cfg, err := awsops.FindInvocationLogging(ctx, c.Bedrock)
	switch {
	case awsops.IsNotFound(err):
		resp.Diagnostics.AddError("No invocation logging to import", "Bedrock model invocation logging is not configured in "+c.Region+".")
		return
	case err != nil:
		addFailure(&resp.Diagnostics, "Cannot import Bedrock invocation logging", "Region "+c.Region, err, adviceImport)
		return
	case cfg.S3Config == nil:
		resp.Diagnostics.AddError("Invocation logging without an S3 bucket", fmt.Sprintf("The configuration in %s delivers to %s only; "+
			"bedgov_invocation_logging manages a configuration with an S3 bucket. Add the bucket, or delete the configuration and let bedgov create it.", c.Region, describeLogging(cfg)))
		return
	}
	m := r.importedModel(aws.ToString(cfg.S3Config.BucketName))
	if err := r.importObjects(ctx, &m, cfg, workgroup, explicit); err != nil {
		addFailure(&resp.Diagnostics, "Cannot import Bedrock invocation logging", "bucket "+m.S3BucketName.ValueString(), err, adviceImport)
		return
	}
	m.Tags = importedTags(ctx, c, m.TagsAll, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// importedModel is the state an import starts from: the bucket, and defaults.
func (r *invocationLoggingResource) importedModel(bucket string) invocationLoggingModel {
	return invocationLoggingModel{
		ID: types.StringValue(r.client.Region), S3BucketName: types.StringValue(bucket),
		LogGroupName: types.StringNull(), RetentionDays: types.Int64Value(365), KMSKeyARN: types.StringNull(),
		IncludeText: types.BoolValue(false), IncludeImage: types.BoolValue(false), IncludeEmbedding: types.BoolValue(false),
		AthenaWorkgroup: types.StringNull(), ForceDestroy: types.BoolValue(false),
		Tags: types.MapNull(types.StringType), TagsAll: types.MapNull(types.StringType),
		LoggingEnabled: types.BoolValue(false), BucketARN: types.StringNull(), BucketPolicy: types.StringNull(), PublicAccessBlocked: types.BoolValue(false),
		RoleARN: types.StringNull(), LogGroupARN: types.StringNull(), LogGroupCreated: types.BoolNull(),
		GlueDatabaseName: types.StringNull(), GlueTableName: types.StringNull(), NamedQueryID: types.StringNull(), QueryText: types.StringNull(),
		Timeouts: nullTimeouts(),
	}
}

// importObjects finds the log group (and whether bedgov made it) and the named query,
// then reads everything.
func (r *invocationLoggingResource) importObjects(ctx context.Context, m *invocationLoggingModel, cfg *bedrocktypes.LoggingConfig, workgroup string, explicit bool) error {
	c := r.client
	if cw := cfg.CloudWatchConfig; cw != nil {
		m.LogGroupName = types.StringValue(aws.ToString(cw.LogGroupName))
		// bedgov tags what it creates; a group without its tag was there before.
		tags, err := awsops.LogGroupTags(ctx, c.Logs, r.logGroupARN(m.LogGroupName.ValueString()))
		if err != nil && !awsops.IsNotFound(err) {
			return failed("read the log group's tags", err)
		}
		m.LogGroupCreated = types.BoolValue(tags[tagManagedBy] == managedByBedgov)
	}
	q, err := awsops.FindNamedQueryByName(ctx, c.Athena, workgroup, auditQueryName)
	switch {
	case err == nil:
		m.NamedQueryID = types.StringValue(aws.ToString(q.NamedQueryId))
	case awsops.IsNotFound(err):
		if explicit {
			m.AthenaWorkgroup = types.StringValue(workgroup) // planned anew
		}
	default:
		return failed("find the Athena named query", err)
	}
	if _, err := r.refresh(ctx, m); err != nil {
		return err
	}
	if m.QueryText.IsNull() {
		query, _, err := r.monthlyQuery(ctx)
		if err != nil {
			return failed("list the teams' inference profiles", err)
		}
		m.QueryText = types.StringValue(query)
	}
	return nil
}

func (m *invocationLoggingModel) clearUnknown() {
	for _, s := range []*types.String{&m.ID, &m.BucketARN, &m.BucketPolicy, &m.RoleARN, &m.LogGroupARN, &m.GlueDatabaseName,
		&m.GlueTableName, &m.NamedQueryID, &m.QueryText} {
		if s.IsUnknown() {
			*s = types.StringNull()
		}
	}
	for _, b := range []*types.Bool{&m.LoggingEnabled, &m.PublicAccessBlocked, &m.LogGroupCreated} {
		if b.IsUnknown() {
			*b = types.BoolNull()
		}
	}
	if m.TagsAll.IsUnknown() {
		m.TagsAll = types.MapNull(types.StringType)
	}
}
