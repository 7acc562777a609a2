package localaws

import (
	"fmt"
	"net/http"
)

// AWS Organizations (awsJson1_1, X-Amz-Target AWSOrganizationsV20161128.*): the
// account's place in an organization, which decides what AWS Billing lets it do. Only
// DescribeOrganization is emulated: the provider asks it whether the account is its
// organization's management account. AWS's models in this repository have no
// Organizations model; the operation is listed in newerThanModels with the reference
// that defines it.
//
// By default the emulated account is in no organization (a standalone account, its own
// payer). Tests put it in one with Server.JoinOrganization.

func init() {
	RegisterBuiltin("organizations",
		Operation{Name: "DescribeOrganization", Handler: Handle(describeOrganization)},
	)
}

const orgKind = "organizations.organization"

// Organization is the organization the emulated account belongs to.
type Organization struct {
	ID                string
	ManagementAccount string // the management (payer) account's id
}

// JoinOrganization makes the emulated account a member of an organization whose
// management account is managementAccount (the emulated account's own id makes it the
// management account). It lasts until Reset or LeaveOrganization.
func (s *Server) JoinOrganization(managementAccount string) {
	s.store.Put(orgKind, "", Organization{ID: "o-bedgovtest1", ManagementAccount: managementAccount})
}

// LeaveOrganization makes the emulated account standalone again.
func (s *Server) LeaveOrganization() { s.store.Delete(orgKind, "") }

// OrganizationOf returns the organization of the emulated account, if it is in one.
func (s *Server) OrganizationOf() (Organization, bool) {
	return GetAs[Organization](s.store, orgKind, "")
}

// IsMemberAccount says whether the emulated account is a member (linked) account of an
// organization rather than its management account or a standalone account.
func (s *Server) IsMemberAccount() bool {
	o, ok := s.OrganizationOf()
	return ok && o.ManagementAccount != s.account
}

type describeOrganizationInput struct{}

type organizationOutput struct {
	Id                   string //nolint:revive // wire name
	Arn                  string
	FeatureSet           string
	MasterAccountArn     string
	MasterAccountId      string //nolint:revive // wire name
	MasterAccountEmail   string
	AvailablePolicyTypes []any
}

type describeOrganizationOutput struct {
	Organization organizationOutput
}

// describeOrganization answers as AWS does. Organizations API Reference,
// DescribeOrganization: any account of the organization may call it; an account in no
// organization gets AWSOrganizationsNotInUseException ("Your account isn't a member of
// an organization.").
func describeOrganization(c *Call, _ *describeOrganizationInput) (*describeOrganizationOutput, error) {
	o, ok := c.Server().OrganizationOf()
	if !ok {
		return nil, ErrorStatus(http.StatusBadRequest, "AWSOrganizationsNotInUseException",
			"Your account is not a member of an organization.")
	}
	orgARN := fmt.Sprintf("arn:aws:organizations::%s:organization/%s", o.ManagementAccount, o.ID)
	return &describeOrganizationOutput{Organization: organizationOutput{
		Id: o.ID, Arn: orgARN, FeatureSet: "ALL",
		MasterAccountArn:     fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.ManagementAccount, o.ID, o.ManagementAccount),
		MasterAccountId:      o.ManagementAccount,
		MasterAccountEmail:   "billing@example.com",
		AvailablePolicyTypes: []any{},
	}}, nil
}
