package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// The enforcer's prices: where they come from (pricing_source), the table in force as a
// plan-visible attribute (priced_models), and its delivery to the function.

const (
	pricingSourceEmbedded = "embedded"
	pricingSourceAWS      = "aws"
)

func pricingSourceAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true, Computed: true, Default: stringdefault.StaticString(pricingSourceEmbedded),
		MarkdownDescription: "Where the enforcer's prices come from. `embedded` (default): the catalog built into this provider " +
			"(dated; see the pricing guide). `aws`: AWS's Price List API (`pricing:GetProducts`, service codes `AmazonBedrock` and " +
			"`AmazonBedrockFoundationModels`, for the provider's Region), read at every plan and apply and laid over the embedded catalog, " +
			"so a new model or price needs no provider release; the provider's credentials need `pricing:GetProducts` and " +
			"`bedrock:ListFoundationModels`. `pricing_overrides` win over both. A change of the prices in force shows in plan as a " +
			"change of `priced_models`, with a warning naming the teams on the models whose prices change.",
		Validators: []validator.String{stringvalidator.OneOf(pricingSourceEmbedded, pricingSourceAWS)},
	}
}

func pricedModelsAttribute() schema.MapAttribute {
	return schema.MapAttribute{
		Computed: true, ElementType: types.StringType,
		MarkdownDescription: "The prices the enforcer charges, per foundation model id: its standard prices by price group " +
			"(`global` for a `global.` profile, `*` for geographic profiles and in-Region calls) and its long-context, service-tier and " +
			"latency-optimized prices, in USD per million tokens. The embedded catalog, the AWS Price List (with `pricing_source = \"aws\"`) " +
			"and `pricing_overrides`, merged.",
	}
}

// tableInForce is the Price List table (catalog, plus the Price List with
// pricing_source = "aws") and the final table (plus pricing_overrides).
func (r *enforcerResource) tableInForce(ctx context.Context, m enforcerModel) (list, final *governance.PricingTable, err error) {
	list, final, _, err = r.tableAndUnmapped(ctx, m)
	return list, final, err
}

// tableAndUnmapped is tableInForce with the Price List's product names bedgov could not
// map to a model id.
func (r *enforcerResource) tableAndUnmapped(ctx context.Context, m enforcerModel) (list, final *governance.PricingTable, unmapped []string, err error) {
	list = governance.DefaultPricing()
	if m.PricingSource.ValueString() == pricingSourceAWS {
		up, err := awsops.ReadPriceList(ctx, r.client.Pricing, r.client.Bedrock, r.client.Region, list)
		if err != nil {
			return nil, nil, nil, err
		}
		unmapped = up.Unmapped
		if len(up.Unmapped) > 0 {
			tflog.Warn(ctx, "Price List products for models Bedrock does not list in this Region were left out", map[string]any{"models": strings.Join(up.Unmapped, ", ")})
		}
		if list, err = list.WithPriceList(up); err != nil {
			return nil, nil, nil, err
		}
	}
	overrides, err := m.overrides(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	final, err = list.WithOverrides(overrides)
	return list, final, unmapped, err
}

// overrides reads pricing_overrides as governance's override type.
func (m enforcerModel) overrides(ctx context.Context) (map[string]governance.PriceOverride, error) {
	if m.PricingOverrides.IsNull() {
		return nil, nil
	}
	var prices map[string]priceModel
	if d := m.PricingOverrides.ElementsAs(ctx, &prices, false); d.HasError() {
		return nil, fmt.Errorf("pricing_overrides: %v", d)
	}
	out := map[string]governance.PriceOverride{}
	for id, p := range prices {
		out[id] = p.override()
	}
	return out, nil
}

// planPricing sets priced_models in the plan and, when the prices in force change,
// warns naming the models and the teams on them.
func (r *enforcerResource) planPricing(ctx context.Context, plan, state *enforcerModel, diags *diag.Diagnostics) {
	if r.client == nil || plan.PricingSource.IsUnknown() || plan.PricingOverrides.IsUnknown() {
		plan.PricedModels = types.MapUnknown(types.StringType)
		return
	}
	_, final, unmapped, err := r.tableAndUnmapped(ctx, *plan)
	if len(unmapped) > 0 {
		diags.AddAttributeWarning(path.Root("pricing_source"), "Price List products not priced",
			fmt.Sprintf("The AWS Price List prices models that Bedrock does not list in %s, so bedgov cannot tell their model ids: %s. Teams cannot use them until Bedrock lists them here, or a pricing_overrides entry prices them by model id.",
				r.client.Region, strings.Join(unmapped, ", ")))
	}
	if err != nil {
		diags.AddAttributeError(path.Root("pricing_source"), "Cannot read the enforcer's prices",
			fmt.Sprintf("%s. With pricing_source = \"aws\" the provider's credentials need pricing:GetProducts and bedrock:ListFoundationModels; "+
				"set pricing_source = \"embedded\" to use the catalog built into the provider.", awsops.ErrorText(err)))
		return
	}
	summary := final.PriceSummary()
	m, d := types.MapValueFrom(ctx, types.StringType, summary)
	diags.Append(d...)
	plan.PricedModels = m
	if state == nil || state.PricedModels.IsNull() || state.PricedModels.IsUnknown() {
		return
	}
	var before map[string]string
	diags.Append(state.PricedModels.ElementsAs(ctx, &before, false)...)
	changed := changedModels(before, summary)
	if len(changed) == 0 {
		return
	}
	diags.AddAttributeWarning(path.Root("priced_models"), "Enforcer prices change", r.priceChangeReview(ctx, *plan, changed, before, summary))
}

func changedModels(before, after map[string]string) []string {
	var ids []string
	for id, s := range after {
		if before[id] != s {
			ids = append(ids, id)
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// priceChangeReview names each model whose prices change and the teams on it, with
// where each team stands this month, so a reviewer sees whom the change moves.
func (r *enforcerResource) priceChangeReview(ctx context.Context, plan enforcerModel, changed []string, before, after map[string]string) string {
	var b strings.Builder
	for _, id := range changed {
		fmt.Fprintf(&b, "%s: %s -> %s\n", id, orNone(before[id]), orNone(after[id]))
	}
	recs, err := awsops.ScanCapRecords(ctx, r.client.DynamoDB, namesFor(plan.Name.ValueString()).table)
	if err != nil {
		fmt.Fprintf(&b, "The teams on these models could not be read (%s).", awsops.ErrorText(err))
		return b.String()
	}
	now := time.Now()
	var teams []string
	for _, rec := range recs {
		for _, id := range changed {
			if rec.ModelID == id || rec.DegradeModelID == id {
				limit := rec.EffectiveLimit(now)
				teams = append(teams, fmt.Sprintf("team %s (%s; spent %s of %s USD this month, %s): every call on it is charged at the new prices from this apply on",
					rec.Team, id, rec.Spent.Cents(), limit.Cents(), rec.StateAt(now)))
				break
			}
		}
	}
	if len(teams) == 0 {
		b.WriteString("No team of this enforcer uses these models.")
		return b.String()
	}
	sort.Strings(teams)
	b.WriteString("Teams affected:\n" + strings.Join(teams, "\n"))
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(not priced)"
	}
	return s
}

// addPriceList puts the Price List's differences from the embedded catalog into the
// function's environment. The prices are read again at apply: if they moved since the
// plan, the apply stops before changing anything, so what runs is what was reviewed.
func (r *enforcerResource) addPriceList(ctx context.Context, plan enforcerModel, env map[string]string) error {
	if plan.PricingSource.ValueString() != pricingSourceAWS {
		return nil
	}
	list, final, err := r.tableInForce(ctx, plan)
	if err != nil {
		return err
	}
	if !plan.PricedModels.IsNull() && !plan.PricedModels.IsUnknown() {
		var planned map[string]string
		if d := plan.PricedModels.ElementsAs(ctx, &planned, false); !d.HasError() && len(changedModels(planned, final.PriceSummary())) > 0 {
			return fmt.Errorf("the AWS Price List changed between plan and apply (%s); run terraform plan again to review the new prices",
				strings.Join(changedModels(planned, final.PriceSummary()), ", "))
		}
	}
	patch, err := list.PriceListPatch()
	if err != nil {
		return err
	}
	if len(patch) > 3000 {
		// Lambda allows 4 KB of environment in all.
		return fmt.Errorf("the AWS Price List differs from this provider's catalog in too many models to hand to the enforcer (%d bytes); upgrade the provider, or set pricing_source = \"embedded\" and price the changed models in pricing_overrides", len(patch))
	}
	env[pricingSourceEnv] = pricingSourceAWS
	if patch != nil {
		env[awsops.EnforcerPriceListEnv] = string(patch)
	}
	return nil
}

// pricingSourceEnv records pricing_source in the function's environment, so an import
// reads it back (the enforcer itself ignores it).
const pricingSourceEnv = "BEDGOV_PRICING_SOURCE"

// readPricing fills pricing_source and priced_models from the function's environment
// when state lacks them (import): the table the function charges with.
func readPricing(ctx context.Context, m *enforcerModel, env map[string]string) {
	if m.PricingSource.IsNull() || m.PricingSource.IsUnknown() {
		src := pricingSourceEmbedded
		if env[pricingSourceEnv] == pricingSourceAWS {
			src = pricingSourceAWS
		}
		m.PricingSource = types.StringValue(src)
	}
	if !m.PricedModels.IsNull() && !m.PricedModels.IsUnknown() {
		return
	}
	t := governance.DefaultPricing()
	var err error
	if p := env[awsops.EnforcerPriceListEnv]; p != "" {
		if t, err = t.WithPatch([]byte(p)); err != nil {
			return
		}
	}
	if raw := env["BEDGOV_PRICING_OVERRIDES"]; raw != "" {
		var o map[string]governance.PriceOverride
		if json.Unmarshal([]byte(raw), &o) != nil {
			return
		}
		if t, err = t.WithOverrides(o); err != nil {
			return
		}
	}
	m.PricedModels, _ = types.MapValueFrom(ctx, types.StringType, t.PriceSummary())
}

// priceDims are the optional prices of pricing_overrides beyond input, output and cache:
// the 1-hour cache write, the priority and flex tiers and latency-optimized inference.
// A tier priced here counts as offered by the model.
type priceDims struct {
	CacheWrite1hPerMTok           types.String `tfsdk:"cache_write_1h_per_mtok"`
	PriorityInputPerMTok          types.String `tfsdk:"priority_input_per_mtok"`
	PriorityOutputPerMTok         types.String `tfsdk:"priority_output_per_mtok"`
	FlexInputPerMTok              types.String `tfsdk:"flex_input_per_mtok"`
	FlexOutputPerMTok             types.String `tfsdk:"flex_output_per_mtok"`
	LatencyOptimizedInputPerMTok  types.String `tfsdk:"latency_optimized_input_per_mtok"`
	LatencyOptimizedOutputPerMTok types.String `tfsdk:"latency_optimized_output_per_mtok"`
}

func (d *priceDims) fields() []struct {
	key string
	v   *types.String
} {
	return []struct {
		key string
		v   *types.String
	}{
		{"cache_write_1h_per_mtok", &d.CacheWrite1hPerMTok},
		{"priority_input_per_mtok", &d.PriorityInputPerMTok}, {"priority_output_per_mtok", &d.PriorityOutputPerMTok},
		{"flex_input_per_mtok", &d.FlexInputPerMTok}, {"flex_output_per_mtok", &d.FlexOutputPerMTok},
		{"latency_optimized_input_per_mtok", &d.LatencyOptimizedInputPerMTok}, {"latency_optimized_output_per_mtok", &d.LatencyOptimizedOutputPerMTok},
	}
}

var priceDimDescriptions = map[string]string{
	"cache_write_1h_per_mtok":           "1-hour cache-write price; without it a 1-hour TTL request is refused unless the catalog prices it.",
	"priority_input_per_mtok":           "Priority-tier input price (with `priority_output_per_mtok`): prices priority requests, which are refused without a price.",
	"priority_output_per_mtok":          "Priority-tier output price.",
	"flex_input_per_mtok":               "Flex-tier input price (with `flex_output_per_mtok`).",
	"flex_output_per_mtok":              "Flex-tier output price.",
	"latency_optimized_input_per_mtok":  "Latency-optimized input price (with `latency_optimized_output_per_mtok`).",
	"latency_optimized_output_per_mtok": "Latency-optimized output price.",
}

func init() {
	for k := range priceDimDescriptions {
		priceAttrTypes[k] = types.StringType
	}
}

// withPriceDims adds the optional dimension prices to pricing_overrides' attributes.
func withPriceDims(attrs map[string]schema.Attribute, price func(string, bool) schema.StringAttribute) map[string]schema.Attribute {
	for k, d := range priceDimDescriptions {
		attrs[k] = price(d, false)
	}
	return attrs
}

// addTo writes the set prices into an override's environment entry.
func (d priceDims) addTo(entry map[string]string) {
	for _, f := range d.fields() {
		if !f.v.IsNull() && !f.v.IsUnknown() {
			entry[f.key] = f.v.ValueString()
		}
	}
}

// priceDimsFrom reads them back from an environment entry (import).
func priceDimsFrom(entry map[string]string) priceDims {
	var d priceDims
	for _, f := range d.fields() {
		*f.v = types.StringNull()
		if v := entry[f.key]; v != "" {
			*f.v = types.StringValue(v)
		}
	}
	return d
}

// override is governance's override of one pricing_overrides entry.
func (p priceModel) override() governance.PriceOverride {
	o := governance.PriceOverride{InputPerMTok: json.Number(p.InputPerMTok.ValueString()), OutputPerMTok: json.Number(p.OutputPerMTok.ValueString()),
		CacheReadPerMTok: json.Number(p.CacheReadPerMTok.ValueString()), CacheWritePerMTok: json.Number(p.CacheWritePerMTok.ValueString()),
		CacheWrite1hPerMTok:           json.Number(p.CacheWrite1hPerMTok.ValueString()),
		PriorityInputPerMTok:          json.Number(p.PriorityInputPerMTok.ValueString()),
		PriorityOutputPerMTok:         json.Number(p.PriorityOutputPerMTok.ValueString()),
		FlexInputPerMTok:              json.Number(p.FlexInputPerMTok.ValueString()),
		FlexOutputPerMTok:             json.Number(p.FlexOutputPerMTok.ValueString()),
		LatencyOptimizedInputPerMTok:  json.Number(p.LatencyOptimizedInputPerMTok.ValueString()),
		LatencyOptimizedOutputPerMTok: json.Number(p.LatencyOptimizedOutputPerMTok.ValueString()),
	}
	return o
}
