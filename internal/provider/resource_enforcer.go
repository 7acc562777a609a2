package provider

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer/artifact"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

var (
	_ resource.Resource                = (*enforcerResource)(nil)
	_ resource.ResourceWithConfigure   = (*enforcerResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*enforcerResource)(nil)
	_ resource.ResourceWithImportState = (*enforcerResource)(nil)
)

// NewEnforcerResource is the bedgov_enforcer resource: the proxy that makes team caps
// hard, deployed as a Lambda function from the artifact embedded in this provider.
func NewEnforcerResource() resource.Resource {
	return &enforcerResource{}
}

type enforcerResource struct {
	client  *awsclient.Client
	version string
}

type enforcerModel struct {
	ID               types.String   `tfsdk:"id"`
	Name             types.String   `tfsdk:"name"`
	Architecture     types.String   `tfsdk:"architecture"`
	MemorySize       types.Int64    `tfsdk:"memory_size"`
	Timeout          types.Int64    `tfsdk:"timeout"`
	AuthMode         types.String   `tfsdk:"auth_mode"`
	FailMode         types.String   `tfsdk:"fail_mode"`
	LogRetentionDays types.Int64    `tfsdk:"log_retention_days"`
	PricingOverrides types.Map      `tfsdk:"pricing_overrides"`
	PricingSource    types.String   `tfsdk:"pricing_source"`
	PricedModels     types.Map      `tfsdk:"priced_models"`
	Tags             types.Map      `tfsdk:"tags"`
	TagsAll          types.Map      `tfsdk:"tags_all"`
	FunctionName     types.String   `tfsdk:"function_name"`
	FunctionARN      types.String   `tfsdk:"function_arn"`
	FunctionURL      types.String   `tfsdk:"function_url"`
	RoleName         types.String   `tfsdk:"role_name"`
	RoleARN          types.String   `tfsdk:"role_arn"`
	TableName        types.String   `tfsdk:"table_name"`
	TableARN         types.String   `tfsdk:"table_arn"`
	ReservationIndex types.String   `tfsdk:"reservation_index_status"`
	LogGroupName     types.String   `tfsdk:"log_group_name"`
	ArtifactSHA256   types.String   `tfsdk:"artifact_sha256"`
	EnforcerVersion  types.String   `tfsdk:"enforcer_version"`
	SCPJSON          types.String   `tfsdk:"scp_json"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

type priceModel struct {
	InputPerMTok      types.String `tfsdk:"input_per_mtok"`
	OutputPerMTok     types.String `tfsdk:"output_per_mtok"`
	CacheReadPerMTok  types.String `tfsdk:"cache_read_per_mtok"`
	CacheWritePerMTok types.String `tfsdk:"cache_write_per_mtok"`
	priceDims
}

var priceAttrTypes = map[string]attr.Type{
	"input_per_mtok": types.StringType, "output_per_mtok": types.StringType,
	"cache_read_per_mtok": types.StringType, "cache_write_per_mtok": types.StringType,
}

// CloudWatch Logs' accepted retention values.
var logRetentionValues = []int64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func (r *enforcerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_enforcer"
}

func (r *enforcerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = enforcerSchema(ctx)
}

func enforcerSchema(ctx context.Context) schema.Schema {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: stable}
	}
	price := func(desc string, required bool) schema.StringAttribute {
		return schema.StringAttribute{
			Required: required, Optional: !required, MarkdownDescription: desc,
			Validators: []validator.String{stringvalidator.RegexMatches(usdPattern, "must be a USD amount per million tokens such as 3 or 0.25")},
		}
	}
	return schema.Schema{
		MarkdownDescription: "The bedgov enforcer: a Bedrock Runtime–compatible proxy that makes each team's monthly cap hard " +
			"(notify, degrade, block, exactly under concurrency). It is deployed from the Lambda package embedded in this " +
			"provider: a DynamoDB cap table (on-demand, TTL, point-in-time recovery, encryption), a least-privilege " +
			"execution role, a log group, the function and its URL. A provider upgrade that changes the enforcer shows as " +
			"an in-place update of `artifact_sha256`.",
		Attributes: map[string]schema.Attribute{
			"id": computed("The enforcer name."),
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Prefix of every object: `<name>-enforcer` (function and role), `<name>-caps` (table), " +
					"`/aws/lambda/<name>-enforcer` (logs). 2 to 32 lowercase letters, digits and single hyphens.",
				Validators: []validator.String{
					stringvalidator.LengthBetween(2, 32),
					stringvalidator.RegexMatches(enforcerNamePattern, "must be lowercase letters, digits and single hyphens, starting with a letter (e.g. bedgov)"),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"architecture": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(artifact.ArchARM64),
				MarkdownDescription: "Lambda architecture: `arm64` (default, cheaper) or `x86_64`.",
				Validators:          []validator.String{stringvalidator.OneOf(artifact.Architectures...)},
			},
			"memory_size": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(256),
				MarkdownDescription: "Memory in MB, 128 to 10240. Default 256.",
				Validators:          []validator.Int64{int64validator.Between(128, 10240)},
			},
			"timeout": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(300),
				MarkdownDescription: "Longest request in seconds, 10 to 900 (long streams need time). Also the life of a reservation. Default 300.",
				Validators:          []validator.Int64{int64validator.Between(10, 900)},
			},
			"auth_mode": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("iam"),
				MarkdownDescription: "`iam` (default): the function URL uses AWS_IAM auth and the caller's principal maps to a team. " +
					"`api_key`: the URL has no AWS auth and the enforcer checks each team's bearer key (stored only as a hash).",
				Validators: []validator.String{stringvalidator.OneOf("iam", "api_key")},
			},
			"fail_mode": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("closed"),
				MarkdownDescription: "What happens when the ledger (DynamoDB) is unreachable: `closed` (default) refuses with 503; " +
					"`open` lets requests through uncounted and says so in every log line and a metric.",
				Validators: []validator.String{stringvalidator.OneOf("closed", "open")},
			},
			"log_retention_days": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(30),
				MarkdownDescription: "Retention of the enforcer's log group. Default 30.",
				Validators:          []validator.Int64{int64validator.OneOf(logRetentionValues...)},
			},
			"pricing_overrides": schema.MapNestedAttribute{
				Optional: true,
				MarkdownDescription: "Prices per model id (USD per million tokens) that replace the embedded price table, " +
					"e.g. for negotiated rates or a model the table does not know.",
				Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 256))},
				NestedObject: schema.NestedAttributeObject{Attributes: withPriceDims(map[string]schema.Attribute{
					"input_per_mtok":       price("Input price.", true),
					"output_per_mtok":      price("Output price.", true),
					"cache_read_per_mtok":  price("Cache-read price; defaults to the table's or the input price.", false),
					"cache_write_per_mtok": price("Cache-write price; defaults to the table's or the input price.", false),
				}, price)},
			},
			"pricing_source": pricingSourceAttribute(),
			"priced_models":  pricedModelsAttribute(),
			"tags": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Tags for the enforcer's objects, merged over the provider's `default_tags`.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128)),
					mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
					enforcerTagsValidator(),
				},
			},
			"tags_all": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "All tags: `default_tags`, `tags` and `managed-by = bedgov`.",
			},
			"function_name": computed("Name of the Lambda function."),
			"function_arn":  computed("ARN of the Lambda function."),
			"function_url": computed("The enforcer's URL (HTTPS): teams use it as their Bedrock Runtime endpoint (the SDK's endpoint URL, " +
				"Claude Code's `ANTHROPIC_BEDROCK_BASE_URL`), and name their team's `inference_profile_arn` as the model. Besides the URL a " +
				"client needs, in `api_key` mode, the team's `api_key` as its Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`, sent as " +
				"`Authorization: Bearer`); in `iam` mode, credentials of one of the team's `principals` and a SigV4 signature for signing " +
				"name `lambda` (not `bedrock`) in the enforcer's Region. Clients that cannot change their signing name (the Anthropic SDK, " +
				"Claude Code, OpenAI-format clients on `<url>/openai/v1`) use `api_key` mode. See the Clients guide."),
			"role_name":  computed("Name of the execution role."),
			"role_arn":   computed("ARN of the execution role. Teams wired to the enforcer attach their invoke policy to it."),
			"table_name": computed("Name of the DynamoDB cap table."),
			"table_arn":  computed("ARN of the DynamoDB cap table."),
			"reservation_index_status": schema.StringAttribute{Computed: true, MarkdownDescription: "Status of the cap table's `" +
				governance.ReservationIndex + "` global secondary index, through which the enforcer finds expired reservations: " +
				"`ACTIVE` after apply. A table created by an earlier bedgov version has none; plan then shows this attribute " +
				"changing, and apply adds the index in place (UpdateTable) and waits while DynamoDB backfills it from the table's " +
				"items. The table keeps serving the enforcer meanwhile."},
			"log_group_name":   computed("Name of the enforcer's log group."),
			"artifact_sha256":  schema.StringAttribute{Computed: true, MarkdownDescription: "SHA-256 (hex) of the deployed Lambda package. It changes, as an in-place update, when a provider upgrade brings a different enforcer."},
			"enforcer_version": schema.StringAttribute{Computed: true, MarkdownDescription: "Version of the provider whose enforcer is deployed."},
			"scp_json":         scpAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *enforcerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
	if r.client != nil {
		r.version = r.client.Version
	}
}

// ModifyPlan checks at plan time that this provider carries the enforcer package for
// the chosen architecture (never failing halfway through apply), plans artifact_sha256
// so an upgrade shows as an update, and plans tags_all.
func (r *enforcerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, state enforcerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	hasState := !req.State.Raw.IsNull()
	if hasState {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client != nil {
		if msg := enforcerRegionError(r.client.Region); msg != "" {
			resp.Diagnostics.AddError("Function URLs are not available in this Region", msg)
			return
		}
	}
	if !plan.Architecture.IsUnknown() {
		a, err := artifact.Get(plan.Architecture.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("architecture"), "Enforcer package missing from this provider build", err.Error())
			return
		}
		plan.ArtifactSHA256 = types.StringValue(a.SHA256)
	} else {
		plan.ArtifactSHA256 = types.StringUnknown()
	}
	if r.version != "" {
		plan.EnforcerVersion = types.StringValue(r.version)
	}
	if !plan.Name.IsUnknown() {
		n := namesFor(plan.Name.ValueString())
		plan.ID = plan.Name
		plan.FunctionName, plan.RoleName, plan.TableName, plan.LogGroupName =
			types.StringValue(n.function), types.StringValue(n.role), types.StringValue(n.table), types.StringValue(n.logGroup)
	}
	plan.TagsAll = mergeTags(ctx, r.client, plan.Tags, map[string]string{tagManagedBy: managedByBedgov}, &resp.Diagnostics)
	var prior *enforcerModel
	if hasState {
		prior = &state
	}
	r.planPricing(ctx, &plan, prior, &resp.Diagnostics)
	plan.SCPJSON = enforcerSCP(r.client, plan.Name)
	planReservationIndex(&plan, &state, hasState, &resp.Diagnostics)

	// Sub-objects Read found deleted out of band are planned anew.
	if hasState {
		for _, p := range []struct {
			state types.String
			plan  *types.String
		}{{state.FunctionARN, &plan.FunctionARN}, {state.FunctionURL, &plan.FunctionURL}, {state.RoleARN, &plan.RoleARN}, {state.TableARN, &plan.TableARN}} {
			if p.state.IsNull() {
				*p.plan = types.StringUnknown()
			}
		}
		if state.LogGroupName.IsNull() {
			plan.LogGroupName = types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planReservationIndex plans the cap table's reservations index ACTIVE; a table Read
// found without it (created by an earlier bedgov) shows as an in-place update, with a
// warning that says why.
func planReservationIndex(plan, state *enforcerModel, hasState bool, diags *diag.Diagnostics) {
	plan.ReservationIndex = types.StringValue(awsops.IndexActive)
	if !hasState || state.TableARN.IsNull() || state.ReservationIndex.Equal(plan.ReservationIndex) {
		return
	}
	have := "no `" + governance.ReservationIndex + "` index"
	if !state.ReservationIndex.IsNull() {
		have = "its `" + governance.ReservationIndex + "` index " + state.ReservationIndex.ValueString()
	}
	diags.AddAttributeWarning(path.Root("reservation_index_status"), "The cap table's reservations index will be added in place",
		fmt.Sprintf("The cap table %s has %s: it was created by an earlier bedgov version. This version's enforcer keeps each "+
			"reservation in an item of its own and finds the expired ones through that index. Apply adds the index to the table "+
			"(UpdateTable) and waits while DynamoDB backfills it; the table, its spend and its reservations stay as they are and keep serving requests.",
			state.TableName.ValueString(), have))
}

// environment is the enforcer's configuration as Lambda environment variables (the
// contract internal/enforcer documents).
func (m enforcerModel) environment(ctx context.Context, diags *diag.Diagnostics) map[string]string {
	env := map[string]string{
		"BEDGOV_TABLE":           namesFor(m.Name.ValueString()).table,
		"BEDGOV_AUTH_MODE":       m.AuthMode.ValueString(),
		"BEDGOV_FAIL_MODE":       m.FailMode.ValueString(),
		"BEDGOV_RESERVATION_TTL": strconv.FormatInt(m.Timeout.ValueInt64(), 10) + "s",
	}
	if !m.PricingOverrides.IsNull() && !m.PricingOverrides.IsUnknown() {
		var prices map[string]priceModel
		diags.Append(m.PricingOverrides.ElementsAs(ctx, &prices, false)...)
		out := map[string]map[string]string{}
		for model, p := range prices {
			entry := map[string]string{"input_per_mtok": p.InputPerMTok.ValueString(), "output_per_mtok": p.OutputPerMTok.ValueString()}
			if !p.CacheReadPerMTok.IsNull() {
				entry["cache_read_per_mtok"] = p.CacheReadPerMTok.ValueString()
			}
			if !p.CacheWritePerMTok.IsNull() {
				entry["cache_write_per_mtok"] = p.CacheWritePerMTok.ValueString()
			}
			p.addTo(entry)
			out[model] = entry
		}
		b, _ := json.Marshal(out)
		env["BEDGOV_PRICING_OVERRIDES"] = string(b)
	}
	return env
}

func (m enforcerModel) urlAuthType() lambdatypes.FunctionUrlAuthType {
	if m.AuthMode.ValueString() == "api_key" {
		return lambdatypes.FunctionUrlAuthTypeNone
	}
	return lambdatypes.FunctionUrlAuthTypeAwsIam
}

func (r *enforcerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan enforcerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	state := plan
	state.clearUnknown()
	state.FunctionARN, state.FunctionURL, state.RoleARN, state.TableARN = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
	state.ReservationIndex = types.StringNull()
	err := r.converge(ctx, plan, &state, nil)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if err != nil {
		addFailure(&resp.Diagnostics, "Cannot create the enforcer", "enforcer "+plan.Name.ValueString(), err, adviceCreate)
	}
}

// enforcerApply is what every enforcer apply step works from.
type enforcerApply struct {
	plan        enforcerModel
	state       *enforcerModel
	prior       *enforcerModel // nil on create
	names       enforcerNames
	tags        map[string]string
	tagsChanged bool
}

// converge creates what state lacks and brings the rest in line with plan, recording
// each object in state as soon as it exists. prior is the state before an update (nil on
// create). A failure names its step.
func (r *enforcerResource) converge(ctx context.Context, plan enforcerModel, state *enforcerModel, prior *enforcerModel) error {
	if r.client.AccountID == "" {
		return fmt.Errorf("the account id is unknown (skip_requesting_account_id is set); the enforcer's policies need it")
	}
	a := &enforcerApply{plan: plan, state: state, prior: prior, names: namesFor(plan.Name.ValueString()),
		tags: mapFromTF(ctx, plan.TagsAll, new(diag.Diagnostics)), tagsChanged: prior != nil && !plan.TagsAll.Equal(prior.TagsAll)}
	return runSteps(ctx, a,
		r.ensureTable, r.ensureLogGroup, r.ensureRole, r.ensureFunction, r.ensureFunctionURL,
	)
}

// ensureTable creates the cap table, or brings its settings and tags up to date.
func (r *enforcerResource) ensureTable(ctx context.Context, a *enforcerApply) error {
	c, state := r.client, a.state
	if state.TableARN.IsNull() {
		tableARN, err := awsops.CreateCapTable(ctx, c.DynamoDB, a.names.table, a.tags)
		if tableARN != "" {
			state.TableARN = types.StringValue(tableARN)
		}
		if err == nil {
			state.ReservationIndex = a.plan.ReservationIndex // created with the table, waited for
		}
		return failed("create the enforcer's cap table", err)
	}
	if a.prior == nil {
		return nil
	}
	if !a.prior.ReservationIndex.Equal(a.plan.ReservationIndex) {
		if err := awsops.AddReservationIndex(ctx, c.DynamoDB, a.names.table); err != nil {
			return failed("add the reservations index to the enforcer's cap table", err)
		}
		state.ReservationIndex = a.plan.ReservationIndex
	}
	if err := awsops.ConfigureCapTable(ctx, c.DynamoDB, a.names.table); err != nil {
		return failed("configure the enforcer's cap table", err)
	}
	if a.tagsChanged {
		return failed("tag the enforcer's cap table", awsops.SyncTags(ctx, awsops.TableTagger(c.DynamoDB), state.TableARN.ValueString(), a.tags))
	}
	return nil
}

// ensureLogGroup creates the function's log group (CreateLogGroup also sets the
// retention of one that exists), and syncs its tags.
func (r *enforcerResource) ensureLogGroup(ctx context.Context, a *enforcerApply) error {
	c, plan, state, prior, n := r.client, a.plan, a.state, a.prior, a.names
	if state.LogGroupName.IsNull() || prior == nil || !plan.LogRetentionDays.Equal(prior.LogRetentionDays) {
		if err := awsops.CreateLogGroup(ctx, c.Logs, n.logGroup, int32(plan.LogRetentionDays.ValueInt64()), a.tags); err != nil {
			return failed("create the enforcer's log group", err)
		}
		state.LogGroupName = types.StringValue(n.logGroup)
	}
	if a.tagsChanged {
		return failed("tag the enforcer's log group", awsops.SyncTags(ctx, awsops.LogGroupTagger(c.Logs), r.logGroupARN(n), a.tags))
	}
	return nil
}

func (r *enforcerResource) logGroupARN(n enforcerNames) string {
	return r.client.RegionalARN("logs", "log-group:"+n.logGroup)
}

// ensureRole creates the execution role, syncs its tags, and puts its inline policy
// when it differs.
func (r *enforcerResource) ensureRole(ctx context.Context, a *enforcerApply) error {
	c, state, n := r.client, a.state, a.names
	rolePolicy, err := governance.EnforcerRolePolicy(c.Partition, c.Region, c.AccountID, state.TableARN.ValueString(), r.logGroupARN(n))
	if err != nil {
		return failed("build the enforcer role's policy", err)
	}
	if state.RoleARN.IsNull() {
		trust, err := governance.EnforcerTrustPolicy(c.AccountID)
		if err != nil {
			return failed("build the enforcer role's trust policy", err)
		}
		roleARN, err := awsops.CreateRole(ctx, c.IAM, n.role, enforcerRolePath, "bedgov enforcer "+a.plan.Name.ValueString(), trust, a.tags)
		if err != nil {
			return failed("create the enforcer's role", err)
		}
		state.RoleARN = types.StringValue(roleARN)
	} else if a.tagsChanged {
		if err := awsops.SyncTags(ctx, awsops.RoleTagger(c.IAM), n.role, a.tags); err != nil {
			return failed("tag the enforcer's role", err)
		}
	}
	if have, err := awsops.RolePolicy(ctx, c.IAM, n.role, enforcerRolePolicyName); err != nil || normalizeJSON(have) != rolePolicy {
		if err := awsops.PutRolePolicy(ctx, c.IAM, n.role, enforcerRolePolicyName, rolePolicy); err != nil {
			return failed("put the enforcer role's policy", err)
		}
	}
	return r.ensureInvokePolicy(ctx, a.plan.Name.ValueString())
}

// ensureFunction creates the function from the embedded package, or deploys a new
// package, configuration and tags.
func (r *enforcerResource) ensureFunction(ctx context.Context, a *enforcerApply) error {
	plan, state, prior := a.plan, a.state, a.prior
	pkg, err := artifact.Get(plan.Architecture.ValueString())
	if err != nil {
		return failed("find the enforcer package", err)
	}
	var envDiags diag.Diagnostics
	spec := awsops.FunctionSpec{
		Name: a.names.function, RoleARN: state.RoleARN.ValueString(), Architecture: pkg.Arch,
		MemoryMB: int32(plan.MemorySize.ValueInt64()), TimeoutSec: int32(plan.Timeout.ValueInt64()),
		Env: plan.environment(ctx, &envDiags), LogGroup: a.names.logGroup,
		Description: "bedgov enforcer " + r.version, Tags: a.tags,
	}
	if envDiags.HasError() {
		return fmt.Errorf("pricing_overrides: %v", envDiags)
	}
	if err := r.addPriceList(ctx, plan, spec.Env); err != nil {
		return err
	}
	if state.FunctionARN.IsNull() {
		if spec.Zip, err = pkg.Zip(); err != nil {
			return failed("read the enforcer package", err)
		}
		functionARN, err := awsops.CreateFunction(ctx, r.client.Lambda, spec)
		if functionARN != "" {
			state.FunctionARN = types.StringValue(functionARN)
			state.ArtifactSHA256 = types.StringValue(pkg.SHA256)
		}
		return failed("create the enforcer's function", err)
	}
	if prior == nil {
		return nil
	}
	return r.updateFunction(ctx, a, pkg, spec)
}

// updateFunction deploys a new package when it changed, then the configuration and the
// tags when they changed.
func (r *enforcerResource) updateFunction(ctx context.Context, a *enforcerApply, pkg artifact.Artifact, spec awsops.FunctionSpec) error {
	c, plan, prior := r.client, a.plan, a.prior
	if !prior.ArtifactSHA256.Equal(types.StringValue(pkg.SHA256)) || !plan.Architecture.Equal(prior.Architecture) {
		zip, err := pkg.Zip()
		if err != nil {
			return failed("read the enforcer package", err)
		}
		if err := awsops.UpdateFunctionCode(ctx, c.Lambda, a.names.function, zip, pkg.Arch); err != nil {
			return failed("deploy the enforcer's new package", err)
		}
	}
	a.state.ArtifactSHA256 = types.StringValue(pkg.SHA256)
	if !plan.MemorySize.Equal(prior.MemorySize) || !plan.Timeout.Equal(prior.Timeout) || !plan.AuthMode.Equal(prior.AuthMode) ||
		!plan.FailMode.Equal(prior.FailMode) || !plan.PricingOverrides.Equal(prior.PricingOverrides) || !plan.EnforcerVersion.Equal(prior.EnforcerVersion) ||
		!plan.PricingSource.Equal(prior.PricingSource) || !plan.PricedModels.Equal(prior.PricedModels) {
		if err := awsops.UpdateFunctionConfiguration(ctx, c.Lambda, spec); err != nil {
			return failed("update the enforcer function's configuration", err)
		}
	}
	if a.tagsChanged {
		return failed("tag the enforcer's function", awsops.SyncTags(ctx, awsops.FunctionTagger(c.Lambda), a.state.FunctionARN.ValueString(), a.tags))
	}
	return nil
}

// ensureFunctionURL makes the function URL (and, for api_key mode, the public-invoke
// permissions).
func (r *enforcerResource) ensureFunctionURL(ctx context.Context, a *enforcerApply) error {
	url, err := awsops.EnsureFunctionURL(ctx, r.client.Lambda, a.names.function, a.plan.urlAuthType())
	if url != "" {
		a.state.FunctionURL = types.StringValue(url)
	}
	return failed("set up the enforcer's function URL", err)
}

func (r *enforcerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readState(ctx, req, resp, "the enforcer", func(m enforcerModel) string { return "enforcer " + m.Name.ValueString() }, r.refresh)
}

// refresh reads every sub-object into m; a deleted one becomes null (ModifyPlan plans
// it anew). gone is true when nothing of the enforcer is left.
func (r *enforcerResource) refresh(ctx context.Context, m *enforcerModel) (gone bool, err error) {
	n := namesFor(m.Name.ValueString())
	tflog.Debug(ctx, "refreshing enforcer", map[string]any{"enforcer": m.Name.ValueString()})
	for _, step := range []struct {
		what string
		fn   func(context.Context, *enforcerModel, enforcerNames) error
	}{
		{"read the enforcer's cap table", r.refreshTable},
		{"read the enforcer's log group", r.refreshLogGroup},
		{"read the enforcer's role", r.refreshRole},
		{"read the enforcer's function", r.refreshFunction},
	} {
		if err := step.fn(ctx, m, n); err != nil {
			return false, failed(step.what, err)
		}
	}
	if m.TableARN.IsNull() && m.LogGroupName.IsNull() && m.RoleARN.IsNull() && m.FunctionARN.IsNull() {
		return true, nil
	}
	m.ID = m.Name
	m.SCPJSON = enforcerSCP(r.client, m.Name)
	return false, nil
}

func (r *enforcerResource) refreshTable(ctx context.Context, m *enforcerModel, n enforcerNames) error {
	table, err := awsops.FindCapTable(ctx, r.client.DynamoDB, n.table)
	switch {
	case awsops.IsNotFound(err):
		m.TableARN, m.ReservationIndex = types.StringNull(), types.StringNull()
	case err != nil:
		return err
	default:
		m.TableARN, m.TableName = types.StringValue(table.ARN), types.StringValue(n.table)
		m.ReservationIndex = types.StringNull() // a table from before the index
		if table.ReservationIndex != "" {
			m.ReservationIndex = types.StringValue(table.ReservationIndex)
		}
	}
	return nil
}

func (r *enforcerResource) refreshLogGroup(ctx context.Context, m *enforcerModel, n enforcerNames) error {
	lg, err := awsops.FindLogGroup(ctx, r.client.Logs, n.logGroup)
	switch {
	case awsops.IsNotFound(err):
		m.LogGroupName = types.StringNull()
	case err != nil:
		return err
	default:
		m.LogGroupName = types.StringValue(n.logGroup)
		if lg.RetentionInDays != nil {
			m.LogRetentionDays = types.Int64Value(int64(*lg.RetentionInDays))
		}
	}
	return nil
}

func (r *enforcerResource) refreshRole(ctx context.Context, m *enforcerModel, n enforcerNames) error {
	role, err := awsops.FindRole(ctx, r.client.IAM, n.role)
	switch {
	case awsops.IsNotFound(err):
		m.RoleARN = types.StringNull()
	case err != nil:
		return err
	default:
		m.RoleARN, m.RoleName = types.StringValue(aws.ToString(role.Arn)), types.StringValue(n.role)
	}
	return nil
}

// refreshFunction reads the function's configuration, tags and URL.
func (r *enforcerResource) refreshFunction(ctx context.Context, m *enforcerModel, n enforcerNames) error {
	fn, err := awsops.FindFunction(ctx, r.client.Lambda, n.function)
	switch {
	case awsops.IsNotFound(err):
		m.FunctionARN, m.FunctionURL = types.StringNull(), types.StringNull()
		return nil
	case err != nil:
		return err
	}
	m.FunctionName = types.StringValue(n.function)
	readFunctionConfiguration(ctx, m, fn.Configuration)
	m.TagsAll, _ = types.MapValueFrom(ctx, types.StringType, fn.Tags)
	url, err := awsops.FindFunctionURL(ctx, r.client.Lambda, n.function)
	switch {
	case awsops.IsNotFound(err):
		m.FunctionURL = types.StringNull()
	case err != nil:
		return err
	default:
		m.FunctionURL = types.StringValue(aws.ToString(url.FunctionUrl))
		if url.AuthType == lambdatypes.FunctionUrlAuthTypeNone && m.AuthMode.ValueString() == "iam" {
			m.FunctionURL = types.StringNull() // an open URL in iam mode is drift: plan it anew
		}
	}
	return nil
}

// readFunctionConfiguration reads the attributes the function's configuration holds:
// size, architecture, package, the environment the enforcer reads, and the version.
func readFunctionConfiguration(ctx context.Context, m *enforcerModel, cfg *lambdatypes.FunctionConfiguration) {
	m.FunctionARN = types.StringValue(aws.ToString(cfg.FunctionArn))
	m.MemorySize = types.Int64Value(int64(aws.ToInt32(cfg.MemorySize)))
	m.Timeout = types.Int64Value(int64(aws.ToInt32(cfg.Timeout)))
	if len(cfg.Architectures) == 1 {
		m.Architecture = types.StringValue(string(cfg.Architectures[0]))
	}
	if raw, err := base64.StdEncoding.DecodeString(aws.ToString(cfg.CodeSha256)); err == nil {
		m.ArtifactSHA256 = types.StringValue(hex.EncodeToString(raw))
	}
	if cfg.Environment != nil {
		env := cfg.Environment.Variables
		if v := env["BEDGOV_AUTH_MODE"]; v != "" {
			m.AuthMode = types.StringValue(v)
		}
		if v := env["BEDGOV_FAIL_MODE"]; v != "" {
			m.FailMode = types.StringValue(v)
		}
		if m.PricingOverrides.IsNull() || env["BEDGOV_PRICING_OVERRIDES"] == "" {
			m.PricingOverrides = pricingFromEnv(ctx, env["BEDGOV_PRICING_OVERRIDES"])
		}
		readPricing(ctx, m, env)
	}
	if d := aws.ToString(cfg.Description); len(d) > len("bedgov enforcer ") {
		m.EnforcerVersion = types.StringValue(d[len("bedgov enforcer "):])
	}
}

// pricingFromEnv reads pricing_overrides back from the function's environment (import).
func pricingFromEnv(ctx context.Context, raw string) types.Map {
	null := types.MapNull(types.ObjectType{AttrTypes: priceAttrTypes})
	if raw == "" {
		return null
	}
	var in map[string]map[string]string
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return null
	}
	out := map[string]priceModel{}
	str := func(v string) types.String {
		if v == "" {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	for model, p := range in {
		out[model] = priceModel{InputPerMTok: str(p["input_per_mtok"]), OutputPerMTok: str(p["output_per_mtok"]),
			CacheReadPerMTok: str(p["cache_read_per_mtok"]), CacheWritePerMTok: str(p["cache_write_per_mtok"]), priceDims: priceDimsFrom(p)}
	}
	m, diags := types.MapValueFrom(ctx, types.ObjectType{AttrTypes: priceAttrTypes}, out)
	if diags.HasError() {
		return null
	}
	return m
}

func (r *enforcerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior enforcerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	state := plan
	state.FunctionARN, state.FunctionURL, state.RoleARN, state.TableARN, state.LogGroupName =
		prior.FunctionARN, prior.FunctionURL, prior.RoleARN, prior.TableARN, prior.LogGroupName
	state.ArtifactSHA256, state.ReservationIndex = prior.ArtifactSHA256, prior.ReservationIndex
	state.clearUnknown()
	err := r.converge(ctx, plan, &state, &prior)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if err != nil {
		addFailure(&resp.Diagnostics, "Cannot update the enforcer", "enforcer "+plan.Name.ValueString(), err, adviceApply)
	}
}

func (r *enforcerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state enforcerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.client
	n := namesFor(state.Name.ValueString())
	runDeleteSteps(&resp.Diagnostics, "Cannot delete the enforcer's ", "enforcer "+state.Name.ValueString(), []deleteStep{
		{"function", func() error { return awsops.DeleteFunction(ctx, c.Lambda, n.function) }},
		{"role", func() error { return awsops.DeleteRole(ctx, c.IAM, n.role) }},
		{"log group", func() error { return awsops.DeleteLogGroup(ctx, c.Logs, n.logGroup) }},
		{"cap table", func() error { return awsops.DeleteTable(ctx, c.DynamoDB, n.table) }},
	})
}

// ImportState finds an enforcer's objects by their names.
func (r *enforcerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name := req.ID
	if !enforcerNamePattern.MatchString(name) || len(name) < 2 || len(name) > 32 {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not an enforcer name; import with the name, e.g. terraform import bedgov_enforcer.main bedgov", name))
		return
	}
	n := namesFor(name)
	m := enforcerModel{
		ID: types.StringValue(name), Name: types.StringValue(name), Architecture: types.StringValue(artifact.ArchARM64),
		MemorySize: types.Int64Value(256), Timeout: types.Int64Value(300), AuthMode: types.StringValue("iam"), FailMode: types.StringValue("closed"),
		LogRetentionDays: types.Int64Value(30), PricingOverrides: types.MapNull(types.ObjectType{AttrTypes: priceAttrTypes}),
		Tags: types.MapNull(types.StringType), TagsAll: types.MapNull(types.StringType),
		FunctionName: types.StringValue(n.function), RoleName: types.StringValue(n.role), TableName: types.StringValue(n.table),
		LogGroupName: types.StringValue(n.logGroup), EnforcerVersion: types.StringNull(), ArtifactSHA256: types.StringNull(),
		FunctionARN: types.StringNull(), FunctionURL: types.StringNull(), RoleARN: types.StringNull(), TableARN: types.StringNull(),
		ReservationIndex: types.StringNull(), Timeouts: nullTimeouts(),
		// Read from the function, when there is one (an enforcer whose function is gone
		// imports too, and apply creates it).
		PricingSource: types.StringNull(), PricedModels: types.MapNull(types.StringType),
	}
	gone, err := r.refresh(ctx, &m)
	if err != nil {
		addFailure(&resp.Diagnostics, "Cannot import the enforcer", "enforcer "+name, err, adviceImport)
		return
	}
	if gone {
		resp.Diagnostics.AddError("Enforcer not found", fmt.Sprintf("No bedgov enforcer %q in %s: found none of the function %s, the role %s, the table %s or the log group %s.",
			name, r.client.Region, n.function, n.role, n.table, n.logGroup))
		return
	}
	m.Tags = importedTags(ctx, r.client, m.TagsAll, &resp.Diagnostics)
	m.SCPJSON = enforcerSCP(r.client, m.Name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (m *enforcerModel) clearUnknown() {
	for _, s := range []*types.String{&m.ID, &m.FunctionName, &m.FunctionARN, &m.FunctionURL, &m.RoleName, &m.RoleARN,
		&m.TableName, &m.TableARN, &m.ReservationIndex, &m.LogGroupName, &m.ArtifactSHA256, &m.EnforcerVersion, &m.SCPJSON} {
		if s.IsUnknown() {
			*s = types.StringNull()
		}
	}
	if m.TagsAll.IsUnknown() {
		m.TagsAll = types.MapNull(types.StringType)
	}
}
