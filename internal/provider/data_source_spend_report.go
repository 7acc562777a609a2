package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/report"
)

var (
	_ datasource.DataSource              = (*spendReportDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*spendReportDataSource)(nil)
)

// NewSpendReportDataSource is the bedgov_spend_report data source: every team's spend
// in a period, read from the enforcer's ledger, with CSV and Markdown renderings.
func NewSpendReportDataSource() datasource.DataSource {
	return &spendReportDataSource{now: time.Now}
}

type spendReportDataSource struct {
	client *awsclient.Client
	now    func() time.Time
}

type spendReportModel struct {
	ID            types.String  `tfsdk:"id"`
	Enforcer      types.String  `tfsdk:"enforcer"`
	Period        types.String  `tfsdk:"period"`
	Teams         types.List    `tfsdk:"teams"`
	TotalSpentUSD types.Float64 `tfsdk:"total_spent_usd"`
	TotalLimitUSD types.Float64 `tfsdk:"total_limit_usd"`
	CSV           types.String  `tfsdk:"csv"`
	Markdown      types.String  `tfsdk:"markdown"`
}

var (
	reportModelAttrTypes = map[string]attr.Type{
		"model_id": types.StringType, "input_tokens": types.Int64Type, "output_tokens": types.Int64Type,
		"cache_read_tokens": types.Int64Type, "cache_write_tokens": types.Int64Type, "cost_usd": types.Float64Type,
	}
	reportTeamAttrTypes = map[string]attr.Type{
		"team": types.StringType, "limit_usd": types.Float64Type, "effective_limit_usd": types.Float64Type,
		"spent_usd": types.Float64Type, "spend_percent": types.Int64Type, "state": types.StringType,
		"requests": types.Int64Type, "models": types.ListType{ElemType: types.ObjectType{AttrTypes: reportModelAttrTypes}},
	}
	periodPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
)

func (d *spendReportDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_spend_report"
}

func (d *spendReportDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	num := func(desc string) schema.Float64Attribute {
		return schema.Float64Attribute{Computed: true, MarkdownDescription: desc}
	}
	integer := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The monthly spend report of every team behind an enforcer: limit, spend, percentage, state in the " +
			"graduated response, and tokens and cost per model, read from the enforcer's ledger (its DynamoDB cap table), so it " +
			"needs neither Athena nor Cost Explorer and is exact to the request. `csv` and `markdown` render the same report for " +
			"`terraform output -raw` or a CI job to publish.\n\n" +
			"The ledger keeps the spend of the current month and the month before, and token counts for the month its counters " +
			"are in; for older months query the invocation logs.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<enforcer>/<period>`."},
			"enforcer": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name (id) of the `bedgov_enforcer` whose ledger to read.",
				Validators: []validator.String{stringvalidator.LengthBetween(2, 32), stringvalidator.RegexMatches(enforcerNamePattern, "must be a bedgov enforcer name")},
			},
			"period": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Calendar month (UTC) as `YYYY-MM`: the current one (default) or the one before.",
				Validators:          []validator.String{stringvalidator.RegexMatches(periodPattern, "must be a month as YYYY-MM, e.g. 2026-11")},
			},
			"total_spent_usd": num("Spend of all teams in the period."),
			"total_limit_usd": num("Sum of the teams' effective limits."),
			"csv": schema.StringAttribute{Computed: true, MarkdownDescription: "The report as CSV with a header line: one row per team and model " +
				"(`period,team,limit_usd,effective_limit_usd,spent_usd,spend_percent,state,requests,model_id,input_tokens,output_tokens," +
				"cache_read_tokens,cache_write_tokens,model_cost_usd`); a team without model usage has one row with the model columns empty."},
			"markdown": schema.StringAttribute{Computed: true, MarkdownDescription: "The report as Markdown: a table of the teams and a table of their usage per model."},
			"teams": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Every team with a cap record in the enforcer's table, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"team":                schema.StringAttribute{Computed: true, MarkdownDescription: "Team name."},
					"limit_usd":           num("The monthly budget."),
					"effective_limit_usd": num("The limit in force: an active override's in the current month; the budget for the month before."),
					"spent_usd":           num("Settled spend in the period."),
					"spend_percent":       integer("Spend as a percentage of the effective limit (rounded down)."),
					"state":               schema.StringAttribute{Computed: true, MarkdownDescription: "`ok`, `notified`, `degraded` or `blocked`."},
					"requests":            integer("Requests settled in the period; null when the ledger no longer holds the count (the month before, after traffic in the current one)."),
					"models": schema.ListNestedAttribute{
						Computed:            true,
						MarkdownDescription: "Tokens and cost per model used in the period (primary and degrade), sorted by model id; empty when the ledger no longer holds them.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"model_id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Foundation model id."},
							"input_tokens":       integer("Input tokens."),
							"output_tokens":      integer("Output tokens."),
							"cache_read_tokens":  integer("Cache-read tokens."),
							"cache_write_tokens": integer("Cache-write tokens."),
							"cost_usd": num("The tokens priced at the enforcer's prices (its `pricing_overrides` over the embedded table) in the team's " +
								"price group; null for a model neither prices. The enforcer rounds each request up to the micro-dollar, so the sum " +
								"over models can fall short of `spent_usd` by up to one micro-dollar per request."),
						}},
					},
				}},
			},
		},
	}
}

func (d *spendReportDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *spendReportDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m spendReportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	enforcer := m.Enforcer.ValueString()
	names := namesFor(enforcer)
	tflog.Debug(ctx, "reading the enforcer's prices", map[string]any{"function": names.function})
	prices, err := awsops.EnforcerPricing(ctx, d.client.Lambda, names.function)
	if err != nil {
		if awsops.IsNotFound(err) {
			resp.Diagnostics.AddError("Enforcer not found", fmt.Sprintf("No enforcer function %s: is bedgov_enforcer %q applied in this account and region?", names.function, enforcer))
			return
		}
		resp.Diagnostics.AddError("Cannot read the enforcer's prices", fmt.Sprintf("function %s: %s", names.function, awsops.ErrorText(err)))
		return
	}
	tflog.Debug(ctx, "scanning cap records", map[string]any{"table": names.table})
	recs, err := awsops.ScanCapRecords(ctx, d.client.DynamoDB, names.table)
	if err != nil {
		if awsops.IsNotFound(err) {
			resp.Diagnostics.AddError("Enforcer ledger not found", fmt.Sprintf("No cap table %s for enforcer %q.", names.table, enforcer))
			return
		}
		resp.Diagnostics.AddError("Cannot read the enforcer's ledger", fmt.Sprintf("table %s: %s", names.table, awsops.ErrorText(err)))
		return
	}
	rep, err := report.Build(enforcer, recs, m.Period.ValueString(), d.now(), prices)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("period"), "Period not in the ledger", err.Error())
		return
	}
	tflog.Debug(ctx, "spend report built", map[string]any{"period": rep.Period, "teams": len(rep.Teams)})
	m.ID = types.StringValue(enforcer + "/" + rep.Period)
	m.Period = types.StringValue(rep.Period)
	m.TotalSpentUSD = types.Float64Value(rep.Spent.USD())
	m.TotalLimitUSD = types.Float64Value(rep.Limit.USD())
	m.CSV = types.StringValue(rep.CSV())
	m.Markdown = types.StringValue(rep.Markdown())
	m.Teams = reportTeams(rep, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func reportTeams(rep report.Report, diags *diag.Diagnostics) types.List {
	modelType := types.ObjectType{AttrTypes: reportModelAttrTypes}
	teams := make([]attr.Value, 0, len(rep.Teams))
	for _, t := range rep.Teams {
		models := make([]attr.Value, 0, len(t.Models))
		for _, mu := range t.Models {
			cost := types.Float64Null()
			if mu.Priced {
				cost = types.Float64Value(mu.Cost.USD())
			}
			obj, d := types.ObjectValue(reportModelAttrTypes, map[string]attr.Value{
				"model_id": types.StringValue(mu.ModelID), "input_tokens": types.Int64Value(mu.InputTokens),
				"output_tokens": types.Int64Value(mu.OutputTokens), "cache_read_tokens": types.Int64Value(mu.CacheReadTokens),
				"cache_write_tokens": types.Int64Value(mu.CacheWriteTokens), "cost_usd": cost,
			})
			diags.Append(d...)
			models = append(models, obj)
		}
		modelList, d := types.ListValue(modelType, models)
		diags.Append(d...)
		requests := types.Int64Null()
		if t.Detailed {
			requests = types.Int64Value(t.Requests)
		}
		obj, d := types.ObjectValue(reportTeamAttrTypes, map[string]attr.Value{
			"team": types.StringValue(t.Team), "limit_usd": types.Float64Value(t.Limit.USD()),
			"effective_limit_usd": types.Float64Value(t.EffectiveLimit.USD()), "spent_usd": types.Float64Value(t.Spent.USD()),
			"spend_percent": types.Int64Value(t.Percent), "state": types.StringValue(string(t.State)),
			"requests": requests, "models": modelList,
		})
		diags.Append(d...)
		teams = append(teams, obj)
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: reportTeamAttrTypes}, teams)
	diags.Append(d...)
	return list
}
