package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// teamPolicyDocument builds the team's invoke policy (governance.InvokePolicy) from its
// profiles and the models they route to. The policy grants the union of both, so each
// profile is given the team's whole model list.
func teamPolicyDocument(m teamModel) (string, error) {
	var models []string
	m.ModelARNs.ElementsAs(context.Background(), &models, false)
	var routes []governance.ProfileRoute
	for _, p := range []types.String{m.InferenceProfileARN, m.DegradeInferenceProfileARN} {
		if !p.IsNull() && !p.IsUnknown() {
			routes = append(routes, governance.ProfileRoute{ProfileARN: p.ValueString(), ModelARNs: models})
		}
	}
	return governance.InvokePolicy(m.Name.ValueString(), routes)
}

// expectedPolicyJSON is the document the plan expects when the profiles do not change;
// a document edited out of band then shows as drift.
func (r *teamResource) expectedPolicyJSON(_ context.Context, plan teamModel, diags *diag.Diagnostics) types.String {
	doc, err := teamPolicyDocument(plan)
	if err != nil {
		diags.AddAttributeError(path.Root("policy_json"), "Cannot build the team's IAM policy", err.Error())
		return types.StringUnknown()
	}
	return types.StringValue(doc)
}
