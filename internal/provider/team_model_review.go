package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// reviewTeamModels is the plan-time review of a team's models against the pricing
// catalog: a model bedgov cannot price fails the plan of a team wired to an enforcer
// (naming the closest priced models and how to add a pricing_overrides entry), and a
// model within governance.LifecycleWarnDays of its announced end of life on Bedrock
// gets a warning naming its successor; one past it fails. now is the plan's clock.
func (r *teamResource) reviewTeamModels(ctx context.Context, plan teamModel, now time.Time, diags *diag.Diagnostics) {
	prices, live := r.planPricing(ctx, plan.Enforcer)
	for _, p := range plan.profiles() {
		if p.source.IsNull() || p.source.IsUnknown() {
			continue
		}
		// With an enforcer that does not exist yet, its pricing_overrides cannot be read:
		// an unpriced model is a warning then, an error once the enforcer's prices are known.
		reviewModel(path.Root(p.attr), p.source.ValueString(), prices, !plan.Enforcer.IsNull() && live, now, diags)
	}
}

// reviewModel reviews one model source (a foundation-model or system-profile ARN).
func reviewModel(attr path.Path, source string, prices *governance.PricingTable, enforced bool, now time.Time, diags *diag.Diagnostics) {
	ref, err := governance.ResolveModel(source, nil)
	if err != nil {
		return // resolution errors are reported where the model is resolved
	}
	switch state, msg := prices.LifecycleOf(ref.ModelID, now); state {
	case governance.LifecycleRetired:
		diags.AddAttributeError(attr, "Model past its end of life", msg+". Choose a current model.")
		return
	case governance.LifecycleEnding, governance.LifecycleLegacy:
		diags.AddAttributeWarning(attr, "Model nearing its end of life", msg+". Plan the move before that date: calls fail once Bedrock retires the model.")
	}
	why := prices.Unpriceable(ref.ModelID)
	if why == "" {
		if _, _, err := prices.Lookup(ref.ModelID, ref.Group); err != nil {
			why = err.Error()
		}
	}
	if why == "" {
		return
	}
	detail := why + ". " + pricingHelp(ref.ModelID, prices)
	if enforced {
		// The team's plan reads the prices the enforcer has now, not its planned ones: an
		// override added in the same change counts only once the enforcer is applied.
		diags.AddAttributeError(attr, "Model has no price", "The enforcer would refuse every call of this team: "+detail+
			" A pricing_overrides entry added in this same change is seen by the team's plan only once the enforcer is applied: "+
			"apply the enforcer first (terraform apply -target on the bedgov_enforcer), then this team.")
		return
	}
	diags.AddAttributeWarning(attr, "Model has no price", "bedgov cannot price this team's calls (spend reports leave them unpriced): "+detail)
}

// pricingHelp names the closest priced models and shows the pricing_overrides entry
// that prices the model.
func pricingHelp(modelID string, prices *governance.PricingTable) string {
	return fmt.Sprintf("Closest priced models: %s. To use %s, price it on the bedgov_enforcer with "+
		"pricing_overrides = { %q = { input_per_mtok = <USD per million input tokens>, output_per_mtok = <USD per million output tokens> } }, "+
		"taking the figures from https://aws.amazon.com/bedrock/pricing/ or your agreement with AWS.",
		strings.Join(prices.Closest(modelID, 3), ", "), modelID, modelID)
}

// enforcerPrices holds each enforcer's prices once read by a configured provider (a
// Terraform command configures its own): one GetFunction per enforcer and command, not
// one per team. At apply a team is planned again after the enforcer it references is
// applied, so it reads the prices that enforcer now has. Errors (no enforcer yet) are
// not kept.
var enforcerPrices sync.Map // enforcerPricesKey -> *governance.PricingTable

type enforcerPricesKey struct {
	client   *awsclient.Client
	function string
}

// planPricing is the table the team's enforcer charges with (the embedded catalog plus
// the function's Price List and overrides; live), or the embedded catalog when there is
// no enforcer, or not yet one to read.
func (r *teamResource) planPricing(ctx context.Context, enforcer types.String) (*governance.PricingTable, bool) {
	if r.client != nil && !enforcer.IsNull() && !enforcer.IsUnknown() && enforcer.ValueString() != "" {
		fn := namesFor(enforcer.ValueString()).function
		key := enforcerPricesKey{r.client, fn}
		if t, ok := enforcerPrices.Load(key); ok {
			return t.(*governance.PricingTable), true
		}
		t, err := awsops.EnforcerPricing(ctx, r.client.Lambda, fn)
		if err == nil {
			enforcerPrices.Store(key, t)
			return t, true
		}
		tflog.Debug(ctx, "enforcer pricing not readable at plan; reviewing against the embedded catalog", map[string]any{"function": fn, "error": err.Error()})
	}
	return governance.DefaultPricing(), false
}
