package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

var (
	_ datasource.DataSource              = (*teamUsageDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*teamUsageDataSource)(nil)
)

// NewTeamUsageDataSource is the bedgov_team_usage data source: a team's spend in the
// current period, read from its enforcer's ledger.
func NewTeamUsageDataSource() datasource.DataSource {
	return &teamUsageDataSource{now: time.Now}
}

type teamUsageDataSource struct {
	client *awsclient.Client
	now    func() time.Time
}

type teamUsageModel struct {
	ID                types.String  `tfsdk:"id"`
	Team              types.String  `tfsdk:"team"`
	Enforcer          types.String  `tfsdk:"enforcer"`
	Period            types.String  `tfsdk:"period"`
	LimitUSD          types.Float64 `tfsdk:"limit_usd"`
	EffectiveLimitUSD types.Float64 `tfsdk:"effective_limit_usd"`
	SpentUSD          types.Float64 `tfsdk:"spent_usd"`
	ReservedUSD       types.Float64 `tfsdk:"reserved_usd"`
	SpendPercent      types.Int64   `tfsdk:"spend_percent"`
	State             types.String  `tfsdk:"state"`
	Requests          types.Int64   `tfsdk:"requests"`
	OverrideActive    types.Bool    `tfsdk:"override_active"`
	OverrideLimitUSD  types.Float64 `tfsdk:"override_limit_usd"`
	OverrideExpiresAt types.String  `tfsdk:"override_expires_at"`
	OverrideReason    types.String  `tfsdk:"override_reason"`
	Models            types.List    `tfsdk:"models"`
	PreviousPeriod    types.String  `tfsdk:"previous_period"`
	PreviousPeriodUSD types.Float64 `tfsdk:"previous_period_spent_usd"`
}

var modelUsageAttrTypes = map[string]attr.Type{
	"model_id": types.StringType, "input_tokens": types.Int64Type, "output_tokens": types.Int64Type,
	"cache_read_tokens": types.Int64Type, "cache_write_tokens": types.Int64Type,
}

func (d *teamUsageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team_usage"
}

func (d *teamUsageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	num := func(desc string) schema.Float64Attribute {
		return schema.Float64Attribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A team's spend in the current period (calendar month, UTC) as its enforcer counts it: limit, " +
			"settled spend, in-flight reservations, state in the graduated response, an active override, and tokens per model. " +
			"Read straight from the enforcer's cap table, so it is exact to the request, unlike AWS Budgets.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<enforcer>/<team>/<period>`."},
			"team": schema.StringAttribute{
				Required: true, MarkdownDescription: "Team name.",
				Validators: []validator.String{stringvalidator.LengthBetween(2, 32), stringvalidator.RegexMatches(teamNamePattern, "must be a bedgov team name")},
			},
			"enforcer": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name (id) of the `bedgov_enforcer` the team goes through.",
				Validators: []validator.String{stringvalidator.LengthBetween(2, 32), stringvalidator.RegexMatches(enforcerNamePattern, "must be a bedgov enforcer name")},
			},
			"period":                    schema.StringAttribute{Computed: true, MarkdownDescription: "The current period, e.g. `2026-11`."},
			"limit_usd":                 num("The monthly budget."),
			"effective_limit_usd":       num("The limit in force now: the override's while it lasts."),
			"spent_usd":                 num("Settled spend in the period."),
			"reserved_usd":              num("Worst-case cost reserved by requests in flight."),
			"spend_percent":             schema.Int64Attribute{Computed: true, MarkdownDescription: "Settled spend as a percentage of the effective limit (rounded down)."},
			"state":                     schema.StringAttribute{Computed: true, MarkdownDescription: "`ok`, `notified`, `degraded` or `blocked`: the state the enforcer's `X-Bedgov-State` header gives for the same record. A team without a degrade model is never `degraded`: it stays `notified` until blocked."},
			"requests":                  schema.Int64Attribute{Computed: true, MarkdownDescription: "Requests settled in the period."},
			"override_active":           schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether an emergency override is in force."},
			"override_limit_usd":        num("The override's limit, when one is set."),
			"override_expires_at":       schema.StringAttribute{Computed: true, MarkdownDescription: "RFC 3339 expiry of the override."},
			"override_reason":           schema.StringAttribute{Computed: true, MarkdownDescription: "Why the override was granted."},
			"previous_period":           schema.StringAttribute{Computed: true, MarkdownDescription: "The period before, when known."},
			"previous_period_spent_usd": num("Spend of the previous period, when known."),
			"models": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Token counts of the period per model actually used (primary and degrade).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"model_id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Model id."},
					"input_tokens":       schema.Int64Attribute{Computed: true, MarkdownDescription: "Input tokens."},
					"output_tokens":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Output tokens."},
					"cache_read_tokens":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Cache-read tokens."},
					"cache_write_tokens": schema.Int64Attribute{Computed: true, MarkdownDescription: "Cache-write tokens."},
				}},
			},
		},
	}
}

func (d *teamUsageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *teamUsageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m teamUsageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	team, table := m.Team.ValueString(), namesFor(m.Enforcer.ValueString()).table
	tflog.Debug(ctx, "reading cap record", map[string]any{"team": team, "table": table})
	rec, err := governance.ReadCapRecord(ctx, d.client.DynamoDB, table, team)
	if err != nil {
		if errors.Is(err, governance.ErrNoCapRecord) {
			resp.Diagnostics.AddError("Team not enforced",
				fmt.Sprintf("Enforcer %s has no cap record for team %s: set `enforcer` on the bedgov_team and apply it first.", m.Enforcer.ValueString(), team))
			return
		}
		resp.Diagnostics.AddError("Cannot read the team's usage", fmt.Sprintf("team %s, table %s: %s", team, table, awsops.ErrorText(err)))
		return
	}

	now := d.now().UTC()
	st := rec.StandingAt(now)
	period := st.Period
	reserved := governance.Micros(0)
	if rec.Period == period {
		reserved = rec.Reserved
	}
	m.ID = types.StringValue(m.Enforcer.ValueString() + "/" + team + "/" + period)
	m.Period = types.StringValue(period)
	m.LimitUSD = types.Float64Value(rec.Limit.USD())
	m.EffectiveLimitUSD = types.Float64Value(st.Limit.USD())
	m.SpentUSD = types.Float64Value(st.Spent.USD())
	m.ReservedUSD = types.Float64Value(reserved.USD())
	m.SpendPercent = types.Int64Value(st.Percent)
	m.State = types.StringValue(string(st.State))
	m.Requests = types.Int64Value(0)
	if rec.Period == period {
		m.Requests = types.Int64Value(rec.Requests)
	}
	m.OverrideActive = types.BoolValue(rec.OverrideActive(now))
	m.OverrideLimitUSD, m.OverrideExpiresAt, m.OverrideReason = types.Float64Null(), types.StringNull(), types.StringNull()
	if o := rec.Override; o != nil {
		m.OverrideLimitUSD = types.Float64Value(o.Limit.USD())
		m.OverrideExpiresAt = types.StringValue(o.Expires.UTC().Format(time.RFC3339))
		m.OverrideReason = types.StringValue(o.Reason)
	}
	m.PreviousPeriod, m.PreviousPeriodUSD = types.StringNull(), types.Float64Null()
	if prev := governance.PeriodOf(governance.PeriodOf(now).Start().Add(-time.Hour)).Key(); rec.Period == prev || rec.PrevPeriod == prev {
		m.PreviousPeriod = types.StringValue(prev)
		m.PreviousPeriodUSD = types.Float64Value(rec.SpentIn(prev).USD())
	}
	m.Models = modelUsage(rec, rec.Period == period, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// modelUsage lists the current period's token counters by model, sorted by model id.
func modelUsage(rec *governance.CapRecord, current bool, diags *diag.Diagnostics) types.List {
	elem := types.ObjectType{AttrTypes: modelUsageAttrTypes}
	var models []string
	if current {
		seen := map[string]bool{}
		for _, m := range []map[string]int64{rec.InputTokens, rec.OutputTokens, rec.CacheReadTokens, rec.CacheWriteTokens} {
			for id := range m {
				if !seen[id] {
					seen[id] = true
					models = append(models, id)
				}
			}
		}
		sort.Strings(models)
	}
	values := make([]attr.Value, 0, len(models))
	for _, id := range models {
		obj, d := types.ObjectValue(modelUsageAttrTypes, map[string]attr.Value{
			"model_id":           types.StringValue(id),
			"input_tokens":       types.Int64Value(rec.InputTokens[id]),
			"output_tokens":      types.Int64Value(rec.OutputTokens[id]),
			"cache_read_tokens":  types.Int64Value(rec.CacheReadTokens[id]),
			"cache_write_tokens": types.Int64Value(rec.CacheWriteTokens[id]),
		})
		diags.Append(d...)
		values = append(values, obj)
	}
	list, d := types.ListValue(elem, values)
	diags.Append(d...)
	return list
}
