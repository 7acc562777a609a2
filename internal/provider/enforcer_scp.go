package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// scpAttribute is bedgov_enforcer's scp_json: the organization SCP that closes the
// direct path for the whole organization, not only for the wired teams' principals.
func scpAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "A service control policy (JSON) that leaves Bedrock inference to this enforcer: it denies every direct " +
			"inference action (`bedrock:InvokeModel`, `InvokeModelWithResponseStream`, `CallWithBearerToken`, batch, agents, flows, " +
			"knowledge-base generation, `bedrock-mantle`) to every principal but the enforcer's role. Attach it with " +
			"`aws_organizations_policy` (type `SERVICE_CONTROL_POLICY`) to the OUs or accounts whose Bedrock use goes through " +
			"bedgov; with several enforcers, attach one per enforcer to different OUs or combine their role ARNs. Known at plan " +
			"time; null when the provider does not know the account (`skip_requesting_account_id`).",
	}
}

// enforcerSCP is the SCP of the enforcer named name: its role's ARN is known from the
// name (path /bedgov/, name <name>-enforcer) and the provider's account and partition.
func enforcerSCP(c *awsclient.Client, name types.String) types.String {
	if c == nil || c.AccountID == "" {
		return types.StringNull()
	}
	if name.IsUnknown() {
		return types.StringUnknown()
	}
	if name.IsNull() {
		return types.StringNull()
	}
	role := c.ARN("iam", "", c.AccountID, "role/bedgov/"+namesFor(name.ValueString()).role)
	doc, err := governance.OrganizationSCP([]string{role})
	if err != nil {
		return types.StringNull()
	}
	return types.StringValue(doc)
}
