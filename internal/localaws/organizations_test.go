package localaws_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// The account's place in an organization, through the real Organizations client: none
// (standalone), the management account, or a member account.
func TestDescribeOrganization(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t)
	c := organizations.NewFromConfig(cfg)
	ctx := context.Background()

	_, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	if !asErr(err, &notInUse) {
		t.Fatalf("standalone account: err = %v, want AWSOrganizationsNotInUseException", err)
	}

	srv.JoinOrganization(account)
	out, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil || aws.ToString(out.Organization.MasterAccountId) != account {
		t.Fatalf("management account: %+v, %v", out, err)
	}
	if srv.IsMemberAccount() {
		t.Fatal("the management account is not a member account")
	}

	srv.JoinOrganization("210987654321")
	out, err = c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil || aws.ToString(out.Organization.MasterAccountId) != "210987654321" || aws.ToString(out.Organization.Id) == "" {
		t.Fatalf("member account: %+v, %v", out, err)
	}
	if !srv.IsMemberAccount() {
		t.Fatal("want a member account")
	}
}

// A member account may not monitor cost allocation tags, cost categories or linked
// accounts; a service monitor is fine (Cost Management user guide, getting started with
// anomaly detection).
func TestMemberAccountTagMonitorRefused(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t)
	srv.JoinOrganization("210987654321")
	c := costexplorer.NewFromConfig(cfg)
	ctx := context.Background()
	monitor := func(name string, spec *cetypes.Expression) error {
		in := &cetypes.AnomalyMonitor{MonitorName: aws.String(name), MonitorType: cetypes.MonitorTypeCustom, MonitorSpecification: spec}
		if spec == nil {
			in.MonitorType, in.MonitorDimension = cetypes.MonitorTypeDimensional, cetypes.MonitorDimensionService
		}
		_, err := c.CreateAnomalyMonitor(ctx, &costexplorer.CreateAnomalyMonitorInput{AnomalyMonitor: in})
		return err
	}
	wantAPIError(t, monitor("tag", &cetypes.Expression{Tags: &cetypes.TagValues{Key: aws.String("team"), Values: []string{"a"}}}), "AccessDeniedException")
	wantAPIError(t, monitor("cc", &cetypes.Expression{CostCategories: &cetypes.CostCategoryValues{Key: aws.String("team"), Values: []string{"a"}}}), "AccessDeniedException")
	if err := monitor("service", nil); err != nil {
		t.Fatalf("a member account's service monitor: %v", err)
	}
	srv.JoinOrganization(account)
	if err := monitor("tag", &cetypes.Expression{Tags: &cetypes.TagValues{Key: aws.String("team"), Values: []string{"a"}}}); err != nil {
		t.Fatalf("the management account's tag monitor: %v", err)
	}
}
