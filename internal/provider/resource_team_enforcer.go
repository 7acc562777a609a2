package provider

// Part 3 of bedgov_team: a team wired to a bedgov_enforcer. The team's profiles are
// tagged for the enforcer, whose role invokes them (its invoke policy grants on the tag,
// so nothing per team is attached to it) and the direct path to Bedrock closes; its principals get the
// right to call the enforcer's URL instead (iam mode) or the team gets a bearer key
// (api_key mode), and the team's cap record carries its budget, thresholds, profiles,
// identities, topic and override. Plan shows what a budget change does to a team that
// has already spent.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

type overrideModel struct {
	LimitUSD  types.Float64 `tfsdk:"limit_usd"`
	ExpiresAt types.String  `tfsdk:"expires_at"`
	Reason    types.String  `tfsdk:"reason"`
}

var overrideAttrTypes = map[string]attr.Type{"limit_usd": types.Float64Type, "expires_at": types.StringType, "reason": types.StringType}

// teamEnforcerModel is part 3 of bedgov_team.
type teamEnforcerModel struct {
	Enforcer          types.String  `tfsdk:"enforcer"`
	APIKeyVersion     types.Int64   `tfsdk:"api_key_version"`
	APIKey            types.String  `tfsdk:"api_key"`
	CallerPolicyARN   types.String  `tfsdk:"caller_policy_arn"`
	CurrentSpendUSD   types.Float64 `tfsdk:"current_spend_usd"`
	SpendPercent      types.Int64   `tfsdk:"spend_percent"`
	ProjectedState    types.String  `tfsdk:"projected_state"`
	EmergencyOverride types.Object  `tfsdk:"emergency_override"`
	CapSlices         types.Int64   `tfsdk:"cap_slices"`
}

// copyConfig takes the part's configuration from plan; the enforcer itself is recorded
// once the team is wired to it.
func (m *teamEnforcerModel) copyConfig(plan teamEnforcerModel) {
	m.APIKeyVersion, m.EmergencyOverride, m.CapSlices = plan.APIKeyVersion, plan.EmergencyOverride, plan.CapSlices
}

// clearUnknown turns the part's unknown computed values into null.
func (m *teamEnforcerModel) clearUnknown() {
	nullUnknownStrings(&m.APIKey, &m.CallerPolicyARN, &m.ProjectedState)
	if m.CurrentSpendUSD.IsUnknown() {
		m.CurrentSpendUSD = types.Float64Null()
	}
	if m.SpendPercent.IsUnknown() {
		m.SpendPercent = types.Int64Null()
	}
}

// null sets every part-3 attribute to null (an import starts from nothing).
func (m *teamEnforcerModel) null() {
	m.Enforcer, m.APIKey, m.CallerPolicyARN = types.StringNull(), types.StringNull(), types.StringNull()
	m.unwired()
	m.APIKeyVersion = types.Int64Null()
	m.EmergencyOverride = types.ObjectNull(overrideAttrTypes)
	m.CapSlices = types.Int64Value(1)
}

// unwired clears what only a wired team has: the key and the spend it shows.
func (m *teamEnforcerModel) unwired() {
	m.CurrentSpendUSD, m.SpendPercent, m.ProjectedState, m.APIKey = types.Float64Null(), types.Int64Null(), types.StringNull(), types.StringNull()
}

// maxOverride is how far ahead an emergency override may expire.
const maxOverride = 31 * 24 * time.Hour

func addEnforcerSchema(s schema.Schema) {
	s.Attributes["enforcer"] = schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "Name (`id`) of the `bedgov_enforcer` that makes this team's `monthly_budget` a hard cap. The team's " +
			"profiles are then tagged `bedgov:enforcer = <enforcer>`, which the enforcer's role may invoke (one fixed-size " +
			"policy for any number of teams), and its invoke policy is attached to nobody, so the direct path to Bedrock " +
			"closes: in `iam` mode the principals get the right to call the enforcer's URL (`caller_policy_arn`), in `api_key` " +
			"mode the team gets `api_key`. Removing it removes the team's cap record and wiring.",
		Validators: []validator.String{stringvalidator.RegexMatches(enforcerNamePattern, "must be a bedgov_enforcer name")},
	}
	s.Attributes["api_key_version"] = schema.Int64Attribute{
		Optional:            true,
		MarkdownDescription: "Change it to rotate the team's `api_key` (api_key mode).",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
	s.Attributes["api_key"] = schema.StringAttribute{
		Computed: true, Sensitive: true,
		MarkdownDescription: "The team's bearer key for an enforcer in `api_key` mode (SDKs send it as their Bedrock API key). " +
			"Only its SHA-256 is stored in AWS; it is in the Terraform state as a sensitive value.",
	}
	s.Attributes["caller_policy_arn"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "ARN of `bedgov-<name>-caller`, the policy that lets the principals call the enforcer's URL (iam mode).",
	}
	s.Attributes["current_spend_usd"] = schema.Float64Attribute{
		Computed:            true,
		MarkdownDescription: "Spend this month as the enforcer counts it, read at plan time.",
	}
	s.Attributes["spend_percent"] = schema.Int64Attribute{
		Computed:            true,
		MarkdownDescription: "`current_spend_usd` as a percentage of the (planned) effective limit.",
	}
	s.Attributes["projected_state"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "Where the planned configuration puts the team on the graduated response: `ok`, `notified`, " +
			"`degraded` or `blocked`. A change that makes it more restrictive also shows as a warning in plan.",
	}
	s.Attributes["cap_slices"] = schema.Int64Attribute{
		Optional: true, Computed: true, Default: int64default.StaticInt64(1),
		MarkdownDescription: fmt.Sprintf("How many DynamoDB items (slices) the enforcer splits the team's remaining budget over, "+
			"1 to %d; default 1. Each slice admits requests against its own share of the headroom and shares move between "+
			"slices as they run dry (escrow), so the cap stays exact while the team's sustainable requests per second grow "+
			"with the number of slices: about 250 requests a second per slice (see the Limits section of the index page). "+
			"Use more than one only for a team that needs more than a few hundred requests a second. Changes in place.", governance.MaxSlices),
		Validators: []validator.Int64{int64validator.Between(1, governance.MaxSlices)},
	}
	s.Blocks["emergency_override"] = schema.SingleNestedBlock{
		MarkdownDescription: "A temporary higher limit, honoured by the enforcer until it expires (at most 31 days ahead).",
		Attributes: map[string]schema.Attribute{
			"limit_usd":  schema.Float64Attribute{Optional: true, MarkdownDescription: "The limit while the override lasts; above `monthly_budget`."},
			"expires_at": schema.StringAttribute{Optional: true, MarkdownDescription: "RFC 3339 time the override ends, e.g. `2026-12-05T00:00:00Z`."},
			"reason":     schema.StringAttribute{Optional: true, MarkdownDescription: "Why; recorded in the cap record and the enforcer's logs.", Validators: []validator.String{stringvalidator.LengthBetween(1, 256)}},
		},
	}
}

// override decodes the emergency_override block (nil when absent).
func (m teamModel) override(ctx context.Context) (*overrideModel, error) {
	if m.EmergencyOverride.IsNull() || m.EmergencyOverride.IsUnknown() {
		return nil, nil
	}
	var o overrideModel
	if d := m.EmergencyOverride.As(ctx, &o, objectAs()); d.HasError() {
		return nil, errors.New("emergency_override: cannot decode")
	}
	if o.LimitUSD.IsNull() && o.ExpiresAt.IsNull() && o.Reason.IsNull() {
		return nil, nil
	}
	return &o, nil
}

// capConfig is the cap record configuration for the team as planned or applied.
func (m teamModel) capConfig(ctx context.Context, apiKeyHash string) (governance.CapConfig, error) {
	limit, err := governance.ParseUSD(budgetAmount(m.MonthlyBudget.ValueFloat64()))
	if err != nil {
		return governance.CapConfig{}, err
	}
	n, d, b := thresholdsOf(ctx, m.Thresholds)
	t := teamCap{
		Team: m.Name.ValueString(), Limit: limit, Thresholds: governance.Thresholds{Notify: n, Degrade: d, Block: b},
		SourceARN: m.ModelSourceARN.ValueString(), ProfileARN: m.InferenceProfileARN.ValueString(),
		DegradeSourceARN: m.DegradeModelSourceARN.ValueString(), DegradeProfileARN: m.DegradeInferenceProfileARN.ValueString(),
		Principals: principalsOf(ctx, m.Principals), APIKeyHash: apiKeyHash, TopicARN: m.SNSTopicARN.ValueString(),
		Slices: int(m.CapSlices.ValueInt64()),
	}
	o, err := m.override(ctx)
	if err != nil {
		return governance.CapConfig{}, err
	}
	if o != nil {
		ol, err := governance.ParseUSD(budgetAmount(o.LimitUSD.ValueFloat64()))
		if err != nil {
			return governance.CapConfig{}, err
		}
		exp, err := time.Parse(time.RFC3339, o.ExpiresAt.ValueString())
		if err != nil {
			return governance.CapConfig{}, fmt.Errorf("emergency_override.expires_at: %w", err)
		}
		t.Override = &governance.Override{Limit: ol, Expires: exp, Reason: o.Reason.ValueString()}
	}
	return t.capConfig()
}

// planEnforcer validates the wiring, plans its computed attributes, and reviews a budget
// change against what the team has already spent.
func (r *teamResource) planEnforcer(ctx context.Context, plan *teamModel, state *teamModel, diags *diag.Diagnostics) {
	if plan.Enforcer.IsNull() {
		if !plan.EmergencyOverride.IsNull() {
			if o, _ := plan.override(ctx); o != nil {
				diags.AddAttributeError(path.Root("emergency_override"), "Override without an enforcer",
					"emergency_override raises an enforcer's hard cap: set enforcer too, or remove the block.")
			}
		}
		if known(plan.CapSlices) && plan.CapSlices.ValueInt64() > 1 {
			diags.AddAttributeError(path.Root("cap_slices"), "cap_slices without an enforcer",
				"cap_slices splits the budget an enforcer holds for the team over DynamoDB items: set enforcer too, or remove cap_slices.")
		}
		plan.APIKey, plan.CallerPolicyARN, plan.ProjectedState = types.StringNull(), types.StringNull(), types.StringNull()
		plan.CurrentSpendUSD, plan.SpendPercent = types.Float64Null(), types.Int64Null()
		return
	}
	if plan.MonthlyBudget.IsNull() {
		diags.AddAttributeError(path.Root("monthly_budget"), "Missing monthly_budget",
			"A team with an enforcer needs monthly_budget: it is the cap the enforcer makes hard.")
		return
	}
	r.warnNoCallers(ctx, plan, state, diags)
	// The override is checked when it is added or changed (an applied one may later expire
	// without the plan failing).
	o, err := plan.override(ctx)
	if err != nil {
		diags.AddAttributeError(path.Root("emergency_override"), "Invalid emergency_override", err.Error())
		return
	}
	if o != nil && (state == nil || !plan.EmergencyOverride.Equal(state.EmergencyOverride)) {
		r.validateOverride(o, plan, diags)
	}
	sameWiring := state != nil && plan.Enforcer.Equal(state.Enforcer) && !state.CurrentSpendUSD.IsNull()
	planCallers(plan, state, sameWiring)
	capChanged := state == nil || !plan.MonthlyBudget.Equal(state.MonthlyBudget) || !plan.Thresholds.Equal(state.Thresholds) ||
		!plan.EmergencyOverride.Equal(state.EmergencyOverride)
	if sameWiring && !capChanged {
		plan.CurrentSpendUSD, plan.SpendPercent, plan.ProjectedState = state.CurrentSpendUSD, state.SpendPercent, state.ProjectedState
		return
	}
	plan.CurrentSpendUSD, plan.SpendPercent, plan.ProjectedState = types.Float64Unknown(), types.Int64Unknown(), types.StringUnknown()
	if r.client == nil || plan.Enforcer.IsUnknown() || state == nil || state.Enforcer.IsNull() || !plan.Enforcer.Equal(state.Enforcer) ||
		plan.ModelSourceARN.IsUnknown() || plan.InferenceProfileARN.IsUnknown() || plan.MonthlyBudget.IsUnknown() {
		return // a new wiring: nothing spent yet to review
	}
	r.reviewBudget(ctx, plan, diags)
}

// planCallers plans api_key (kept while the version and enforcer stay; otherwise made
// at apply) and caller_policy_arn (kept while the wiring stays; null in api_key mode).
func planCallers(plan *teamModel, state *teamModel, sameWiring bool) {
	if sameWiring && plan.APIKeyVersion.Equal(state.APIKeyVersion) {
		plan.APIKey = state.APIKey
	} else {
		plan.APIKey = types.StringUnknown()
	}
	if sameWiring {
		plan.CallerPolicyARN = state.CallerPolicyARN
	} else {
		plan.CallerPolicyARN = types.StringUnknown()
	}
}

// reviewBudget reads the live cap record and shows what the planned configuration does
// to the team's spend: the projected standing, and a warning when it restricts the team.
func (r *teamResource) reviewBudget(ctx context.Context, plan *teamModel, diags *diag.Diagnostics) {
	team := plan.Name.ValueString()
	rec, err := governance.ReadCapRecord(ctx, r.client.DynamoDB, namesFor(plan.Enforcer.ValueString()).table, team)
	if err != nil {
		tflog.Info(ctx, "budget review unavailable", map[string]any{"team": team, "error": awsops.ErrorText(err)})
		diags.AddWarning("Budget review unavailable",
			fmt.Sprintf("team %s: the enforcer's cap record could not be read (%s), so this plan cannot show what the change does to the team's spend.",
				team, awsops.ErrorText(err)))
		return
	}
	cfg, err := plan.capConfig(ctx, "")
	if err != nil {
		diags.AddError("Invalid cap configuration", err.Error())
		return
	}
	now := time.Now()
	_, review := budgetReview(team, rec, cfg, now)
	plan.setStanding(rec.ProjectedStanding(cfg, now)) // the live spend against the planned configuration
	if review != "" {
		diags.AddWarning("Budget change restricts team "+team, review)
	}
}

func (r *teamResource) validateOverride(o *overrideModel, plan *teamModel, diags *diag.Diagnostics) {
	p := path.Root("emergency_override")
	if o.LimitUSD.IsNull() || o.ExpiresAt.IsNull() || o.Reason.IsNull() {
		diags.AddAttributeError(p, "Incomplete emergency_override", "emergency_override needs limit_usd, expires_at and reason.")
		return
	}
	if o.LimitUSD.IsUnknown() || o.ExpiresAt.IsUnknown() || plan.MonthlyBudget.IsUnknown() {
		return
	}
	exp, err := time.Parse(time.RFC3339, o.ExpiresAt.ValueString())
	if err != nil {
		diags.AddAttributeError(p.AtName("expires_at"), "Invalid expires_at", fmt.Sprintf("%q is not an RFC 3339 time such as 2026-12-05T00:00:00Z.", o.ExpiresAt.ValueString()))
		return
	}
	now := time.Now()
	if !exp.After(now) {
		diags.AddAttributeError(p.AtName("expires_at"), "Override already expired", fmt.Sprintf("expires_at %s is in the past.", exp.UTC().Format(time.RFC3339)))
	} else if exp.Sub(now) > maxOverride {
		diags.AddAttributeError(p.AtName("expires_at"), "Override too long",
			fmt.Sprintf("expires_at %s is more than 31 days away; an emergency override is temporary: raise monthly_budget instead.", exp.UTC().Format(time.RFC3339)))
	}
	if o.LimitUSD.ValueFloat64() <= plan.MonthlyBudget.ValueFloat64() {
		diags.AddAttributeError(p.AtName("limit_usd"), "Override not above the budget",
			fmt.Sprintf("limit_usd %s must be above monthly_budget %s.", budgetAmount(o.LimitUSD.ValueFloat64()), budgetAmount(plan.MonthlyBudget.ValueFloat64())))
	}
}

// ensureEnforcer wires the team to plan's enforcer (or unwires it from prior's), after
// the profiles, the invoke policy and the topic exist. It records progress in state.
func (r *teamResource) ensureEnforcer(ctx context.Context, plan teamModel, state *teamModel, prior *teamModel, tags map[string]string) error {
	if prior != nil && !prior.Enforcer.IsNull() && !prior.Enforcer.Equal(plan.Enforcer) {
		if err := r.unwire(ctx, *prior, state); err != nil {
			return err
		}
	}
	if plan.Enforcer.IsNull() {
		state.Enforcer, state.APIKey, state.CallerPolicyARN = types.StringNull(), types.StringNull(), types.StringNull()
		state.CurrentSpendUSD, state.SpendPercent, state.ProjectedState = types.Float64Null(), types.Int64Null(), types.StringNull()
		return nil
	}
	info, err := findEnforcer(ctx, r.client, plan.Enforcer.ValueString())
	if err != nil {
		return err
	}
	state.Enforcer = plan.Enforcer

	// The enforcer's role may invoke the team's profiles by their enforcer tag, which
	// ensureProfiles (new profiles) and tagProfiles (kept ones) already put on with the
	// rest of their tags; nobody else may. A team wired before the tag had its invoke
	// policy attached to the role: that attachment goes (not attached is done).
	if err := awsops.Detach(ctx, r.client.IAM, state.PolicyARN.ValueString(), awsops.Principal{Kind: "role", Name: info.RoleName, ARN: r.client.ARN("iam", "", r.client.AccountID, "role/"+info.RoleName)}); err != nil {
		return err
	}
	apiKeyHash, err := r.ensureCallers(ctx, plan, state, prior, info, tags)
	if err != nil {
		return err
	}
	return r.writeCapRecord(ctx, plan, state, info, apiKeyHash)
}

// ensureCallers gives the team's callers their way in: a key (api_key mode; its hash is
// returned for the cap record) or a policy to call the enforcer's URL (iam mode).
func (r *teamResource) ensureCallers(ctx context.Context, plan teamModel, state *teamModel, prior *teamModel, info enforcerInfo, tags map[string]string) (string, error) {
	team := plan.Name.ValueString()
	if info.AuthMode == "api_key" {
		if err := r.deleteCallerPolicy(ctx, state); err != nil {
			return "", err
		}
		key := state.APIKey.ValueString()
		if state.APIKey.IsNull() || state.APIKey.IsUnknown() || plan.APIKey.IsUnknown() {
			var err error
			if key, err = governance.GenerateAPIKey(); err != nil {
				return "", err
			}
		}
		state.APIKey = types.StringValue(key)
		state.Principals = plan.Principals
		return governance.HashAPIKey(key), nil
	}
	state.APIKey = types.StringNull()
	doc, err := governance.EnforcerCallerPolicy(team, info.FunctionARN)
	if err != nil {
		return "", err
	}
	var have []string
	if state.CallerPolicyARN.IsNull() || state.CallerPolicyARN.IsUnknown() {
		arn, err := awsops.CreatePolicy(ctx, r.client.IAM, callerPolicyName(team), policyPath,
			"bedgov: call the enforcer "+info.Name+" as team "+team, doc, tags)
		if err != nil {
			return "", err
		}
		state.CallerPolicyARN = types.StringValue(arn)
	} else {
		if err := awsops.UpdatePolicyDocument(ctx, r.client.IAM, state.CallerPolicyARN.ValueString(), doc); err != nil {
			return "", err
		}
		if prior != nil && prior.Enforcer.Equal(plan.Enforcer) {
			have = principalsOf(ctx, prior.Principals)
		}
	}
	return "", r.syncPrincipalsOf(ctx, plan, state, state.CallerPolicyARN.ValueString(), have, principalsOf(ctx, plan.Principals))
}

// writeCapRecord writes the cap record's configuration; the enforcer's counters are
// never touched. The spend attributes are as planned when the plan knew them (the three
// are planned together), otherwise as the record says now.
func (r *teamResource) writeCapRecord(ctx context.Context, plan teamModel, state *teamModel, info enforcerInfo, apiKeyHash string) error {
	cfg, err := state.withPlanned(plan).capConfig(ctx, apiKeyHash)
	if err != nil {
		return err
	}
	tflog.Debug(ctx, "writing cap record", map[string]any{"team": plan.Name.ValueString(), "table": info.Table, "limit": cfg.Limit.Cents()})
	rec, err := governance.WriteCapConfig(ctx, r.client.DynamoDB, info.Table, cfg, time.Now())
	if err != nil {
		return err
	}
	state.CurrentSpendUSD, state.SpendPercent, state.ProjectedState = plan.CurrentSpendUSD, plan.SpendPercent, plan.ProjectedState
	if !known(state.CurrentSpendUSD) || !known(state.SpendPercent) || !known(state.ProjectedState) {
		state.setStanding(rec.StandingAt(time.Now()))
	}
	return nil
}

// withPlanned is state with the planned values the cap record needs.
func (m teamModel) withPlanned(plan teamModel) teamModel {
	m.MonthlyBudget, m.Thresholds, m.EmergencyOverride, m.Principals = plan.MonthlyBudget, plan.Thresholds, plan.EmergencyOverride, plan.Principals
	m.CapSlices = plan.CapSlices
	return m
}

// unwire removes a team from an enforcer: its cap record, the caller policy, and (for a
// team wired before the enforcer tag) the invoke policy's attachment to the enforcer
// role; the profiles' tag follows the plan in Update. Already gone is done.
func (r *teamResource) unwire(ctx context.Context, prior teamModel, state *teamModel) error {
	name := prior.Enforcer.ValueString()
	n := namesFor(name)
	tflog.Debug(ctx, "unwiring team from enforcer", map[string]any{"team": prior.Name.ValueString(), "enforcer": name})
	if err := governance.DeleteCapRecord(ctx, r.client.DynamoDB, n.table, prior.Name.ValueString()); err != nil && !awsops.IsNotFound(err) && !awsops.IsTableNotFound(err) {
		return err
	}
	if err := r.deleteCallerPolicy(ctx, state); err != nil {
		return err
	}
	if !state.PolicyARN.IsNull() {
		if err := awsops.Detach(ctx, r.client.IAM, state.PolicyARN.ValueString(), awsops.Principal{Kind: "role", Name: n.role, ARN: n.role}); err != nil {
			return err
		}
	}
	state.CurrentSpendUSD, state.SpendPercent, state.ProjectedState, state.APIKey = types.Float64Null(), types.Int64Null(), types.StringNull(), types.StringNull()
	return nil
}

func (r *teamResource) deleteCallerPolicy(ctx context.Context, state *teamModel) error {
	if state.CallerPolicyARN.IsNull() || state.CallerPolicyARN.IsUnknown() {
		state.CallerPolicyARN = types.StringNull()
		return nil
	}
	if err := awsops.DeletePolicy(ctx, r.client.IAM, state.CallerPolicyARN.ValueString()); err != nil {
		return err
	}
	state.CallerPolicyARN = types.StringNull()
	return nil
}

// callerPolicyChanged reports whether the caller policy's default version is not the
// document bedgov writes for the team and enforcer. Without the account id
// (skip_requesting_account_id) the enforcer's ARN is not known, and it is not checked.
func (r *teamResource) callerPolicyChanged(ctx context.Context, team string, n enforcerNames, arn, version string) (bool, error) {
	c := r.client
	if c.AccountID == "" {
		return false, nil
	}
	want, err := governance.EnforcerCallerPolicy(team, c.RegionalARN("lambda", "function:"+n.function))
	if err != nil {
		return false, err
	}
	have, err := awsops.PolicyDocument(ctx, c.IAM, arn, version)
	if err != nil {
		return false, err
	}
	return normalizeJSON(have) != normalizeJSON(want), nil
}

// refreshEnforcer reads the wiring: a missing cap record or caller policy, or profiles
// no longer tagged for the enforcer, nulls current_spend_usd, which ModifyPlan turns
// into a planned re-wiring. profileTags is the team's live profile tags when the caller
// has read them already (nil: they are read here).
func (r *teamResource) refreshEnforcer(ctx context.Context, m *teamModel, profileTags map[string]string) error {
	if m.CapSlices.IsNull() {
		// State written before cap_slices existed: its value then was one slice, so a
		// provider upgrade plans no change.
		m.CapSlices = types.Int64Value(1)
	}
	if m.Enforcer.IsNull() {
		return nil
	}
	n := namesFor(m.Enforcer.ValueString())
	if !m.CallerPolicyARN.IsNull() {
		arn := m.CallerPolicyARN.ValueString()
		policy, err := awsops.FindPolicy(ctx, r.client.IAM, arn)
		switch {
		case awsops.IsNotFound(err):
			m.CallerPolicyARN = types.StringNull()
			m.CurrentSpendUSD = types.Float64Null()
		case err != nil:
			return err
		default:
			if attached, err := awsops.AttachedEntities(ctx, r.client.IAM, arn); err == nil {
				m.Principals = r.attachedPrincipals(ctx, m.Principals, attached)
			}
			// A document changed out of band (the team's callers may have lost the
			// enforcer, or gained more) is re-wired: a null spend plans it.
			if changed, err := r.callerPolicyChanged(ctx, m.Name.ValueString(), n, arn, aws.ToString(policy.DefaultVersionId)); err != nil {
				return err
			} else if changed {
				tflog.Info(ctx, "caller policy changed out of band", map[string]any{"team": m.Name.ValueString()})
				m.CurrentSpendUSD = types.Float64Null()
			}
		}
	}
	if r.profileEnforcer(ctx, *m, profileTags) != m.Enforcer.ValueString() {
		m.CurrentSpendUSD = types.Float64Null()
	}
	rec, err := governance.ReadCapRecord(ctx, r.client.DynamoDB, n.table, m.Name.ValueString())
	switch {
	case errors.Is(err, governance.ErrNoCapRecord) || awsops.IsTableNotFound(err):
		m.CurrentSpendUSD, m.SpendPercent, m.ProjectedState = types.Float64Null(), types.Int64Null(), types.StringNull()
		return nil
	case err != nil:
		return err
	}
	m.CapSlices = types.Int64Value(int64(rec.Slices)) // a record of layout 1 has one
	if m.CurrentSpendUSD.IsNull() {
		return nil // keep the re-wiring signal
	}
	m.setStanding(rec.StandingAt(time.Now()))
	return nil
}

// setStanding records a team's standing in its computed spend attributes.
func (m *teamModel) setStanding(st governance.Standing) {
	m.CurrentSpendUSD = types.Float64Value(st.Spent.USD())
	m.SpendPercent = types.Int64Value(st.Percent)
	m.ProjectedState = types.StringValue(string(st.State))
}

// importEnforcer finds the enforcer a team goes through: the one its profiles are
// tagged for (or, wired before the tag, the enforcer role its invoke policy is attached to).
func (r *teamResource) importEnforcer(ctx context.Context, m *teamModel) error {
	m.teamEnforcerModel.null()
	if m.PolicyARN.IsNull() {
		return nil
	}
	// The enforcer the profiles are tagged for; for a team wired before the tag, the
	// enforcer role its invoke policy is attached to.
	attached := map[string]bool{}
	var err error
	if name := r.profileEnforcer(ctx, *m, nil); name != "" {
		attached["role:"+namesFor(name).role] = true
	} else if attached, err = awsops.AttachedEntities(ctx, r.client.IAM, m.PolicyARN.ValueString()); err != nil {
		return err
	}
	for key := range attached {
		kind, role, _ := cutKey(key)
		name, ok := enforcerNameOfRole(role)
		if kind != "role" || !ok {
			continue
		}
		info, err := findEnforcer(ctx, r.client, name)
		if err != nil {
			continue
		}
		m.Enforcer = types.StringValue(name)
		if info.AuthMode == "iam" {
			arn := r.client.ARN("iam", "", r.client.AccountID, "policy"+policyPath+callerPolicyName(m.Name.ValueString()))
			if _, err := awsops.FindPolicy(ctx, r.client.IAM, arn); err == nil {
				m.CallerPolicyARN = types.StringValue(arn)
				m.Principals = types.SetNull(types.StringType)
			}
		}
		rec, err := governance.ReadCapRecord(ctx, r.client.DynamoDB, info.Table, m.Name.ValueString())
		switch {
		case errors.Is(err, governance.ErrNoCapRecord):
			return nil // wired without a record: the next apply writes it
		case err != nil:
			return err
		}
		if o := rec.Override; o != nil {
			m.EmergencyOverride, _ = types.ObjectValue(overrideAttrTypes, map[string]attr.Value{
				"limit_usd":  types.Float64Value(roundCents(o.Limit.USD())),
				"expires_at": types.StringValue(o.Expires.UTC().Format(time.RFC3339)),
				"reason":     types.StringValue(o.Reason),
			})
		}
		m.CurrentSpendUSD = types.Float64Value(0) // a real value, refreshed below
		return r.refreshEnforcer(ctx, m, nil)
	}
	return nil
}
