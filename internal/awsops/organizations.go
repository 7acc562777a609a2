package awsops

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Organization is the AWS Organizations view of an account.
type Organization struct {
	InOrganization    bool
	ID                string // o-...
	ManagementAccount string // the management (payer) account's id
}

// IsMember says whether accountID is a member (linked) account of the organization:
// in one, and not its management account. A standalone account is its own payer.
func (o Organization) IsMember(accountID string) bool {
	return o.InOrganization && o.ManagementAccount != accountID
}

// DescribeOrganization returns the caller's organization. An account in no
// organization gets AWSOrganizationsNotInUseException (Organizations API Reference,
// DescribeOrganization), which is not an error here: it is a standalone account.
func DescribeOrganization(ctx context.Context, c *organizations.Client) (Organization, error) {
	out, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *types.AWSOrganizationsNotInUseException
	if errors.As(err, &notInUse) {
		return Organization{}, nil
	}
	if err != nil {
		return Organization{}, err
	}
	if out.Organization == nil {
		return Organization{}, errors.New("DescribeOrganization answered no organization")
	}
	return Organization{InOrganization: true, ID: aws.ToString(out.Organization.Id),
		ManagementAccount: aws.ToString(out.Organization.MasterAccountId)}, nil
}
