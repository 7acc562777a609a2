package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

var (
	_ resource.Resource                = (*teamResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*teamResource)(nil)
	_ resource.ResourceWithImportState = (*teamResource)(nil)

	_ resource.ResourceWithValidateConfig = (*teamResource)(nil)
)

// NewTeamResource is the bedgov_team resource: one team's governed lane, composed of
// several AWS objects whose identifiers are all computed attributes.
func NewTeamResource() resource.Resource {
	return &teamResource{}
}

type teamResource struct {
	client *awsclient.Client
}

// teamModel is the team's state: one embedded model per part, each declared in its part's
// file with its own schema function and steps. The framework reads and writes the
// promoted fields by their tfsdk tags (embedded structs: terraform-plugin-framework
// v1.11.0 and later).
type teamModel struct {
	teamCoreModel     // part 1: name, tags, inference profiles and the invoke policy (this file)
	teamAlertingModel // part 2: budget, alerts, anomaly detection, dashboard (resource_team_alerting.go)
	teamEnforcerModel // part 3: the enforcer wiring (resource_team_enforcer.go)

	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// teamCoreModel is part 1: the team's identity and tags, its inference profiles and its
// invoke policy.
type teamCoreModel struct {
	ID                         types.String `tfsdk:"id"`
	Name                       types.String `tfsdk:"name"`
	Model                      types.String `tfsdk:"model"`
	DegradeToModel             types.String `tfsdk:"degrade_to_model"`
	CostCenter                 types.String `tfsdk:"cost_center"`
	Principals                 types.Set    `tfsdk:"principals"`
	Tags                       types.Map    `tfsdk:"tags"`
	TagsAll                    types.Map    `tfsdk:"tags_all"`
	ModelSourceARN             types.String `tfsdk:"model_source_arn"`
	InferenceProfileARN        types.String `tfsdk:"inference_profile_arn"`
	InferenceProfileID         types.String `tfsdk:"inference_profile_id"`
	DegradeModelSourceARN      types.String `tfsdk:"degrade_model_source_arn"`
	DegradeInferenceProfileARN types.String `tfsdk:"degrade_inference_profile_arn"`
	DegradeInferenceProfileID  types.String `tfsdk:"degrade_inference_profile_id"`
	ModelARNs                  types.List   `tfsdk:"model_arns"`
	PolicyARN                  types.String `tfsdk:"policy_arn"`
	PolicyJSON                 types.String `tfsdk:"policy_json"`
}

// copyConfig takes the part's configuration (not its computed identifiers) from plan.
// Principals are not copied: syncPrincipals records them as they are attached.
func (m *teamCoreModel) copyConfig(plan teamCoreModel) {
	m.Model, m.DegradeToModel, m.CostCenter, m.Tags, m.TagsAll = plan.Model, plan.DegradeToModel, plan.CostCenter, plan.Tags, plan.TagsAll
}

// clearUnknown turns the part's unknown computed values into null.
func (m *teamCoreModel) clearUnknown() {
	nullUnknownStrings(&m.ID, &m.ModelSourceARN, &m.InferenceProfileARN, &m.InferenceProfileID,
		&m.DegradeModelSourceARN, &m.DegradeInferenceProfileARN, &m.DegradeInferenceProfileID, &m.PolicyARN, &m.PolicyJSON)
	if m.ModelARNs.IsUnknown() {
		m.ModelARNs = types.ListNull(types.StringType)
	}
	if m.TagsAll.IsUnknown() {
		m.TagsAll = types.MapNull(types.StringType)
	}
}

// null is the part for an import of team: only the name is known.
func (m *teamCoreModel) null(team string) {
	*m = teamCoreModel{
		ID: types.StringValue(team), Name: types.StringValue(team),
		Model: types.StringNull(), DegradeToModel: types.StringNull(), CostCenter: types.StringNull(),
		Principals: types.SetNull(types.StringType), Tags: types.MapNull(types.StringType), TagsAll: types.MapNull(types.StringType),
		ModelARNs: types.ListNull(types.StringType), PolicyJSON: types.StringNull(),
	}
	m.clearUnknown()
}

// copyConfig takes every part's configuration from plan (Update keeps the identifiers
// state has and converges them to it).
func (m *teamModel) copyConfig(plan teamModel) {
	m.teamCoreModel.copyConfig(plan.teamCoreModel)
	m.teamAlertingModel.copyConfig(plan.teamAlertingModel)
	m.teamEnforcerModel.copyConfig(plan.teamEnforcerModel)
	m.Timeouts = plan.Timeouts
}

// clearUnknown turns every unknown computed value into null, so a partial result can be
// saved to state (state may hold no unknowns).
func (m *teamModel) clearUnknown() {
	m.teamCoreModel.clearUnknown()
	m.teamAlertingModel.clearUnknown()
	m.teamEnforcerModel.clearUnknown()
}

func (r *teamResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (r *teamResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = teamSchema(ctx)
}

func teamSchema(ctx context.Context) schema.Schema {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	s := schema.Schema{
		MarkdownDescription: "A team's governed lane on Amazon Bedrock: an application inference profile tagged for " +
			"cost allocation (and a second one for the degrade model), and a customer-managed IAM policy that lets the " +
			"team's principals invoke only through those profiles. Changing `model` replaces only that profile inside " +
			"the team (create new, repoint the policy, delete old); changing `name` replaces the team.\n\n" +
			"With `monthly_budget`, `alarms`, `anomaly_detection`, `dashboard` or `notification_emails`, the team also gets " +
			"native AWS visibility and warnings: an AWS Budget on the team's cost allocation tag with notifications at the " +
			"`thresholds`, an SNS topic they publish to, CloudWatch alarms on the team's profile, a Cost Anomaly Detection " +
			"monitor and a CloudWatch dashboard. Budgets lag spend by hours: they are the backstop, not the cap.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The team name.", PlanModifiers: stable,
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Team name: 2 to 32 lowercase letters, digits and single hyphens, starting with a letter. " +
					"It names every sub-object (`bedgov-<name>-...`) and is the `team` cost allocation tag.",
				Validators: []validator.String{
					stringvalidator.LengthBetween(2, 32),
					stringvalidator.RegexMatches(teamNamePattern, "must be lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. ai-core)"),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"model": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The model the team uses: a foundation model id (`anthropic.claude-3-5-sonnet-20241022-v2:0`) " +
					"or ARN, or a system-defined cross-region inference profile id (`us.anthropic...`) or ARN, in the provider's region.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 2048)},
			},
			"degrade_to_model": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Optional cheaper model the enforcer switches to at the degrade threshold; same forms as `model`.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 2048)},
			},
			"cost_center": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Value of the `cost-center` tag.",
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 256),
					stringvalidator.RegexMatches(regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`), "may contain only letters, digits, spaces and _.:/=+-@"),
					costCenterValidator(),
				},
			},
			"principals": schema.SetAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "ARNs of the IAM roles, users and groups the team's invoke policy is attached to.",
				Validators:          []validator.Set{setvalidator.ValueStringsAre(iamPrincipalARN())},
			},
			"tags": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Tags for the team's objects, merged over the provider's `default_tags`. The keys `team`, `cost-center`, `managed-by`, `monthly-budget` and `bedgov:*` are set by bedgov.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128), stringvalidator.NoneOf(reservedTagKeys...),
						stringvalidator.RegexMatches(regexp.MustCompile(`^[^a]|^a[^w]|^aw[^s]|^aws[^:]|^.{1,3}$`), "must not start with aws:")),
					mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
					teamTagsValidator(),
				},
			},
			"tags_all": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "All tags on the team's objects: provider `default_tags`, `tags`, and the tags bedgov sets (`team`, `cost-center`, `managed-by`).",
			},
			"model_source_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The foundation-model or system-defined profile ARN `model` resolves to in the provider's region.",
			},
			"inference_profile_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the team's application inference profile. Teams call Bedrock with this as the model id.",
			},
			"inference_profile_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Id of the team's application inference profile.",
			},
			"degrade_model_source_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The ARN `degrade_to_model` resolves to.",
			},
			"degrade_inference_profile_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the degrade profile, when `degrade_to_model` is set.",
			},
			"degrade_inference_profile_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Id of the degrade profile, when `degrade_to_model` is set.",
			},
			"model_arns": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Foundation-model ARNs the team's profiles route to, in every region (cross-region profiles route to several).",
			},
			"policy_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the team's IAM policy `bedgov-<name>-invoke`.",
			},
			"policy_json": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The IAM policy document.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
	addAlertingSchema(s)
	addEnforcerSchema(s)
	return s
}

func (r *teamResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan resolves the models at plan time (so an unknown model or a model in another
// region fails the plan, not the apply), plans tags_all, and marks as unknown the
// identifiers of sub-objects that will be made anew: a changed model's profile, and any
// sub-object that Read found deleted out of band. Each part plans its own attributes.
func (r *teamResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan teamModel
	var state *teamModel // nil on create
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		state = new(teamModel)
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.Name
	plan.TagsAll = r.planTagsAll(ctx, plan, &resp.Diagnostics)
	resolver := r.newModelResolver(ctx, &resp.Diagnostics)
	profilesChanged := r.planProfiles(&plan, state, resolver)
	r.reviewTeamModels(ctx, plan, time.Now(), &resp.Diagnostics)
	r.planPolicy(ctx, &plan, state, profilesChanged, resolver, &resp.Diagnostics)
	r.planAlerting(ctx, req, &plan, state, &resp.Diagnostics)
	r.planEnforcer(ctx, &plan, state, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// modelResolver resolves each model once per plan: a model or profile that does not
// exist in the region fails the plan, with the region named.
type modelResolver func(p path.Path, model types.String) *awsops.ModelSource

func (r *teamResource) newModelResolver(ctx context.Context, diags *diag.Diagnostics) modelResolver {
	sources := map[string]*awsops.ModelSource{}
	return func(p path.Path, model types.String) *awsops.ModelSource {
		if model.IsUnknown() || model.IsNull() || r.client == nil {
			return nil
		}
		if src, ok := sources[model.ValueString()]; ok {
			return src
		}
		src, err := awsops.ResolveModel(ctx, r.client.Bedrock, r.client.Region, model.ValueString())
		if err != nil {
			diags.AddAttributeError(p, "Model not available", fmt.Sprintf("%s: %s.", p, awsops.ErrorText(err)))
			return nil
		}
		sources[model.ValueString()] = &src
		r.warnUnsubscribed(ctx, p, src, diags)
		return &src
	}
}

func sourceARN(src *awsops.ModelSource) types.String {
	if src == nil {
		return types.StringUnknown()
	}
	return types.StringValue(src.ARN)
}

// teamProfile is one of a team's two inference profiles as attributes of a teamModel:
// the model it serves, the model's source ARN, and the profile's ARN and ID.
type teamProfile struct {
	attr                   string // the model's attribute
	role                   string // its bedgov:role tag: primary or degraded
	infix                  string // in its name and description: "" for the primary profile
	model, source, arn, id *types.String
}

// profiles are the team's primary and degrade profiles, in that order.
func (m *teamModel) profiles() [2]teamProfile {
	return [2]teamProfile{
		{"model", "primary", "", &m.Model, &m.ModelSourceARN, &m.InferenceProfileARN, &m.InferenceProfileID},
		{"degrade_to_model", "degraded", "degraded", &m.DegradeToModel, &m.DegradeModelSourceARN, &m.DegradeInferenceProfileARN, &m.DegradeInferenceProfileID},
	}
}

// planProfiles plans both profiles and reports whether either will be made anew.
func (r *teamResource) planProfiles(plan *teamModel, state *teamModel, resolve modelResolver) bool {
	var prior [2]*teamProfile
	if state != nil {
		have := state.profiles()
		prior = [2]*teamProfile{&have[0], &have[1]}
	}
	changed := false
	for i, p := range plan.profiles() {
		changed = planProfile(p, prior[i], resolve) || changed
	}
	return changed
}

// planProfile keeps a profile while its model is the same (in any spelling); the degrade
// model may be absent, and then so is its profile.
func planProfile(plan teamProfile, state *teamProfile, resolve modelResolver) (changed bool) {
	kept := state != nil && !state.arn.IsNull()
	switch {
	case plan.model.IsNull():
		*plan.source, *plan.arn, *plan.id = types.StringNull(), types.StringNull(), types.StringNull()
		return kept
	case kept && plan.model.Equal(*state.model):
		*plan.source, *plan.arn, *plan.id = *state.source, *state.arn, *state.id
		return false
	}
	*plan.source = sourceARN(resolve(path.Root(plan.attr), *plan.model))
	if kept && plan.source.Equal(*state.source) {
		*plan.arn, *plan.id = *state.arn, *state.id
		return false
	}
	*plan.arn, *plan.id = types.StringUnknown(), types.StringUnknown()
	return true
}

// planPolicy plans the invoke policy: recreated when gone; its document follows the
// profiles.
func (r *teamResource) planPolicy(ctx context.Context, plan *teamModel, state *teamModel, profilesChanged bool, resolve modelResolver, diags *diag.Diagnostics) {
	if state != nil && !state.PolicyARN.IsNull() {
		plan.PolicyARN = state.PolicyARN
	} else {
		plan.PolicyARN = types.StringUnknown()
	}
	if state != nil && !profilesChanged && !state.ModelARNs.IsNull() {
		plan.ModelARNs = state.ModelARNs
		plan.PolicyJSON = r.expectedPolicyJSON(ctx, *plan, diags)
	} else {
		plan.ModelARNs, plan.PolicyJSON = r.planNewPolicy(ctx, *plan, resolve, diags)
	}
}

// planNewPolicy plans model_arns from the models' routes and checks, before any API
// call, that the policy will fit IAM's size limit (with the longest profile ARNs the new
// profiles can have).
func (r *teamResource) planNewPolicy(ctx context.Context, plan teamModel, resolve modelResolver, diags *diag.Diagnostics) (types.List, types.String) {
	unknown := func() (types.List, types.String) { return types.ListUnknown(types.StringType), types.StringUnknown() }
	seen := map[string]bool{}
	for _, p := range plan.profiles() {
		if p.model.IsNull() {
			continue // no degrade model
		}
		src := resolve(path.Root(p.attr), *p.model)
		if src == nil {
			return unknown()
		}
		for _, m := range src.Models {
			seen[m] = true
		}
	}
	models := make([]string, 0, len(seen))
	for m := range seen {
		models = append(models, m)
	}
	sort.Strings(models)
	list := stringList(models)

	probe := plan
	probe.ModelARNs = list
	placeholder := r.client.RegionalARN("bedrock", "application-inference-profile/xxxxxxxxxxxx")
	probe.InferenceProfileARN = types.StringValue(placeholder)
	if !plan.DegradeToModel.IsNull() {
		probe.DegradeInferenceProfileARN = types.StringValue(placeholder + "d")
	}
	if _, err := teamPolicyDocument(probe); err != nil {
		diags.AddAttributeError(path.Root("model"), "The team's IAM policy would be too large", err.Error())
	}
	return list, types.StringUnknown()
}

// planTagsAll merges default_tags, tags and the tags bedgov sets, in that order.
func (r *teamResource) planTagsAll(ctx context.Context, plan teamModel, diags *diag.Diagnostics) types.Map {
	if plan.Tags.IsUnknown() || plan.CostCenter.IsUnknown() || plan.Name.IsUnknown() {
		return types.MapUnknown(types.StringType)
	}
	all := map[string]string{}
	if r.client != nil {
		for k, v := range r.client.DefaultTags {
			all[k] = v
		}
	}
	if !plan.Tags.IsNull() {
		var tags map[string]string
		diags.Append(plan.Tags.ElementsAs(ctx, &tags, false)...)
		for k, v := range tags {
			all[k] = v
		}
	}
	for k, v := range systemTags(plan) {
		all[k] = v
	}
	m, d := types.MapValueFrom(ctx, types.StringType, all)
	diags.Append(d...)
	return m
}

func (r *teamResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// Every step saves what it made to state before the next one, so a failure leaves
	// a tainted team whose objects are all known: the next apply replaces it, and
	// destroy removes everything.
	state := plan
	state.clearUnknown()
	state.clearIDs() // the alerting identifiers: planned from fixed names, but nothing is made yet
	save := func() { resp.Diagnostics.Append(resp.State.Set(ctx, &state)...) }
	if err := r.create(ctx, plan, &state, mapFromTF(ctx, plan.TagsAll, &resp.Diagnostics), save); err != nil {
		state.clearUnknown()
		addFailure(&resp.Diagnostics, "Cannot create the team", "team "+plan.Name.ValueString(), err, adviceCreate)
	}
	save()
}

// create runs each part's apply steps in order, saving state after each.
func (r *teamResource) create(ctx context.Context, plan teamModel, state *teamModel, tags map[string]string, save func()) error {
	if err := r.ensureProfiles(ctx, plan, state, tags); err != nil {
		return failed("create the team's inference profile", err)
	}
	save()
	if err := r.ensurePolicy(ctx, plan, state, tags, nil); err != nil {
		return failed("create the team's IAM policy", err)
	}
	save()
	if err := r.ensureAlerting(ctx, plan, state, nil, tags, save); err != nil {
		return err
	}
	save()
	return failed("wire the team to its enforcer", r.ensureEnforcer(ctx, plan, state, nil, tags))
}

// ensureProfiles creates the primary and degrade profiles that state lacks or whose
// model changed, and fills model_arns. It does not delete replaced profiles: the caller
// does that once the policy points at the new ones.
func (r *teamResource) ensureProfiles(ctx context.Context, plan teamModel, state *teamModel, tags map[string]string) error {
	team := plan.Name.ValueString()
	have := state.profiles()
	for i, p := range plan.profiles() {
		if p.model.IsNull() || !have[i].arn.IsNull() {
			continue
		}
		src, err := r.resolve(ctx, p.model.ValueString(), *p.source)
		if err != nil {
			return err
		}
		description := "bedgov team " + team
		if p.infix != "" {
			description += " " + p.infix
		}
		arnStr, id, err := awsops.CreateInferenceProfile(ctx, r.client.Bedrock, profileName(team, p.infix, src), src,
			description, wiredProfileTags(profileTags(tags, p.model.ValueString(), p.role, plan.MonthlyBudget), plan.Enforcer))
		if err != nil {
			return err
		}
		*have[i].source, *have[i].arn, *have[i].id = types.StringValue(src), types.StringValue(arnStr), types.StringValue(id)
	}
	models, err := r.routedModels(ctx, *state)
	if err != nil {
		return err
	}
	state.ModelARNs = stringList(models)
	return nil
}

func (r *teamResource) resolve(ctx context.Context, model string, planned types.String) (string, error) {
	if !planned.IsNull() && !planned.IsUnknown() {
		return planned.ValueString(), nil
	}
	src, err := awsops.ResolveModel(ctx, r.client.Bedrock, r.client.Region, model)
	return src.ARN, err
}

// routedModels asks Bedrock which foundation models the team's profiles route to.
func (r *teamResource) routedModels(ctx context.Context, m teamModel) ([]string, error) {
	seen := map[string]bool{}
	for _, id := range []types.String{m.InferenceProfileARN, m.DegradeInferenceProfileARN} {
		if id.IsNull() || id.IsUnknown() {
			continue
		}
		p, err := awsops.FindInferenceProfile(ctx, r.client.Bedrock, id.ValueString())
		if err != nil {
			return nil, err
		}
		for _, a := range awsops.ModelARNs(p) {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, nil
}

// ensurePolicy creates the policy when state has none (attaching every principal), or
// brings its document, tags and attachments up to date.
func (r *teamResource) ensurePolicy(ctx context.Context, plan teamModel, state *teamModel, tags map[string]string, prior *teamModel) error {
	doc, err := teamPolicyDocument(*state)
	if err != nil {
		return err
	}
	// With an enforcer the principals call the enforcer, never Bedrock directly.
	var want []string
	if plan.Enforcer.IsNull() {
		want = principalsOf(ctx, plan.Principals)
	}
	if state.PolicyARN.IsNull() {
		policyARN, err := awsops.CreatePolicy(ctx, r.client.IAM, policyName(plan.Name.ValueString()), policyPath,
			"bedgov: invoke Bedrock only through team "+plan.Name.ValueString()+"'s inference profiles", doc, tags)
		if err != nil {
			return err
		}
		state.PolicyARN = types.StringValue(policyARN)
		state.PolicyJSON = types.StringValue(doc)
		state.Principals = types.SetNull(types.StringType)
		return r.syncPrincipals(ctx, plan, state, nil, want)
	}

	policyARN := state.PolicyARN.ValueString()
	if prior == nil || !prior.PolicyJSON.Equal(types.StringValue(doc)) {
		if err := awsops.UpdatePolicyDocument(ctx, r.client.IAM, policyARN, doc); err != nil {
			return err
		}
	}
	state.PolicyJSON = types.StringValue(doc)
	if err := awsops.SyncTags(ctx, awsops.PolicyTagger(r.client.IAM), policyARN, tags); err != nil {
		return err
	}
	var have []string
	if prior != nil && prior.Enforcer.IsNull() {
		have = principalsOf(ctx, prior.Principals)
	}
	return r.syncPrincipals(ctx, plan, state, have, want)
}

// syncPrincipals attaches the policy to principals in want and detaches it from those
// only in have, recording progress in state.Principals.
func (r *teamResource) syncPrincipals(ctx context.Context, plan teamModel, state *teamModel, have, want []string) error {
	return r.syncPrincipalsOf(ctx, plan, state, state.PolicyARN.ValueString(), have, want)
}

// syncPrincipalsOf is syncPrincipals for any managed policy (the invoke policy, or the
// caller policy of a team behind an enforcer).
func (r *teamResource) syncPrincipalsOf(ctx context.Context, plan teamModel, state *teamModel, policyARN string, have, want []string) error {
	current := map[string]bool{}
	for _, p := range have {
		current[p] = true
	}
	wanted := map[string]bool{}
	for _, p := range want {
		wanted[p] = true
	}
	record := func() {
		if plan.Principals.IsNull() && len(current) == 0 {
			state.Principals = types.SetNull(types.StringType)
			return
		}
		list := make([]string, 0, len(current))
		for p := range current {
			list = append(list, p)
		}
		sort.Strings(list)
		state.Principals = stringSet(list)
	}
	defer record()
	for _, p := range have {
		if wanted[p] {
			continue
		}
		pr, err := awsops.ParsePrincipal(p)
		if err != nil {
			return err
		}
		if err := awsops.Detach(ctx, r.client.IAM, policyARN, pr); err != nil {
			return err
		}
		delete(current, p)
	}
	for _, p := range want {
		if current[p] {
			continue
		}
		pr, err := awsops.ParsePrincipal(p)
		if err != nil {
			return err
		}
		if err := awsops.Attach(ctx, r.client.IAM, policyARN, pr); err != nil {
			return err
		}
		current[p] = true
	}
	return nil
}

func (r *teamResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readState(ctx, req, resp, "the team", func(m teamModel) string { return "team " + m.Name.ValueString() }, r.refresh)
}

// coreRead is what refreshing part 1 learns that the other parts use: the live tags,
// and who the invoke policy is attached to (nil when it was not read).
type coreRead struct {
	liveTags       map[string]string
	invokeAttached map[string]bool
}

// refresh reads every sub-object into m, part by part. A sub-object deleted out of band
// becomes null, which ModifyPlan turns into a planned re-create. gone is true when
// nothing is left.
func (r *teamResource) refresh(ctx context.Context, m *teamModel) (gone bool, err error) {
	tflog.Debug(ctx, "refreshing team", map[string]any{"team": m.Name.ValueString()})
	var read coreRead
	if err := r.refreshProfiles(ctx, m, &read); err != nil {
		return false, failed("read the team's inference profiles", err)
	}
	if err := r.refreshPolicy(ctx, m, &read); err != nil {
		return false, failed("read the team's IAM policy", err)
	}
	if m.InferenceProfileARN.IsNull() && m.DegradeInferenceProfileARN.IsNull() && m.PolicyARN.IsNull() {
		return true, nil
	}
	if read.liveTags != nil {
		r.readTags(ctx, m, read.liveTags)
	}
	if err := r.refreshAlerting(ctx, m); err != nil {
		return false, err
	}
	if err := r.refreshEnforcer(ctx, m, read.liveTags); err != nil {
		return false, failed("read the team's enforcer wiring", err)
	}
	m.ID = m.Name
	return false, nil
}

// refreshProfiles reads both profiles and the foundation models they route to.
func (r *teamResource) refreshProfiles(ctx context.Context, m *teamModel, read *coreRead) error {
	routed := map[string]bool{}
	for _, p := range m.profiles() {
		if err := r.refreshProfile(ctx, m, p, routed, read); err != nil {
			return err
		}
	}
	if len(routed) == 0 {
		m.ModelARNs = types.ListNull(types.StringType)
		return nil
	}
	models := make([]string, 0, len(routed))
	for a := range routed {
		models = append(models, a)
	}
	sort.Strings(models)
	m.ModelARNs = stringList(models)
	return nil
}

// refreshProfile reads one profile into its attributes (the model from its bedgov:model
// tag on import) and adds the models it routes to.
func (r *teamResource) refreshProfile(ctx context.Context, m *teamModel, prof teamProfile, routed map[string]bool, read *coreRead) error {
	if prof.arn.IsNull() {
		return nil
	}
	p, err := awsops.FindInferenceProfile(ctx, r.client.Bedrock, prof.arn.ValueString())
	if awsops.IsNotFound(err) {
		tflog.Debug(ctx, "inference profile deleted out of band", map[string]any{"team": m.Name.ValueString(), "arn": prof.arn.ValueString()})
		*prof.arn, *prof.id, *prof.source = types.StringNull(), types.StringNull(), types.StringNull()
		return nil
	}
	if err != nil {
		return err
	}
	*prof.id = types.StringValue(aws.ToString(p.InferenceProfileId))
	for _, a := range awsops.ModelARNs(p) {
		routed[a] = true
	}
	tags, err := awsops.ProfileTags(ctx, r.client.Bedrock, prof.arn.ValueString())
	if err != nil && !awsops.IsNotFound(err) {
		return err
	}
	if v, ok := tags[tagModel]; ok && prof.model.IsNull() {
		*prof.model = types.StringValue(v) // import
	}
	if read.liveTags == nil {
		read.liveTags = tags
	}
	return nil
}

// refreshPolicy reads the invoke policy's document, tags and attachments.
func (r *teamResource) refreshPolicy(ctx context.Context, m *teamModel, read *coreRead) error {
	if m.PolicyARN.IsNull() {
		return nil
	}
	policy, err := awsops.FindPolicy(ctx, r.client.IAM, m.PolicyARN.ValueString())
	switch {
	case awsops.IsNotFound(err):
		tflog.Debug(ctx, "IAM policy deleted out of band", map[string]any{"team": m.Name.ValueString()})
		m.PolicyARN, m.PolicyJSON = types.StringNull(), types.StringNull()
		return nil
	case err != nil:
		return err
	}
	doc, err := awsops.PolicyDocument(ctx, r.client.IAM, m.PolicyARN.ValueString(), aws.ToString(policy.DefaultVersionId))
	if err != nil {
		return err
	}
	m.PolicyJSON = types.StringValue(normalizeJSON(doc))
	if read.liveTags == nil {
		read.liveTags = awsops.PolicyTags(policy.Tags)
	}
	read.invokeAttached, err = awsops.AttachedEntities(ctx, r.client.IAM, m.PolicyARN.ValueString())
	if err != nil {
		return err
	}
	if m.Enforcer.IsNull() {
		m.Principals = r.attachedPrincipals(ctx, m.Principals, read.invokeAttached)
	}
	return nil
}

// attachedPrincipals keeps the principals bedgov attached that still are; on import
// (no principals in state) it reports every attachment as an ARN.
func (r *teamResource) attachedPrincipals(ctx context.Context, inState types.Set, attached map[string]bool) types.Set {
	if inState.IsNull() {
		if len(attached) == 0 {
			return types.SetNull(types.StringType)
		}
		var arns []string
		for key := range attached {
			kind, name, _ := cutKey(key)
			arns = append(arns, r.client.ARN("iam", "", r.client.AccountID, kind+"/"+name))
		}
		sort.Strings(arns)
		return stringSet(arns)
	}
	var keep []string
	for _, p := range principalsOf(ctx, inState) {
		pr, err := awsops.ParsePrincipal(p)
		if err == nil && attached[pr.Key()] {
			keep = append(keep, p)
		}
	}
	return stringSet(keep)
}

// readTags sets tags_all from the live tags (without the per-profile bedgov:* keys) and
// tags to what is neither a default tag nor set by bedgov.
func (r *teamResource) readTags(ctx context.Context, m *teamModel, live map[string]string) {
	all := map[string]string{}
	own := map[string]string{}
	for k, v := range live {
		if k == tagModel || k == tagRole || k == tagBudget || k == tagEnforcer {
			continue
		}
		all[k] = v
		if k == tagTeam || k == tagManagedBy {
			continue
		}
		if k == tagCostCenter {
			m.CostCenter = types.StringValue(v)
			continue
		}
		if dv, ok := r.client.DefaultTags[k]; ok && dv == v {
			continue
		}
		own[k] = v
	}
	if _, ok := live[tagCostCenter]; !ok {
		m.CostCenter = types.StringNull()
	}
	m.TagsAll, _ = types.MapValueFrom(ctx, types.StringType, all)
	if len(own) == 0 && m.Tags.IsNull() {
		return
	}
	m.Tags, _ = types.MapValueFrom(ctx, types.StringType, own)
}

func (r *teamResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	state := prior
	state.copyConfig(plan)
	save := func() { resp.Diagnostics.Append(resp.State.Set(ctx, &state)...) }
	if err := r.update(ctx, plan, prior, &state, mapFromTF(ctx, plan.TagsAll, &resp.Diagnostics), save); err != nil {
		state.clearUnknown()
		addFailure(&resp.Diagnostics, "Cannot update the team", "team "+plan.Name.ValueString(), err, adviceApply)
	}
	save()
}

// update converges each part to plan from prior, saving state as it goes. Profiles
// whose model changed are replaced inside the team: create the new one, point the
// policy, alarms, dashboard and cap record at it, then delete the old one.
func (r *teamResource) update(ctx context.Context, plan, prior teamModel, state *teamModel, tags map[string]string, save func()) error {
	retire := retiredProfiles(plan, prior, state)
	if err := r.ensureProfiles(ctx, plan, state, tags); err != nil {
		return failed("update the team's inference profiles", err)
	}
	if err := r.tagProfiles(ctx, plan, *state, tags); err != nil {
		return failed("tag the team's inference profile", err)
	}
	if err := r.ensurePolicy(ctx, plan, state, tags, &prior); err != nil {
		return failed("update the team's IAM policy", err)
	}
	save()
	if err := r.ensureAlerting(ctx, plan, state, &prior, tags, save); err != nil {
		return err
	}
	if err := r.ensureEnforcer(ctx, plan, state, &prior, tags); err != nil {
		return failed("wire the team to its enforcer", err)
	}
	for _, old := range retire {
		if err := awsops.DeleteInferenceProfile(ctx, r.client.Bedrock, old); err != nil {
			return failed("delete the team's replaced inference profile", err)
		}
	}
	return nil
}

// retiredProfiles are the ARNs of the profiles plan replaces or drops; state forgets
// them, so ensureProfiles makes the new ones.
func retiredProfiles(plan, prior teamModel, state *teamModel) []string {
	var retire []string
	was, now := prior.profiles(), state.profiles()
	for i, p := range plan.profiles() {
		if (p.arn.IsUnknown() || p.model.IsNull()) && !was[i].arn.IsNull() {
			retire = append(retire, was[i].arn.ValueString())
			*now[i].arn, *now[i].id, *now[i].source = types.StringNull(), types.StringNull(), types.StringNull()
		}
	}
	return retire
}

// tagProfiles brings the tags of the profiles that stay to plan.
func (r *teamResource) tagProfiles(ctx context.Context, plan, state teamModel, tags map[string]string) error {
	have := state.profiles()
	for i, p := range plan.profiles() {
		arn := have[i].arn.ValueString()
		if arn == "" {
			continue
		}
		if err := awsops.SyncTags(ctx, awsops.ProfileTagger(r.client.Bedrock), arn, wiredProfileTags(profileTags(tags, p.model.ValueString(), p.role, plan.MonthlyBudget), plan.Enforcer)); err != nil {
			return err
		}
	}
	return nil
}

func (r *teamResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.delete(ctx, state); err != nil {
		addFailure(&resp.Diagnostics, "Cannot delete the team", "team "+state.Name.ValueString(), err, adviceDestroy)
	}
}

// delete removes each part, the enforcer wiring first and the profiles last.
func (r *teamResource) delete(ctx context.Context, state teamModel) error {
	if !state.Enforcer.IsNull() {
		if err := r.unwire(ctx, state, &state); err != nil {
			return failed("remove the team from its enforcer", err)
		}
	}
	if err := r.deleteAlerting(ctx, state); err != nil {
		return err
	}
	return r.deleteCore(ctx, state)
}

// deleteCore deletes the policy first (it detaches itself), so no principal keeps rights
// to a profile that is about to go, then the profiles.
func (r *teamResource) deleteCore(ctx context.Context, state teamModel) error {
	if !state.PolicyARN.IsNull() {
		if err := awsops.DeletePolicy(ctx, r.client.IAM, state.PolicyARN.ValueString()); err != nil {
			return failed("delete the team's IAM policy", err)
		}
	}
	for _, p := range []types.String{state.DegradeInferenceProfileARN, state.InferenceProfileARN} {
		if p.IsNull() {
			continue
		}
		if err := awsops.DeleteInferenceProfile(ctx, r.client.Bedrock, p.ValueString()); err != nil {
			return failed("delete the team's inference profile", err)
		}
	}
	return nil
}

// ImportState finds a team's objects by their naming convention and tags, part by part.
func (r *teamResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	team := req.ID
	if !teamNamePattern.MatchString(team) {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not a team name; import with the team's name, e.g. terraform import bedgov_team.x ai-core", team))
		return
	}
	m := teamModel{Timeouts: nullTimeouts()}
	m.teamCoreModel.null(team)
	m.teamAlertingModel.null()
	m.teamEnforcerModel.null()
	policyARN := r.client.ARN("iam", "", r.client.AccountID, "policy"+policyPath+policyName(team))
	if err := r.importCore(ctx, &m, policyARN); err != nil {
		addFailure(&resp.Diagnostics, "Cannot import the team", "team "+team, err, adviceImport)
		return
	}
	if m.InferenceProfileARN.IsNull() && m.PolicyARN.IsNull() {
		resp.Diagnostics.AddError("Team not found",
			fmt.Sprintf("No bedgov team %q in %s: found neither an inference profile named %s* tagged team=%s nor the IAM policy %s.",
				team, r.client.Region, profilePrefix(team), team, policyARN))
		return
	}
	if err := r.importParts(ctx, &m); err != nil {
		addFailure(&resp.Diagnostics, "Cannot import the team", "team "+team, err, adviceImport)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// importCore finds the team's profiles (by name prefix and tags) and invoke policy.
func (r *teamResource) importCore(ctx context.Context, m *teamModel, policyARN string) error {
	team := m.Name.ValueString()
	candidates, err := awsops.ListApplicationProfiles(ctx, r.client.Bedrock, profilePrefix(team))
	if err != nil {
		return err
	}
	for _, c := range candidates {
		tags, err := awsops.ProfileTags(ctx, r.client.Bedrock, aws.ToString(c.InferenceProfileArn))
		if err != nil || tags[tagTeam] != team || tags[tagManagedBy] != managedByBedgov {
			continue
		}
		switch tags[tagRole] {
		case "primary":
			m.InferenceProfileARN = types.StringValue(aws.ToString(c.InferenceProfileArn))
		case "degraded":
			m.DegradeInferenceProfileARN = types.StringValue(aws.ToString(c.InferenceProfileArn))
		}
	}
	if _, err := awsops.FindPolicy(ctx, r.client.IAM, policyARN); err == nil {
		m.PolicyARN = types.StringValue(policyARN)
	} else if !awsops.IsNotFound(err) {
		return err
	}
	return nil
}

// importParts imports parts 2 and 3, reads everything, and resolves the models the
// profiles' bedgov:model tags name.
func (r *teamResource) importParts(ctx context.Context, m *teamModel) error {
	if err := r.importAlerting(ctx, m); err != nil {
		return err
	}
	if err := r.importEnforcer(ctx, m); err != nil {
		return err
	}
	if _, err := r.refresh(ctx, m); err != nil {
		return err
	}
	for _, p := range m.profiles() {
		if p.arn.IsNull() || p.model.IsNull() {
			continue
		}
		if src, err := awsops.ResolveModel(ctx, r.client.Bedrock, r.client.Region, p.model.ValueString()); err == nil {
			*p.source = types.StringValue(src.ARN)
		}
	}
	return nil
}
