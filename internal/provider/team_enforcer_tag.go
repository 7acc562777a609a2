package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// tagEnforcer marks a wired team's profiles with the enforcer that may invoke them (per
// profile; not part of tags_all). The enforcer role's one invoke policy grants
// invocation by this tag (governance.EnforcerInvokePolicy), so wiring a team attaches
// nothing to the role: IAM's quota of 10 managed policies per role no longer caps the
// number of teams an enforcer serves.
const tagEnforcer = governance.EnforcerTagKey

// wiredProfileTags is a profile's tags with the enforcer tag when the team is wired.
func wiredProfileTags(tags map[string]string, enforcer types.String) map[string]string {
	if !enforcer.IsNull() && !enforcer.IsUnknown() {
		tags[tagEnforcer] = enforcer.ValueString()
	}
	return tags
}

// profileEnforcer is the enforcer a team's profiles are tagged for: from live (the
// primary profile's tags when the caller has them), else read here; "" when none.
func (r *teamResource) profileEnforcer(ctx context.Context, m teamModel, live map[string]string) string {
	if live == nil {
		arn := m.InferenceProfileARN
		if arn.IsNull() {
			arn = m.DegradeInferenceProfileARN
		}
		if arn.IsNull() || arn.IsUnknown() {
			return ""
		}
		tags, err := awsops.ProfileTags(ctx, r.client.Bedrock, arn.ValueString())
		if err != nil {
			return ""
		}
		live = tags
	}
	return live[tagEnforcer]
}

// enforcerInvokePolicyName is the enforcer role's inline invoke policy.
const enforcerInvokePolicyName = "bedgov-enforcer-invoke"

// ensureInvokePolicy puts the enforcer role's invoke policy (by profile tag) when it
// is missing or differs.
func (r *enforcerResource) ensureInvokePolicy(ctx context.Context, name string) error {
	c := r.client
	doc, err := governance.EnforcerInvokePolicy(c.Partition, c.AccountID, name)
	if err != nil {
		return err
	}
	role := namesFor(name).role
	if have, err := awsops.RolePolicy(ctx, c.IAM, role, enforcerInvokePolicyName); err == nil && normalizeJSON(have) == doc {
		return nil
	}
	return awsops.PutRolePolicy(ctx, c.IAM, role, enforcerInvokePolicyName, doc)
}
