package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

// The account's place in an AWS organization decides whether a team may have an anomaly
// monitor: "Cost monitors for linked accounts, cost allocation tags, and cost categories
// can only be created in the management account" (Cost Management user guide, "Getting
// started with AWS Cost Anomaly Detection"), and only the management account can
// activate a cost allocation tag. It is asked once per configured provider
// (DescribeOrganization), not once per team.

type organizationLookup struct {
	once sync.Once
	org  awsops.Organization
	err  error
}

var organizations sync.Map // *awsclient.Client -> *organizationLookup

func organizationOf(ctx context.Context, c *awsclient.Client) (awsops.Organization, error) {
	v, _ := organizations.LoadOrStore(c, &organizationLookup{})
	l := v.(*organizationLookup)
	l.once.Do(func() { l.org, l.err = awsops.DescribeOrganization(ctx, c.Organizations) })
	return l.org, l.err
}

// checkAnomalyAccount refuses anomaly_detection in a member account of an organization.
func (r *teamResource) checkAnomalyAccount(ctx context.Context, plan *teamModel, diags *diag.Diagnostics) {
	if _, ok := anomalyThresholdOf(ctx, plan.AnomalyDetection); !ok || r.client.Organizations == nil {
		return
	}
	account := r.client.AccountID
	if account == "" {
		tflog.Debug(ctx, "account id unknown (skip_requesting_account_id): the anomaly monitor's account is not checked")
		return
	}
	org, err := organizationOf(ctx, r.client)
	if err != nil {
		diags.AddAttributeWarning(path.Root("anomaly_detection"), "Could not tell the account's organization role",
			fmt.Sprintf("bedgov asks AWS Organizations (DescribeOrganization, which needs organizations:DescribeOrganization) whether "+
				"account %s is a member account, where AWS does not allow a monitor on a cost allocation tag. The call failed: %v. "+
				"If this account is a member account of an organization, the anomaly monitor will fail at apply: see the "+
				"bedgov_team documentation, \"Anomaly detection in an organization\".", account, err))
		return
	}
	if !org.IsMember(account) {
		return
	}
	diags.AddAttributeError(path.Root("anomaly_detection"), "Anomaly detection needs the management account",
		fmt.Sprintf("Account %s is a member account of organization %s, whose management account is %s. AWS Cost Anomaly Detection "+
			"creates monitors of cost allocation tags only in the management account, and only the management account can "+
			"activate the `team` cost allocation tag, so this team's anomaly monitor cannot be made here. Remove anomaly_detection "+
			"from this team (monthly_budget and alarms work in a member account), and in the management account activate the "+
			"`team` cost allocation tag and create a CUSTOM anomaly monitor on tag team = %q with a subscription to your alerts "+
			"(for example with the aws provider's aws_ce_anomaly_monitor and aws_ce_anomaly_subscription).",
			account, org.ID, org.ManagementAccount, plan.Name.ValueString()))
}
