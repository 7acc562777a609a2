package provider

// Tags: the keys bedgov sets, and how tags_all is merged, split and written per object.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
)

// mergeTags is default_tags, then tags, then the tags bedgov sets.
func mergeTags(ctx context.Context, client *awsclient.Client, tags types.Map, system map[string]string, diags *diag.Diagnostics) types.Map {
	if tags.IsUnknown() {
		return types.MapUnknown(types.StringType)
	}
	all := map[string]string{}
	if client != nil {
		for k, v := range client.DefaultTags {
			all[k] = v
		}
	}
	for k, v := range mapFromTF(ctx, tags, diags) {
		all[k] = v
	}
	for k, v := range system {
		all[k] = v
	}
	m, d := types.MapValueFrom(ctx, types.StringType, all)
	diags.Append(d...)
	return m
}

// importedTags is the tags attribute of an imported resource: what tags_all holds that
// is neither a provider default tag (with the same value) nor managed-by; null if none.
func importedTags(ctx context.Context, client *awsclient.Client, tagsAll types.Map, diags *diag.Diagnostics) types.Map {
	own := map[string]string{}
	for k, v := range mapFromTF(ctx, tagsAll, diags) {
		if dv, ok := client.DefaultTags[k]; (ok && dv == v) || k == tagManagedBy {
			continue
		}
		own[k] = v
	}
	if len(own) == 0 {
		return types.MapNull(types.StringType)
	}
	m, d := types.MapValueFrom(ctx, types.StringType, own)
	diags.Append(d...)
	return m
}

// Tag keys bedgov sets itself; user tags may not use them.
const (
	tagTeam       = "team"
	tagCostCenter = "cost-center"
	tagManagedBy  = "managed-by"
	tagModel      = "bedgov:model"   // per profile; not part of tags_all
	tagRole       = "bedgov:role"    // per profile: primary | degraded; not part of tags_all
	tagBudget     = "monthly-budget" // per profile: the team's monthly budget in USD; not part of tags_all
)

// managedByBedgov is the managed-by tag's value on everything bedgov makes.
const managedByBedgov = "bedgov"

var reservedTagKeys = []string{tagTeam, tagCostCenter, tagManagedBy, tagModel, tagRole, tagBudget, tagEnforcer}

func systemTags(m teamModel) map[string]string {
	tags := map[string]string{tagTeam: m.Name.ValueString(), tagManagedBy: managedByBedgov}
	if !m.CostCenter.IsNull() {
		tags[tagCostCenter] = m.CostCenter.ValueString()
	}
	return tags
}

// profileTags are the team's tags plus the per-profile keys import relies on, and the
// monthly budget when the team has one.
func profileTags(teamTags map[string]string, model, role string, budget types.Float64) map[string]string {
	tags := make(map[string]string, len(teamTags)+3)
	for k, v := range teamTags {
		tags[k] = v
	}
	tags[tagModel] = model
	tags[tagRole] = role
	if !budget.IsNull() && !budget.IsUnknown() {
		tags[tagBudget] = budgetAmount(budget.ValueFloat64())
	}
	return tags
}
