package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

// warnUnsubscribed warns at plan when a team's model is a third-party model that has no
// AWS Marketplace subscription in the account yet. Bedrock subscribes on a model's first
// invocation and needs aws-marketplace:Subscribe and ViewSubscriptions on the caller
// (Bedrock user guide, "Request access to models"); bedgov gives neither to the enforcer
// role on purpose (a role that can subscribe can take on paid products), so the first
// team call would be refused with AccessDeniedException. A warning, not an error: the
// administrator may subscribe between plan and first use. A failed check is logged and
// skipped.
func (r *teamResource) warnUnsubscribed(ctx context.Context, p path.Path, src awsops.ModelSource, diags *diag.Diagnostics) {
	models := src.Models
	if len(models) == 0 {
		models = []string{src.ARN}
	}
	ids, err := awsops.UnsubscribedModels(ctx, r.client.Bedrock, models)
	if err != nil {
		tflog.Debug(ctx, "could not read the model's Marketplace agreement", map[string]any{"model": src.DisplayName, "error": err.Error()})
		return
	}
	if len(ids) == 0 {
		return
	}
	diags.AddAttributeWarning(p, "Model not yet subscribed in this account",
		fmt.Sprintf("%s is a third-party model with no AWS Marketplace subscription in this account yet (%s). Bedrock subscribes on "+
			"a model's first call, which needs aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions on the caller; "+
			"the enforcer's role does not have them, so until the subscription exists the team's calls are refused with "+
			"AccessDeniedException. Invoke the model once as an administrator (and, for Anthropic models, submit the one-time "+
			"use-case form in the Bedrock console) before the team uses it.", src.DisplayName, strings.Join(ids, ", ")))
}
