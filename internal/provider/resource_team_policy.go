package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// teamPolicyDocument builds the team's invoke policy from its profiles and the models
// they route to.
func teamPolicyDocument(m teamModel) (string, error) {
	var profiles []string
	for _, p := range []types.String{m.InferenceProfileARN, m.DegradeInferenceProfileARN} {
		if !p.IsNull() && !p.IsUnknown() {
			profiles = append(profiles, p.ValueString())
		}
	}
	var models []string
	m.ModelARNs.ElementsAs(context.Background(), &models, false)
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": "InvokeTeamProfiles", "Effect": "Allow", "Action": []string{"bedrock:InvokeModel"}, "Resource": profiles},
		map[string]any{"Sid": "InvokeRoutedModels", "Effect": "Allow", "Action": []string{"bedrock:InvokeModel"}, "Resource": models},
	}}
	b, err := json.Marshal(doc)
	return string(b), err
}

// expectedPolicyJSON is the document the plan expects when the profiles do not change.
func (r *teamResource) expectedPolicyJSON(_ context.Context, plan teamModel, diags *diag.Diagnostics) types.String {
	doc, err := teamPolicyDocument(plan)
	if err != nil {
		diags.AddError("Cannot build the team's IAM policy", err.Error())
		return types.StringUnknown()
	}
	return types.StringValue(doc)
}
