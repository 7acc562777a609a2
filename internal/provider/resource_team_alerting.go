package provider

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	budgettypes "github.com/aws/aws-sdk-go-v2/service/budgets/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/alerts"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// bedgov_team, part 2: the team's native AWS visibility and warnings. Every sub-object
// follows part 1's contract: its identifier is a computed attribute; Read refreshes it
// and nulls the identifier of one deleted (or changed) out of band, which ModifyPlan
// turns into a planned update that puts it back; Create and Update save state after
// every step; Delete treats already-gone as done.
//
// Sub-objects whose names are fixed (budget, topic, alarms, dashboard) have identifiers
// known at plan time; the anomaly monitor and subscription get random ARNs, unknown
// until created.

// Default thresholds, percent of the monthly budget.
const (
	defaultNotify  = 50
	defaultDegrade = 80
	defaultBlock   = 100
)

const (
	emailConfirmed = "confirmed"
	emailPending   = "pending confirmation"
)

var (
	thresholdsAttrTypes = map[string]attr.Type{"notify": types.Int64Type, "degrade": types.Int64Type, "block": types.Int64Type}
	alarmsAttrTypes     = map[string]attr.Type{"output_tokens_per_hour": types.Int64Type, "throttles": types.BoolType, "server_errors": types.BoolType}
	anomalyAttrTypes    = map[string]attr.Type{"threshold_usd": types.Float64Type}
)

type thresholdsModel struct {
	Notify  types.Int64 `tfsdk:"notify"`
	Degrade types.Int64 `tfsdk:"degrade"`
	Block   types.Int64 `tfsdk:"block"`
}

type alarmsModel struct {
	OutputTokensPerHour types.Int64 `tfsdk:"output_tokens_per_hour"`
	Throttles           types.Bool  `tfsdk:"throttles"`
	ServerErrors        types.Bool  `tfsdk:"server_errors"`
}

type anomalyModel struct {
	ThresholdUSD types.Float64 `tfsdk:"threshold_usd"`
}

// teamAlertingModel is part 2 of bedgov_team.
type teamAlertingModel struct {
	MonthlyBudget           types.Float64 `tfsdk:"monthly_budget"`
	Thresholds              types.Object  `tfsdk:"thresholds"`
	NotificationEmails      types.Set     `tfsdk:"notification_emails"`
	SNSTopicARN             types.String  `tfsdk:"sns_topic_arn"`
	Alarms                  types.Object  `tfsdk:"alarms"`
	AnomalyDetection        types.Object  `tfsdk:"anomaly_detection"`
	Dashboard               types.Bool    `tfsdk:"dashboard"`
	BudgetName              types.String  `tfsdk:"budget_name"`
	AlarmARNs               types.Map     `tfsdk:"alarm_arns"`
	DashboardName           types.String  `tfsdk:"dashboard_name"`
	AnomalyMonitorARN       types.String  `tfsdk:"anomaly_monitor_arn"`
	AnomalySubscriptionARN  types.String  `tfsdk:"anomaly_subscription_arn"`
	EmailSubscriptionStatus types.Map     `tfsdk:"email_subscription_status"`
}

func addAlertingSchema(s schema.Schema) {
	s.Attributes["monthly_budget"] = schema.Float64Attribute{
		Optional: true,
		MarkdownDescription: "Monthly budget in USD, cents allowed (`1499.99`). Creates the AWS Budget `bedgov-<name>` (COST, MONTHLY, " +
			"filtered by the cost allocation tag `team` as `user:team$<name>`) with an ACTUAL notification at each of the " +
			"`thresholds` and a FORECASTED one at the block threshold, to the SNS topic and `notification_emails`. Changing it " +
			"updates the budget in place (its history stays) and the `monthly-budget` tag of the team's profiles. Activate `team` " +
			"as a cost allocation tag in the Billing console, or the budget sees no cost.",
		Validators: []validator.Float64{budgetAmountValidator{}},
	}
	s.Attributes["notification_emails"] = schema.SetAttribute{
		Optional: true, ElementType: types.StringType,
		MarkdownDescription: "Email addresses to warn: subscribers of every budget notification and, when bedgov makes the topic, " +
			"email subscriptions of the topic (each gets a confirmation email from SNS; see `email_subscription_status`). " +
			"Adding or removing an address changes only subscribers. At most 10 (AWS Budgets' limit per notification).",
		Validators: []validator.Set{setvalidator.SizeAtMost(10), setvalidator.ValueStringsAre(emailAddress())},
	}
	s.Attributes["sns_topic_arn"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "SNS topic that budget notifications, alarms and anomaly alerts go to. Leave unset and bedgov makes the " +
			"topic `bedgov-<name>` (when anything needs one) with a policy that lets AWS Budgets, CloudWatch and Cost Anomaly " +
			"Detection publish only on behalf of this account (`aws:SourceAccount`). A topic you bring must be in the provider's " +
			"account, and its policy is yours to manage.",
		Validators: []validator.String{snsTopicARN()},
	}
	s.Attributes["dashboard"] = schema.BoolAttribute{
		Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: "Create the CloudWatch dashboard `bedgov-<name>`: tokens in and out, invocations, latency, throttles and " +
			"errors of the team's profiles. Defaults to `false`.",
	}
	s.Attributes["budget_name"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "Name of the team's AWS Budget, when `monthly_budget` is set: 1 to 100 characters, without `:`, `\\` or " +
			"`/action/` (AWS Budgets' rule). Defaults to `bedgov-<name>`. AWS Budgets cannot rename a budget: changing it makes a new " +
			"budget under the new name and deletes the old one, whose history is lost (the plan warns). Import finds the budget by " +
			"its default name only.",
		Validators: []validator.String{stringvalidator.LengthBetween(1, 100), budgetName()},
	}
	s.Attributes["alarm_arns"] = schema.MapAttribute{
		Computed: true, ElementType: types.StringType,
		MarkdownDescription: "ARNs of the team's CloudWatch alarms by kind (`output_tokens`, `throttles`, `server_errors`). They watch " +
			"the primary profile's `AWS/Bedrock` metrics as metric-math alarms summing the `ModelId` dimension over the profile's ARN " +
			"and its id (AWS does not document which form it reports), each in the standard tier and as `<form>+priority` / " +
			"`<form>+flex` for every service tier the team's model offers (Bedrock reports tiers apart).",
	}
	s.Attributes["dashboard_name"] = schema.StringAttribute{
		Computed: true, MarkdownDescription: "Name of the team's CloudWatch dashboard (`bedgov-<name>`), when `dashboard` is true.",
	}
	s.Attributes["anomaly_monitor_arn"] = schema.StringAttribute{
		Computed: true, MarkdownDescription: "ARN of the Cost Anomaly Detection monitor on the team's `team` tag, with `anomaly_detection`.",
	}
	s.Attributes["anomaly_subscription_arn"] = schema.StringAttribute{
		Computed: true, MarkdownDescription: "ARN of the anomaly subscription that alerts the SNS topic, with `anomaly_detection`.",
	}
	s.Attributes["email_subscription_status"] = schema.MapAttribute{
		Computed: true, ElementType: types.StringType,
		MarkdownDescription: "For each of `notification_emails`, the state of its subscription to the topic bedgov made: `" + emailPending +
			"` until the recipient clicks the link SNS sent, then `" + emailConfirmed + "`. A pending subscription is not drift.",
	}

	s.Blocks["thresholds"] = schema.SingleNestedBlock{
		MarkdownDescription: "Percentages of `monthly_budget`, strictly ascending, each 1 to 1000. Defaults 50/80/100. The budget notifies " +
			"at each; the enforcer (once deployed) notifies, degrades and blocks at them. Changing them updates the notifications in place.",
		Attributes: map[string]schema.Attribute{
			"notify":  schema.Int64Attribute{Optional: true, MarkdownDescription: "First warning. Default 50.", Validators: []validator.Int64{int64validator.Between(1, 1000)}},
			"degrade": schema.Int64Attribute{Optional: true, MarkdownDescription: "Switch to `degrade_to_model`. Default 80.", Validators: []validator.Int64{int64validator.Between(1, 1000)}},
			"block":   schema.Int64Attribute{Optional: true, MarkdownDescription: "Refuse calls; also the forecast notification's threshold. Default 100.", Validators: []validator.Int64{int64validator.Between(1, 1000)}},
		},
	}
	s.Blocks["alarms"] = schema.SingleNestedBlock{
		MarkdownDescription: "CloudWatch alarms on the primary profile's `AWS/Bedrock` metrics (dimension `ModelId`: the sum over the profile's ARN and id, in every service tier the model offers), " +
			"notifying the SNS topic. Named `bedgov-<name>-<kind>`.",
		Attributes: map[string]schema.Attribute{
			"output_tokens_per_hour": schema.Int64Attribute{Optional: true, MarkdownDescription: "Burn-rate alarm: more than this many output tokens (`OutputTokenCount`, Sum) in an hour.",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"throttles":     schema.BoolAttribute{Optional: true, MarkdownDescription: "Alarm when Bedrock throttles the team (`InvocationThrottles` > 0 in 5 minutes)."},
			"server_errors": schema.BoolAttribute{Optional: true, MarkdownDescription: "Alarm on Bedrock server errors (`InvocationServerErrors` > 0 in 5 minutes)."},
		},
	}
	s.Blocks["anomaly_detection"] = schema.SingleNestedBlock{
		MarkdownDescription: "A Cost Anomaly Detection monitor on the team's `team` cost allocation tag, and a subscription that alerts " +
			"the SNS topic immediately about anomalies of at least `threshold_usd`. AWS allows a monitor on a cost allocation tag only in an " +
			"organization's management account (or a standalone account): in a member account the block is refused at plan.",
		Attributes: map[string]schema.Attribute{
			"threshold_usd": schema.Float64Attribute{Optional: true, MarkdownDescription: "Minimum total impact, in USD, of an anomaly to alert on. Required in the block.",
				Validators: []validator.Float64{positiveFloat{}}},
		},
	}
}

// ---- validation -----------------------------------------------------------------------

// budgetName applies AWS Budgets' BudgetName rule (no ":" or "\\", no "/action/"; the
// Budgets API model's pattern). Its length is checked apart.
func budgetName() validator.String {
	return stringFunc{desc: "an AWS Budgets budget name", check: func(s string) string {
		if strings.ContainsAny(s, ":\\") || strings.Contains(s, "/action/") {
			return `is not a budget name: AWS Budgets does not allow ":", "\" or "/action/" in one`
		}
		return ""
	}}
}

// ValidateConfig checks what one attribute's validator cannot: the thresholds' order and
// the anomaly block's required threshold.
func (r *teamResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m teamModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(degradeFormatWarning(m.Model, m.DegradeToModel)...)
	if !m.Thresholds.IsNull() && !m.Thresholds.IsUnknown() {
		var t thresholdsModel
		resp.Diagnostics.Append(m.Thresholds.As(ctx, &t, objectAs())...)
		if t.Notify.IsUnknown() || t.Degrade.IsUnknown() || t.Block.IsUnknown() {
			return
		}
		n, d, b := thresholdsOf(ctx, m.Thresholds)
		if n >= d || d >= b {
			resp.Diagnostics.AddAttributeError(path.Root("thresholds"), "Thresholds not ascending",
				fmt.Sprintf("thresholds must be strictly ascending (notify < degrade < block); got notify = %d, degrade = %d, block = %d "+
					"(an unset threshold takes its default: 50, 80, 100).", n, d, b))
		}
	}
	if !m.BudgetName.IsNull() && m.MonthlyBudget.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("budget_name"), "Budget name without a budget",
			"budget_name names the team's AWS Budget, which monthly_budget creates: set monthly_budget too, or remove budget_name.")
	}
	if !m.AnomalyDetection.IsNull() && !m.AnomalyDetection.IsUnknown() {
		var a anomalyModel
		resp.Diagnostics.Append(m.AnomalyDetection.As(ctx, &a, objectAs())...)
		if a.ThresholdUSD.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("anomaly_detection").AtName("threshold_usd"), "Missing anomaly threshold",
				"anomaly_detection.threshold_usd is required: the minimum total impact, in USD, of an anomaly to alert on.")
		}
	}
}

// ---- plan -----------------------------------------------------------------------------

// thresholdsOf returns the effective thresholds, defaults filled in.
func thresholdsOf(ctx context.Context, o types.Object) (notify, degrade, block int64) {
	notify, degrade, block = defaultNotify, defaultDegrade, defaultBlock
	if o.IsNull() || o.IsUnknown() {
		return
	}
	var t thresholdsModel
	o.As(ctx, &t, objectAs())
	if !t.Notify.IsNull() && !t.Notify.IsUnknown() {
		notify = t.Notify.ValueInt64()
	}
	if !t.Degrade.IsNull() && !t.Degrade.IsUnknown() {
		degrade = t.Degrade.ValueInt64()
	}
	if !t.Block.IsNull() && !t.Block.IsUnknown() {
		block = t.Block.ValueInt64()
	}
	return
}

func alarmConfigOf(ctx context.Context, o types.Object) alerts.AlarmConfig {
	var cfg alerts.AlarmConfig
	if o.IsNull() || o.IsUnknown() {
		return cfg
	}
	var a alarmsModel
	o.As(ctx, &a, objectAs())
	if !a.OutputTokensPerHour.IsNull() && !a.OutputTokensPerHour.IsUnknown() {
		cfg.OutputTokensPerHour = a.OutputTokensPerHour.ValueInt64()
	}
	cfg.Throttles = a.Throttles.ValueBool()
	cfg.ServerErrors = a.ServerErrors.ValueBool()
	return cfg
}

// alarmsHaveUnknown: which alarms exist is not known until apply.
func alarmsHaveUnknown(ctx context.Context, o types.Object) bool {
	if o.IsNull() || o.IsUnknown() {
		return o.IsUnknown()
	}
	var a alarmsModel
	o.As(ctx, &a, objectAs())
	return a.OutputTokensPerHour.IsUnknown() || a.Throttles.IsUnknown() || a.ServerErrors.IsUnknown()
}

func anomalyThresholdOf(ctx context.Context, o types.Object) (float64, bool) {
	if o.IsNull() || o.IsUnknown() {
		return 0, false
	}
	var a anomalyModel
	o.As(ctx, &a, objectAs())
	return a.ThresholdUSD.ValueFloat64(), !a.ThresholdUSD.IsNull()
}

func (r *teamResource) ownTopicARN(team string) string {
	return r.client.RegionalARN("sns", teamObjectName(team))
}

func (r *teamResource) alarmARN(name string) string {
	return r.client.RegionalARN("cloudwatch", "alarm:"+name)
}

// needsOwnTopic: something publishes or subscribes, and no topic was brought.
func needsOwnTopic(ctx context.Context, m teamModel, topicConfigured bool) bool {
	if topicConfigured {
		return false
	}
	_, anomaly := anomalyThresholdOf(ctx, m.AnomalyDetection)
	return !m.MonthlyBudget.IsNull() || len(alerts.Alarms("", "", nil, alarmConfigOf(ctx, m.Alarms))) > 0 || anomaly ||
		len(principalsOf(ctx, m.NotificationEmails)) > 0
}

func emailsOf(ctx context.Context, s types.Set) []string {
	list := principalsOf(ctx, s)
	sort.Strings(list)
	return list
}

// planAlerting plans the identifiers of the part-2 sub-objects. Its one API call asks,
// when an anomaly monitor is to be created, whether the account is an organization's
// member account.
func (r *teamResource) planAlerting(ctx context.Context, req resource.ModifyPlanRequest, plan *teamModel, state *teamModel, diags *diag.Diagnostics) {
	if r.client == nil || plan.Name.IsUnknown() {
		return
	}
	team := plan.Name.ValueString()
	var configuredTopic types.String
	diags.Append(req.Config.GetAttribute(ctx, path.Root("sns_topic_arn"), &configuredTopic)...)
	r.checkConfiguredTopic(configuredTopic, diags)
	if len(emailsOf(ctx, plan.NotificationEmails)) > 0 && plan.MonthlyBudget.IsNull() && !configuredTopic.IsNull() {
		diags.AddAttributeWarning(path.Root("notification_emails"), "Emails without a budget reach no one",
			"notification_emails are subscribers of the team's budget notifications, and of the SNS topic only when bedgov makes it. "+
				"With sns_topic_arn given and no monthly_budget, subscribe these addresses to your topic yourself.")
	}
	topicKnown := r.planTopic(ctx, plan, configuredTopic)
	planEmailStatus(ctx, plan, state, topicKnown && plan.SNSTopicARN.ValueString() == r.ownTopicARN(team), topicKnown)
	var configuredBudgetName types.String
	diags.Append(req.Config.GetAttribute(ctx, path.Root("budget_name"), &configuredBudgetName)...)
	planBudgetName(plan, state, configuredBudgetName, diags)
	r.planAlarmARNs(ctx, plan)
	switch {
	case plan.Dashboard.IsUnknown():
		plan.DashboardName = types.StringUnknown()
	case plan.Dashboard.ValueBool():
		plan.DashboardName = types.StringValue(teamObjectName(team))
	default:
		plan.DashboardName = types.StringNull()
	}
	planAnomaly(ctx, plan, state)
	if state == nil || state.AnomalyMonitorARN.IsNull() { // a monitor to create
		r.checkAnomalyAccount(ctx, plan, diags)
	}
}

// planBudgetName plans budget_name: the one configured, else bedgov-<team>; none
// without a budget. A new name for a budget that exists is a new budget: warn.
func planBudgetName(plan *teamModel, state *teamModel, configured types.String, diags *diag.Diagnostics) {
	switch {
	case plan.MonthlyBudget.IsNull():
		plan.BudgetName = types.StringNull()
		return
	case configured.IsUnknown():
		plan.BudgetName = types.StringUnknown()
		return
	case configured.IsNull():
		plan.BudgetName = types.StringValue(teamObjectName(plan.Name.ValueString()))
	default:
		plan.BudgetName = configured
	}
	if state != nil && !state.BudgetName.IsNull() && !state.BudgetName.Equal(plan.BudgetName) {
		diags.AddAttributeWarning(path.Root("budget_name"), "The team's budget will be replaced",
			fmt.Sprintf("AWS Budgets cannot rename a budget: apply creates the budget %q and deletes %q, whose spend history is lost.",
				plan.BudgetName.ValueString(), state.BudgetName.ValueString()))
	}
}

// checkConfiguredTopic refuses a topic of another account.
func (r *teamResource) checkConfiguredTopic(configuredTopic types.String, diags *diag.Diagnostics) {
	if configuredTopic.IsNull() || configuredTopic.IsUnknown() || r.client.AccountID == "" {
		return
	}
	if a, err := arn.Parse(configuredTopic.ValueString()); err == nil && a.AccountID != r.client.AccountID {
		diags.AddAttributeError(path.Root("sns_topic_arn"), "SNS topic in another account",
			fmt.Sprintf("sns_topic_arn %q is in account %s, but the provider works in account %s; give a topic of account %s, or leave "+
				"sns_topic_arn unset and bedgov makes one.", configuredTopic.ValueString(), a.AccountID, r.client.AccountID, r.client.AccountID))
	}
}

// planTopic plans sns_topic_arn: the one configured, the team's own when anything needs
// one, or none. It reports whether the topic is known at plan time.
func (r *teamResource) planTopic(ctx context.Context, plan *teamModel, configuredTopic types.String) (known bool) {
	switch {
	case !configuredTopic.IsNull():
		plan.SNSTopicARN = configuredTopic
		return !configuredTopic.IsUnknown()
	case plan.NotificationEmails.IsUnknown() || plan.Alarms.IsUnknown() || plan.AnomalyDetection.IsUnknown():
		plan.SNSTopicARN = types.StringUnknown() // whether the team needs a topic is known at apply
		return false
	case needsOwnTopic(ctx, *plan, false):
		plan.SNSTopicARN = types.StringValue(r.ownTopicARN(plan.Name.ValueString()))
	default:
		plan.SNSTopicARN = types.StringNull()
	}
	return true
}

// planEmailStatus: the status follows the refreshed state while nothing it depends on
// changes.
func planEmailStatus(ctx context.Context, plan *teamModel, state *teamModel, ownTopic, topicKnown bool) {
	switch {
	case !topicKnown || plan.NotificationEmails.IsUnknown():
		plan.EmailSubscriptionStatus = types.MapUnknown(types.StringType)
	case !ownTopic || len(emailsOf(ctx, plan.NotificationEmails)) == 0:
		plan.EmailSubscriptionStatus = types.MapNull(types.StringType)
	case state != nil && state.SNSTopicARN.Equal(plan.SNSTopicARN) && plan.NotificationEmails.Equal(state.NotificationEmails) && !state.EmailSubscriptionStatus.IsNull():
		plan.EmailSubscriptionStatus = state.EmailSubscriptionStatus
	default:
		plan.EmailSubscriptionStatus = types.MapUnknown(types.StringType)
	}
}

// planAlarmARNs plans alarm_arns from the alarms block (their names are fixed).
func (r *teamResource) planAlarmARNs(ctx context.Context, plan *teamModel) {
	kinds := alerts.Alarms(plan.Name.ValueString(), "", nil, alarmConfigOf(ctx, plan.Alarms))
	switch {
	case plan.Alarms.IsUnknown() || alarmsHaveUnknown(ctx, plan.Alarms):
		plan.AlarmARNs = types.MapUnknown(types.StringType)
	case len(kinds) == 0:
		plan.AlarmARNs = types.MapNull(types.StringType)
	default:
		m := map[string]string{}
		for _, a := range kinds {
			m[a.Kind] = r.alarmARN(a.Name)
		}
		plan.AlarmARNs, _ = types.MapValueFrom(ctx, types.StringType, m)
	}
}

// planAnomaly plans the anomaly monitor and subscription ARNs (random, so unknown until
// made; kept from state once they are).
func planAnomaly(ctx context.Context, plan *teamModel, state *teamModel) {
	if plan.AnomalyDetection.IsUnknown() {
		plan.AnomalyMonitorARN, plan.AnomalySubscriptionARN = types.StringUnknown(), types.StringUnknown()
		return
	}
	if _, ok := anomalyThresholdOf(ctx, plan.AnomalyDetection); !ok {
		plan.AnomalyMonitorARN, plan.AnomalySubscriptionARN = types.StringNull(), types.StringNull()
		return
	}
	plan.AnomalyMonitorARN, plan.AnomalySubscriptionARN = types.StringUnknown(), types.StringUnknown()
	if state != nil && !state.AnomalyMonitorARN.IsNull() {
		plan.AnomalyMonitorARN = state.AnomalyMonitorARN
		if !state.AnomalySubscriptionARN.IsNull() {
			plan.AnomalySubscriptionARN = state.AnomalySubscriptionARN
		}
	}
}

// ---- apply ----------------------------------------------------------------------------

// budgetNotifications are the notifications a team's budget should have.
func (r *teamResource) budgetNotifications(ctx context.Context, m teamModel) []awsops.BudgetNotification {
	n, d, b := thresholdsOf(ctx, m.Thresholds)
	emails := emailsOf(ctx, m.NotificationEmails)
	topic := m.SNSTopicARN.ValueString()
	mk := func(t budgettypes.NotificationType, v int64) awsops.BudgetNotification {
		return awsops.BudgetNotification{Type: t, Threshold: float64(v), Emails: emails, TopicARN: topic}
	}
	return []awsops.BudgetNotification{
		mk(budgettypes.NotificationTypeActual, n), mk(budgettypes.NotificationTypeActual, d), mk(budgettypes.NotificationTypeActual, b),
		mk(budgettypes.NotificationTypeForecasted, b),
	}
}

func (r *teamResource) budgetDefinition(m teamModel) budgettypes.Budget {
	return budgettypes.Budget{
		BudgetName: aws.String(m.BudgetName.ValueString()), BudgetType: budgettypes.BudgetTypeCost, TimeUnit: budgettypes.TimeUnitMonthly,
		BudgetLimit:      &budgettypes.Spend{Amount: aws.String(budgetAmount(m.MonthlyBudget.ValueFloat64())), Unit: aws.String("USD")},
		FilterExpression: budgetFilterExpression(tagTeam, m.Name.ValueString()), Metrics: budgetMetrics,
	}
}

// modelTiers are the service tiers besides the standard one that a team's model offers,
// as bedgov's pricing catalog records them. Bedrock reports each tier's traffic under its
// own ModelId ("model-id+priority", "model-id+flex"; Bedrock user guide, "Service tiers
// for optimizing performance and cost"), so alarms and graphs must watch every one.
func modelTiers(source types.String) []string {
	if source.IsNull() || source.IsUnknown() {
		return nil
	}
	ref, err := governance.ResolveModel(source.ValueString(), nil)
	if err != nil {
		return nil
	}
	return catalog().Models[ref.ModelID].ServiceTiers
}

// catalog is the embedded pricing catalog, parsed once (read only).
var catalog = sync.OnceValue(governance.DefaultPricing)

func (r *teamResource) dashboardBody(m teamModel) string {
	in := alerts.DashboardInput{Team: m.Name.ValueString(), Region: r.client.Region}
	if !m.InferenceProfileARN.IsNull() && !m.InferenceProfileARN.IsUnknown() {
		in.Profiles = append(in.Profiles, alerts.Profile{Label: "primary", ARN: m.InferenceProfileARN.ValueString(), Tiers: modelTiers(m.ModelSourceARN)})
	}
	if !m.DegradeInferenceProfileARN.IsNull() && !m.DegradeInferenceProfileARN.IsUnknown() {
		in.Profiles = append(in.Profiles, alerts.Profile{Label: "degraded", ARN: m.DegradeInferenceProfileARN.ValueString(), Tiers: modelTiers(m.DegradeModelSourceARN)})
	}
	if !m.MonthlyBudget.IsNull() && !m.MonthlyBudget.IsUnknown() {
		in.MonthlyBudgetUSD = budgetAmount(m.MonthlyBudget.ValueFloat64())
	}
	n, d, b := thresholdsOf(context.Background(), m.Thresholds)
	in.Thresholds = [3]int64{n, d, b}
	return alerts.DashboardBody(in)
}

// alertingApply is what every part-2 apply step works from: the plan, the state it
// records progress in (saving after each object), the prior state (nil on create) and
// the tags.
type alertingApply struct {
	plan        teamModel
	state       *teamModel
	prior       *teamModel
	tags        map[string]string
	save        func()
	team        string
	ownTopic    string // the topic bedgov makes for the team
	wantTopic   string // the topic the plan publishes to ("" for none)
	priorTopic  string // the topic before this apply ("" on create)
	tagsChanged bool
}

// ensureAlerting brings the part-2 sub-objects to plan, saving state after each one;
// prior is nil on create. A failure names its step.
func (r *teamResource) ensureAlerting(ctx context.Context, plan teamModel, state *teamModel, prior *teamModel, tags map[string]string, save func()) error {
	team := plan.Name.ValueString()
	a := &alertingApply{plan: plan, state: state, prior: prior, tags: tags, save: save, team: team,
		ownTopic: r.ownTopicARN(team), wantTopic: plan.SNSTopicARN.ValueString(),
		tagsChanged: prior != nil && !prior.TagsAll.Equal(plan.TagsAll)}
	if prior != nil {
		a.priorTopic = prior.SNSTopicARN.ValueString()
	}
	// The topic first (everything publishes to it); a topic bedgov made that nothing
	// needs any more goes last, once nothing points at it.
	return runSteps(ctx, a,
		r.ensureTopic, r.ensureBudget, r.ensureAlarms, r.ensureDashboard, r.ensureAnomaly, r.retireTopic,
	)
}

// ensureTopic makes the team's own topic (or records the one it brings) and its email
// subscriptions.
func (r *teamResource) ensureTopic(ctx context.Context, a *alertingApply) error {
	state, prior, own := a.state, a.prior, a.ownTopic
	if a.wantTopic != own {
		state.SNSTopicARN = a.plan.SNSTopicARN
		state.EmailSubscriptionStatus = types.MapNull(types.StringType)
		return nil
	}
	if state.SNSTopicARN.ValueString() != own || a.priorTopic != own {
		topicARN, err := awsops.CreateTopic(ctx, r.client.SNS, teamObjectName(a.team), alerts.TopicPolicy(r.client.Partition, r.client.AccountID, own), a.tags)
		if err != nil {
			return failed("create the team's SNS topic", err)
		}
		state.SNSTopicARN = types.StringValue(topicARN)
		a.save()
	} else if a.tagsChanged {
		if err := awsops.SyncTags(ctx, awsops.TopicTagger(r.client.SNS), own, a.tags); err != nil {
			return failed("tag the team's SNS topic", err)
		}
	}
	if prior == nil || !prior.NotificationEmails.Equal(a.plan.NotificationEmails) || a.priorTopic != own {
		status, err := r.syncEmailSubscriptions(ctx, own, emailsOf(ctx, a.plan.NotificationEmails))
		if err != nil {
			return failed("subscribe the team's emails to its SNS topic", err)
		}
		state.EmailSubscriptionStatus = status
		a.save()
	}
	return nil
}

// ensureBudget creates, updates or deletes the team's budget. It is updated in place,
// never recreated: its history must survive.
func (r *teamResource) ensureBudget(ctx context.Context, a *alertingApply) error {
	plan, state, prior, account := a.plan, a.state, a.prior, r.client.AccountID
	switch {
	case plan.MonthlyBudget.IsNull():
		if state.BudgetName.IsNull() {
			return nil
		}
		if err := awsops.DeleteBudget(ctx, r.client.Budgets, account, state.BudgetName.ValueString()); err != nil {
			return failed("delete the team's budget", err)
		}
		state.BudgetName = types.StringNull()
		a.save()
		return nil
	case state.BudgetName.IsNull():
		if err := awsops.CreateBudget(ctx, r.client.Budgets, account, r.budgetDefinition(plan), r.budgetNotifications(ctx, plan), a.tags); err != nil {
			return failed("create the team's budget", err)
		}
		state.BudgetName = plan.BudgetName
		a.save()
		return nil
	case !state.BudgetName.Equal(plan.BudgetName):
		return r.renameBudget(ctx, a)
	}
	name := state.BudgetName.ValueString()
	if prior == nil || !prior.MonthlyBudget.Equal(plan.MonthlyBudget) {
		if err := awsops.UpdateBudget(ctx, r.client.Budgets, account, r.budgetDefinition(plan)); err != nil {
			return failed("update the team's budget", err)
		}
	}
	if prior == nil || fmt.Sprint(r.budgetNotifications(ctx, *prior)) != fmt.Sprint(r.budgetNotifications(ctx, plan)) {
		have, err := awsops.BudgetNotifications(ctx, r.client.Budgets, account, name)
		if err == nil {
			err = awsops.SyncBudgetNotifications(ctx, r.client.Budgets, account, name, have, r.budgetNotifications(ctx, plan))
		}
		if err != nil {
			return failed("update the team's budget notifications", err)
		}
	}
	if a.tagsChanged {
		if err := awsops.SyncTags(ctx, awsops.BudgetTagger(r.client.Budgets), awsops.BudgetARN(account, name), a.tags); err != nil {
			return failed("tag the team's budget", err)
		}
	}
	return nil
}

// renameBudget makes the budget under its new name, then deletes the old one: AWS
// Budgets cannot rename (UpdateBudget changes every part of a budget except its name).
func (r *teamResource) renameBudget(ctx context.Context, a *alertingApply) error {
	old := a.state.BudgetName.ValueString()
	if err := awsops.CreateBudget(ctx, r.client.Budgets, r.client.AccountID, r.budgetDefinition(a.plan), r.budgetNotifications(ctx, a.plan), a.tags); err != nil {
		return failed("create the team's budget under its new name", err)
	}
	a.state.BudgetName = a.plan.BudgetName
	a.save()
	return failed("delete the team's budget under its former name", awsops.DeleteBudget(ctx, r.client.Budgets, r.client.AccountID, old))
}

// ensureAlarms puts the alarms the plan asks for, on the primary profile and to the
// topic, and deletes the others.
func (r *teamResource) ensureAlarms(ctx context.Context, a *alertingApply) error {
	plan, state, prior := a.plan, a.state, a.prior
	wanted := alerts.Alarms(a.team, state.InferenceProfileARN.ValueString(), modelTiers(state.ModelSourceARN), alarmConfigOf(ctx, plan.Alarms))
	have := stringsOf(ctx, state.AlarmARNs)
	repoint := prior == nil || !prior.InferenceProfileARN.Equal(state.InferenceProfileARN) || a.priorTopic != a.wantTopic ||
		!prior.ModelSourceARN.Equal(state.ModelSourceARN) ||
		!prior.Alarms.Equal(plan.Alarms)
	keep := map[string]bool{}
	for _, alarm := range wanted {
		keep[alarm.Kind] = true
		if _, ok := have[alarm.Kind]; ok && !repoint {
			if a.tagsChanged {
				if err := awsops.SyncTags(ctx, awsops.CloudWatchTagger(r.client.CloudWatch), r.alarmARN(alarm.Name), a.tags); err != nil {
					return failed("tag the team's CloudWatch alarm", err)
				}
			}
			continue
		}
		if err := awsops.PutAlarm(ctx, r.client.CloudWatch, alarm, a.wantTopic, a.tags); err != nil {
			return failed("put the team's CloudWatch alarm", err)
		}
		have[alarm.Kind] = r.alarmARN(alarm.Name)
		state.AlarmARNs = stringMap(ctx, have)
		a.save()
	}
	for _, kind := range sortedMapKeys(have) {
		if keep[kind] {
			continue
		}
		if err := awsops.DeleteAlarm(ctx, r.client.CloudWatch, alerts.AlarmName(a.team, kind)); err != nil {
			return failed("delete the team's CloudWatch alarm", err)
		}
		delete(have, kind)
		state.AlarmARNs = types.MapNull(types.StringType)
		if len(have) > 0 {
			state.AlarmARNs = stringMap(ctx, have)
		}
		a.save()
	}
	return nil
}

// ensureDashboard puts the dashboard when its body changes, or deletes it.
func (r *teamResource) ensureDashboard(ctx context.Context, a *alertingApply) error {
	state, prior, name := a.state, a.prior, teamObjectName(a.team)
	if !a.plan.Dashboard.ValueBool() {
		if state.DashboardName.IsNull() {
			return nil
		}
		if err := awsops.DeleteDashboard(ctx, r.client.CloudWatch, state.DashboardName.ValueString()); err != nil {
			return failed("delete the team's CloudWatch dashboard", err)
		}
		state.DashboardName = types.StringNull()
		a.save()
		return nil
	}
	if state.DashboardName.IsNull() || prior == nil || r.dashboardBody(*prior) != r.dashboardBody(*state) {
		if err := awsops.PutDashboard(ctx, r.client.CloudWatch, name, r.dashboardBody(*state), a.tags); err != nil {
			return failed("put the team's CloudWatch dashboard", err)
		}
		state.DashboardName = types.StringValue(name)
		a.save()
	}
	// CloudWatch ignores the tags of a PutDashboard that updates: tag it apart.
	if a.tagsChanged {
		dashARN := r.client.ARN("cloudwatch", "", r.client.AccountID, "dashboard/"+name)
		if err := awsops.SyncTags(ctx, awsops.CloudWatchTagger(r.client.CloudWatch), dashARN, a.tags); err != nil {
			return failed("tag the team's CloudWatch dashboard", err)
		}
	}
	return nil
}

// ensureAnomaly makes the anomaly monitor and its subscription, or deletes them.
func (r *teamResource) ensureAnomaly(ctx context.Context, a *alertingApply) error {
	threshold, ok := anomalyThresholdOf(ctx, a.plan.AnomalyDetection)
	if !ok {
		return r.deleteAnomaly(ctx, a.state, a.save)
	}
	if err := r.ensureAnomalyMonitor(ctx, a); err != nil {
		return err
	}
	if err := r.ensureAnomalySubscription(ctx, a, threshold); err != nil {
		return err
	}
	if a.tagsChanged {
		for _, arnStr := range []string{a.state.AnomalyMonitorARN.ValueString(), a.state.AnomalySubscriptionARN.ValueString()} {
			if err := awsops.SyncTags(ctx, awsops.AnomalyTagger(r.client.CostExplorer), arnStr, a.tags); err != nil {
				return failed("tag the team's anomaly detection", err)
			}
		}
	}
	return nil
}

// ensureAnomalyMonitor makes the monitor state lacks. Monitors have no idempotency
// token: one of the team's name left by a create whose answer was lost is taken over
// rather than doubled.
func (r *teamResource) ensureAnomalyMonitor(ctx context.Context, a *alertingApply) error {
	state := a.state
	if !state.AnomalyMonitorARN.IsNull() {
		return nil
	}
	var monitor string
	existing, err := awsops.FindAnomalyMonitorByName(ctx, r.client.CostExplorer, teamObjectName(a.team))
	switch {
	case err == nil:
		monitor = aws.ToString(existing.MonitorArn)
		tflog.Debug(ctx, "taking over the team's existing anomaly monitor", map[string]any{"team": a.team, "arn": monitor})
	case awsops.IsNotFound(err):
		monitor, err = awsops.CreateAnomalyMonitor(ctx, r.client.CostExplorer, teamObjectName(a.team), tagTeam, a.team, a.tags)
	}
	if err != nil {
		return failed("create the team's anomaly monitor", err)
	}
	state.AnomalyMonitorARN = types.StringValue(monitor)
	if !state.AnomalySubscriptionARN.IsNull() {
		// A subscription of the monitor that is gone.
		if err := awsops.DeleteAnomalySubscription(ctx, r.client.CostExplorer, state.AnomalySubscriptionARN.ValueString()); err != nil {
			return failed("delete the team's stale anomaly subscription", err)
		}
		state.AnomalySubscriptionARN = types.StringNull()
	}
	a.save()
	return nil
}

// ensureAnomalySubscription makes the subscription state lacks (taking over one of the
// team's name), or updates its topic and threshold.
func (r *teamResource) ensureAnomalySubscription(ctx context.Context, a *alertingApply, threshold float64) error {
	state, prior, ce := a.state, a.prior, r.client.CostExplorer
	if state.AnomalySubscriptionARN.IsNull() {
		sub, err := awsops.FindAnomalySubscriptionByName(ctx, ce, state.AnomalyMonitorARN.ValueString(), teamObjectName(a.team))
		switch {
		case err == nil:
			err = awsops.UpdateAnomalySubscription(ctx, ce, sub, a.wantTopic, threshold)
		case awsops.IsNotFound(err):
			sub, err = awsops.CreateAnomalySubscription(ctx, ce, teamObjectName(a.team), state.AnomalyMonitorARN.ValueString(), a.wantTopic, threshold, a.tags)
		}
		if err != nil {
			return failed("create the team's anomaly subscription", err)
		}
		state.AnomalySubscriptionARN = types.StringValue(sub)
		a.save()
		return nil
	}
	if prior != nil && (!prior.AnomalyDetection.Equal(a.plan.AnomalyDetection) || a.priorTopic != a.wantTopic) {
		if err := awsops.UpdateAnomalySubscription(ctx, ce, state.AnomalySubscriptionARN.ValueString(), a.wantTopic, threshold); err != nil {
			return failed("update the team's anomaly subscription", err)
		}
	}
	return nil
}

// retireTopic deletes the topic bedgov made once nothing needs it any more.
func (r *teamResource) retireTopic(ctx context.Context, a *alertingApply) error {
	if a.priorTopic == a.ownTopic && a.wantTopic != a.ownTopic {
		return failed("delete the team's SNS topic", awsops.DeleteTopic(ctx, r.client.SNS, a.ownTopic))
	}
	return nil
}

func (r *teamResource) deleteAnomaly(ctx context.Context, state *teamModel, save func()) error {
	if !state.AnomalySubscriptionARN.IsNull() {
		if err := awsops.DeleteAnomalySubscription(ctx, r.client.CostExplorer, state.AnomalySubscriptionARN.ValueString()); err != nil {
			return failed("delete the team's anomaly subscription", err)
		}
		state.AnomalySubscriptionARN = types.StringNull()
		save()
	}
	if !state.AnomalyMonitorARN.IsNull() {
		if err := awsops.DeleteAnomalyMonitor(ctx, r.client.CostExplorer, state.AnomalyMonitorARN.ValueString()); err != nil {
			return failed("delete the team's anomaly monitor", err)
		}
		state.AnomalyMonitorARN = types.StringNull()
		save()
	}
	return nil
}

// syncEmailSubscriptions subscribes the wanted addresses, removes the others, and returns
// each wanted address's status.
func (r *teamResource) syncEmailSubscriptions(ctx context.Context, topicARN string, want []string) (types.Map, error) {
	live, err := awsops.EmailSubscriptions(ctx, r.client.SNS, topicARN)
	if err != nil {
		return types.MapNull(types.StringType), err
	}
	wanted := map[string]bool{}
	status := map[string]string{}
	for _, e := range want {
		wanted[e] = true
		if sub, ok := live[e]; ok {
			status[e] = subscriptionStatus(sub)
			continue
		}
		if err := awsops.SubscribeEmail(ctx, r.client.SNS, topicARN, e); err != nil {
			return types.MapNull(types.StringType), err
		}
		status[e] = emailPending
	}
	for e, sub := range live {
		if !wanted[e] {
			if err := awsops.Unsubscribe(ctx, r.client.SNS, sub); err != nil {
				return types.MapNull(types.StringType), err
			}
		}
	}
	if len(status) == 0 {
		return types.MapNull(types.StringType), nil
	}
	return stringMap(ctx, status), nil
}

func subscriptionStatus(s awsops.EmailSubscription) string {
	if s.Pending {
		return emailPending
	}
	return emailConfirmed
}

// deleteAlerting deletes the part-2 sub-objects; gone is done.
func (r *teamResource) deleteAlerting(ctx context.Context, state teamModel) error {
	team := state.Name.ValueString()
	if err := r.deleteAnomaly(ctx, &state, func() {}); err != nil {
		return err
	}
	for _, kind := range sortedMapKeys(stringsOf(ctx, state.AlarmARNs)) {
		if err := awsops.DeleteAlarm(ctx, r.client.CloudWatch, alerts.AlarmName(team, kind)); err != nil {
			return failed("delete the team's CloudWatch alarm", err)
		}
	}
	if !state.DashboardName.IsNull() {
		if err := awsops.DeleteDashboard(ctx, r.client.CloudWatch, state.DashboardName.ValueString()); err != nil {
			return failed("delete the team's CloudWatch dashboard", err)
		}
	}
	if !state.BudgetName.IsNull() {
		if err := awsops.DeleteBudget(ctx, r.client.Budgets, r.client.AccountID, state.BudgetName.ValueString()); err != nil {
			return failed("delete the team's budget", err)
		}
	}
	if state.SNSTopicARN.ValueString() == r.ownTopicARN(team) {
		if err := awsops.DeleteTopic(ctx, r.client.SNS, state.SNSTopicARN.ValueString()); err != nil {
			return failed("delete the team's SNS topic", err)
		}
	}
	return nil
}

// ---- read -----------------------------------------------------------------------------

// refreshAlerting reads every part-2 sub-object into m. One that is gone, or that was
// changed out of band in a way no attribute shows (a topic policy, an alarm's metric, the
// dashboard body), gets a null identifier, so the next plan puts it back.
func (r *teamResource) refreshAlerting(ctx context.Context, m *teamModel) error {
	subs, err := r.refreshTopic(ctx, m)
	if err != nil {
		return failed("read the team's SNS topic", err)
	}
	budgetEmails, err := r.refreshBudget(ctx, m)
	if err != nil {
		return failed("read the team's budget", err)
	}
	readEmails(ctx, m, subs, budgetEmails)
	if err := r.refreshAlarms(ctx, m); err != nil {
		return failed("read the team's CloudWatch alarms", err)
	}
	if err := r.refreshDashboard(ctx, m); err != nil {
		return failed("read the team's CloudWatch dashboard", err)
	}
	if err := r.refreshAnomaly(ctx, m); err != nil {
		return failed("read the team's anomaly detection", err)
	}
	return nil
}

// refreshTopic checks the topic bedgov made (present, with bedgov's policy) and returns
// its email subscriptions (nil when there is no such topic).
func (r *teamResource) refreshTopic(ctx context.Context, m *teamModel) (map[string]awsops.EmailSubscription, error) {
	team := m.Name.ValueString()
	own := r.ownTopicARN(team)
	if m.SNSTopicARN.ValueString() != own {
		return nil, nil
	}
	attrs, err := awsops.FindTopic(ctx, r.client.SNS, own)
	switch {
	case awsops.IsNotFound(err):
		tflog.Debug(ctx, "SNS topic deleted out of band", map[string]any{"team": team})
		m.SNSTopicARN, m.EmailSubscriptionStatus = types.StringNull(), types.MapNull(types.StringType)
		return nil, nil
	case err != nil:
		return nil, err
	}
	if normalizeJSON(attrs["Policy"]) != alerts.TopicPolicy(r.client.Partition, r.client.AccountID, own) {
		tflog.Debug(ctx, "SNS topic policy changed out of band", map[string]any{"team": team})
		m.SNSTopicARN = types.StringNull()
	}
	subs, err := awsops.EmailSubscriptions(ctx, r.client.SNS, own)
	if awsops.IsNotFound(err) {
		return nil, nil
	}
	return subs, err
}

// refreshBudget reads the budget's amount, thresholds and emails as AWS has them, and
// returns its subscribers' emails (nil when there is no budget).
func (r *teamResource) refreshBudget(ctx context.Context, m *teamModel) (map[string]bool, error) {
	if m.BudgetName.IsNull() {
		return nil, nil
	}
	team := m.Name.ValueString()
	b, err := awsops.FindBudget(ctx, r.client.Budgets, r.client.AccountID, m.BudgetName.ValueString())
	switch {
	case awsops.IsNotFound(err):
		tflog.Debug(ctx, "budget deleted out of band", map[string]any{"team": team})
		m.BudgetName = types.StringNull()
		return nil, nil
	case err != nil:
		return nil, err
	}
	if b.BudgetLimit != nil {
		if v, err := strconv.ParseFloat(aws.ToString(b.BudgetLimit.Amount), 64); err == nil && (m.MonthlyBudget.IsNull() || budgetAmount(v) != budgetAmount(m.MonthlyBudget.ValueFloat64())) {
			m.MonthlyBudget = types.Float64Value(v)
		}
	}
	notes, err := awsops.BudgetNotifications(ctx, r.client.Budgets, r.client.AccountID, m.BudgetName.ValueString())
	if err != nil && !awsops.IsNotFound(err) {
		return nil, err
	}
	budgetEmails := map[string]bool{}
	for _, n := range notes {
		for _, e := range n.Emails {
			budgetEmails[e] = true
		}
	}
	// A changed filter or period, or notifications added, deleted or re-pointed out of
	// band, show as a planned re-create of the budget, which the apply turns into an
	// in-place update (the create takes the existing budget over).
	if !sameBudgetFilter(b, tagTeam, team) || b.TimeUnit != budgettypes.TimeUnitMonthly ||
		!r.readThresholds(ctx, m, notes) {
		tflog.Debug(ctx, "budget changed out of band", map[string]any{"team": team})
		m.BudgetName = types.StringNull()
	}
	return budgetEmails, nil
}

// readEmails sets notification_emails and email_subscription_status from the topic's
// subscriptions and the budget's subscribers. An address in state stays while every
// live object that should carry it does (a subscription pending confirmation counts).
// An address state lacks shows as drift when the budget has it or a confirmed
// subscription does; a pending one that was removed from the configuration (SNS cannot
// delete those; they expire) does not.
func readEmails(ctx context.Context, m *teamModel, subs map[string]awsops.EmailSubscription, budgetEmails map[string]bool) {
	if subs == nil && budgetEmails == nil {
		return
	}
	var list []string
	for _, e := range emailsOf(ctx, m.NotificationEmails) {
		_, subscribed := subs[e]
		if (subs == nil || subscribed) && (budgetEmails == nil || budgetEmails[e]) {
			list = append(list, e)
		}
	}
	extra := map[string]bool{}
	for e := range budgetEmails {
		extra[e] = true
	}
	for e, sub := range subs {
		if !sub.Pending {
			extra[e] = true
		}
	}
	for e := range extra {
		if !containsEmail(list, e) && !containsEmail(emailsOf(ctx, m.NotificationEmails), e) {
			list = append(list, e)
		}
	}
	sort.Strings(list)
	switch {
	case len(list) > 0:
		m.NotificationEmails = stringSet(list)
	case !m.NotificationEmails.IsNull():
		m.NotificationEmails = stringSet([]string{})
	}
	if subs == nil || m.SNSTopicARN.IsNull() {
		return
	}
	status := map[string]string{}
	for _, e := range emailsOf(ctx, m.NotificationEmails) {
		if s, ok := subs[e]; ok {
			status[e] = subscriptionStatus(s)
		}
	}
	m.EmailSubscriptionStatus = types.MapNull(types.StringType)
	if len(status) > 0 {
		m.EmailSubscriptionStatus = stringMap(ctx, status)
	}
}

// refreshAlarms reads the alarms in one call. One gone, or no longer on the team's
// profile and topic, drops out of alarm_arns.
func (r *teamResource) refreshAlarms(ctx context.Context, m *teamModel) error {
	if m.AlarmARNs.IsNull() {
		return nil
	}
	team := m.Name.ValueString()
	live, err := awsops.FindAlarmsByPrefix(ctx, r.client.CloudWatch, teamObjectName(team)+"-")
	if err != nil {
		return err
	}
	found := map[string]string{}
	for kind := range stringsOf(ctx, m.AlarmARNs) {
		a, ok := live[alerts.AlarmName(team, kind)]
		if !ok {
			tflog.Debug(ctx, "CloudWatch alarm deleted out of band", map[string]any{"team": team, "kind": kind})
			continue
		}
		if !m.InferenceProfileARN.IsNull() && !a.Matches(alerts.ModelIDs(m.InferenceProfileARN.ValueString(), modelTiers(m.ModelSourceARN)), m.SNSTopicARN.ValueString()) {
			tflog.Debug(ctx, "CloudWatch alarm changed out of band", map[string]any{"team": team, "alarm": a.Name})
			continue
		}
		found[kind] = r.alarmARN(a.Name)
	}
	r.readAlarms(ctx, m, live, found)
	return nil
}

// refreshDashboard checks the dashboard is present, with the body bedgov writes.
func (r *teamResource) refreshDashboard(ctx context.Context, m *teamModel) error {
	if m.DashboardName.IsNull() {
		return nil
	}
	team := m.Name.ValueString()
	body, err := awsops.FindDashboard(ctx, r.client.CloudWatch, m.DashboardName.ValueString())
	switch {
	case awsops.IsNotFound(err):
		tflog.Debug(ctx, "CloudWatch dashboard deleted out of band", map[string]any{"team": team})
		m.DashboardName = types.StringNull()
	case err != nil:
		return err
	case normalizeJSON(body) != r.dashboardBody(*m):
		tflog.Debug(ctx, "CloudWatch dashboard changed out of band", map[string]any{"team": team})
		m.DashboardName = types.StringNull()
	default:
		m.Dashboard = types.BoolValue(true)
	}
	return nil
}

// refreshAnomaly reads the anomaly monitor and subscription, and the subscription's
// threshold.
func (r *teamResource) refreshAnomaly(ctx context.Context, m *teamModel) error {
	team := m.Name.ValueString()
	if !m.AnomalyMonitorARN.IsNull() {
		_, err := awsops.FindAnomalyMonitor(ctx, r.client.CostExplorer, m.AnomalyMonitorARN.ValueString())
		switch {
		case awsops.IsNotFound(err):
			tflog.Debug(ctx, "anomaly monitor deleted out of band", map[string]any{"team": team})
			m.AnomalyMonitorARN = types.StringNull()
		case err != nil:
			return err
		}
	}
	if m.AnomalySubscriptionARN.IsNull() {
		return nil
	}
	sub, err := awsops.FindAnomalySubscription(ctx, r.client.CostExplorer, m.AnomalySubscriptionARN.ValueString())
	switch {
	case awsops.IsNotFound(err):
		tflog.Debug(ctx, "anomaly subscription deleted out of band", map[string]any{"team": team})
		m.AnomalySubscriptionARN = types.StringNull()
	case err != nil:
		return err
	default:
		current, _ := anomalyThresholdOf(ctx, m.AnomalyDetection)
		if m.AnomalyDetection.IsNull() || current != sub.ThresholdUSD {
			m.AnomalyDetection, _ = types.ObjectValueFrom(ctx, anomalyAttrTypes, anomalyModel{ThresholdUSD: types.Float64Value(sub.ThresholdUSD)})
		}
	}
	return nil
}

func containsEmail(list []string, e string) bool {
	for _, v := range list {
		if v == e {
			return true
		}
	}
	return false
}

// readThresholds sets thresholds from the live notifications when they differ from the
// effective ones (so an unset block with default thresholds stays unset). It reports
// false when the notifications are not three ACTUAL ones and a FORECASTED one at the
// block threshold, each to the same subscribers: a shape only a re-sync puts back.
func (r *teamResource) readThresholds(ctx context.Context, m *teamModel, notes []awsops.BudgetNotification) bool {
	var actual, forecast []float64
	for _, n := range notes {
		if n.Type == budgettypes.NotificationTypeActual {
			actual = append(actual, n.Threshold)
		} else {
			forecast = append(forecast, n.Threshold)
		}
		if n.TopicARN != notes[0].TopicARN || fmt.Sprint(n.Emails) != fmt.Sprint(notes[0].Emails) ||
			(!m.SNSTopicARN.IsNull() && n.TopicARN != m.SNSTopicARN.ValueString()) {
			return false
		}
	}
	if len(actual) != 3 || len(forecast) != 1 {
		return false
	}
	sort.Float64s(actual)
	n, d, b := thresholdsOf(ctx, m.Thresholds)
	if float64(n) != actual[0] || float64(d) != actual[1] || float64(b) != actual[2] {
		m.Thresholds, _ = types.ObjectValueFrom(ctx, thresholdsAttrTypes, thresholdsModel{
			Notify: types.Int64Value(int64(actual[0])), Degrade: types.Int64Value(int64(actual[1])), Block: types.Int64Value(int64(actual[2])),
		})
	}
	return forecast[0] == actual[2]
}

// readAlarms sets alarm_arns to the alarms found, and output_tokens_per_hour to the live
// burn-rate threshold. On import (no alarms block yet) the block is rebuilt from the
// alarms found.
func (r *teamResource) readAlarms(ctx context.Context, m *teamModel, live map[string]awsops.Alarm, found map[string]string) {
	if len(found) == 0 {
		if !m.AlarmARNs.IsNull() {
			m.AlarmARNs = types.MapNull(types.StringType)
		}
		return
	}
	m.AlarmARNs = stringMap(ctx, found)
	var cfg alarmsModel
	if m.Alarms.IsNull() {
		cfg = alarmsModel{OutputTokensPerHour: types.Int64Null(), Throttles: types.BoolNull(), ServerErrors: types.BoolNull()}
		if found[alerts.AlarmThrottles] != "" {
			cfg.Throttles = types.BoolValue(true)
		}
		if found[alerts.AlarmServerErrors] != "" {
			cfg.ServerErrors = types.BoolValue(true)
		}
	} else {
		m.Alarms.As(ctx, &cfg, objectAs())
	}
	if found[alerts.AlarmOutputTokens] != "" {
		threshold := int64(live[alerts.AlarmName(m.Name.ValueString(), alerts.AlarmOutputTokens)].Threshold)
		if cfg.OutputTokensPerHour.ValueInt64() != threshold {
			cfg.OutputTokensPerHour = types.Int64Value(threshold)
		}
	}
	m.Alarms, _ = types.ObjectValueFrom(ctx, alarmsAttrTypes, cfg)
}

// ---- import ---------------------------------------------------------------------------

// null sets every part-2 attribute to null (an import starts from nothing).
func (m *teamAlertingModel) null() {
	m.MonthlyBudget = types.Float64Null()
	m.Thresholds = types.ObjectNull(thresholdsAttrTypes)
	m.NotificationEmails = types.SetNull(types.StringType)
	m.Alarms = types.ObjectNull(alarmsAttrTypes)
	m.AnomalyDetection = types.ObjectNull(anomalyAttrTypes)
	m.Dashboard = types.BoolValue(false)
	m.clearIDs()
}

// clearIDs nulls the identifiers of the part-2 sub-objects.
func (m *teamAlertingModel) clearIDs() {
	m.SNSTopicARN = types.StringNull()
	m.BudgetName, m.DashboardName, m.AnomalyMonitorARN, m.AnomalySubscriptionARN = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
	m.AlarmARNs, m.EmailSubscriptionStatus = types.MapNull(types.StringType), types.MapNull(types.StringType)
}

// copyConfig takes the part's configuration from plan.
func (m *teamAlertingModel) copyConfig(plan teamAlertingModel) {
	m.MonthlyBudget, m.Thresholds, m.NotificationEmails, m.Alarms, m.AnomalyDetection, m.Dashboard =
		plan.MonthlyBudget, plan.Thresholds, plan.NotificationEmails, plan.Alarms, plan.AnomalyDetection, plan.Dashboard
}

// clearUnknown turns the part's unknown computed values into null.
func (m *teamAlertingModel) clearUnknown() {
	nullUnknownStrings(&m.BudgetName, &m.SNSTopicARN, &m.DashboardName, &m.AnomalyMonitorARN, &m.AnomalySubscriptionARN)
	for _, mp := range []*types.Map{&m.AlarmARNs, &m.EmailSubscriptionStatus} {
		if mp.IsUnknown() {
			*mp = types.MapNull(types.StringType)
		}
	}
}

// importAlerting finds the part-2 sub-objects by their names; the refresh that follows
// reads their settings.
func (r *teamResource) importAlerting(ctx context.Context, m *teamModel) error {
	team := m.Name.ValueString()
	name := teamObjectName(team)
	if _, err := awsops.FindBudget(ctx, r.client.Budgets, r.client.AccountID, name); err == nil {
		m.BudgetName = types.StringValue(name)
	} else if !awsops.IsNotFound(err) {
		return err
	}
	if _, err := awsops.FindTopic(ctx, r.client.SNS, r.ownTopicARN(team)); err == nil {
		m.SNSTopicARN = types.StringValue(r.ownTopicARN(team))
	} else if !awsops.IsNotFound(err) {
		return err
	}
	if _, err := awsops.FindDashboard(ctx, r.client.CloudWatch, name); err == nil {
		m.DashboardName = types.StringValue(name)
		m.Dashboard = types.BoolValue(true)
	} else if !awsops.IsNotFound(err) {
		return err
	}
	alarms, err := awsops.FindAlarmsByPrefix(ctx, r.client.CloudWatch, name+"-")
	if err != nil {
		return err
	}
	found := map[string]string{}
	for _, kind := range []string{alerts.AlarmOutputTokens, alerts.AlarmThrottles, alerts.AlarmServerErrors} {
		if _, ok := alarms[alerts.AlarmName(team, kind)]; ok {
			found[kind] = r.alarmARN(alerts.AlarmName(team, kind))
		}
	}
	if len(found) > 0 {
		m.AlarmARNs = stringMap(ctx, found)
	}
	// A topic the team brought shows as the budget's SNS subscriber.
	if m.SNSTopicARN.IsNull() && !m.BudgetName.IsNull() {
		notes, err := awsops.BudgetNotifications(ctx, r.client.Budgets, r.client.AccountID, name)
		if err != nil {
			return err
		}
		if len(notes) > 0 && notes[0].TopicARN != "" {
			m.SNSTopicARN = types.StringValue(notes[0].TopicARN)
		}
	}
	if mon, err := awsops.FindAnomalyMonitorByName(ctx, r.client.CostExplorer, name); err == nil {
		m.AnomalyMonitorARN = types.StringValue(aws.ToString(mon.MonitorArn))
		if sub, err := awsops.FindAnomalySubscriptionByName(ctx, r.client.CostExplorer, aws.ToString(mon.MonitorArn), name); err == nil {
			m.AnomalySubscriptionARN = types.StringValue(sub)
		} else if !awsops.IsNotFound(err) {
			return err
		}
	} else if !awsops.IsNotFound(err) {
		return err
	}
	return nil
}
