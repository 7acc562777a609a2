package localaws

import (
	"net/url"
	"strings"
	"time"
)

// --- roles, users, groups ---

type iamPrincipalXML struct {
	Path                     string
	RoleName                 string `xml:",omitempty"`
	RoleId                   string `xml:",omitempty"` //nolint:revive // wire name
	UserName                 string `xml:",omitempty"`
	UserId                   string `xml:",omitempty"` //nolint:revive // wire name
	GroupName                string `xml:",omitempty"`
	GroupId                  string `xml:",omitempty"` //nolint:revive // wire name
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string      `xml:",omitempty"`
	Tags                     []iamTagXML `xml:"Tags>member,omitempty"`
}

func (p IAMPrincipal) xml() iamPrincipalXML {
	out := iamPrincipalXML{Path: p.Path, Arn: p.ARN, CreateDate: ISOTime(p.Created), Tags: tagsXML(p.Tags)}
	switch p.Kind {
	case "role":
		out.RoleName, out.RoleId = p.Name, p.ID
		out.AssumeRolePolicyDocument = strings.ReplaceAll(url.QueryEscape(p.AssumeRolePolicy), "+", "%20")
	case "user":
		out.UserName, out.UserId = p.Name, p.ID
	case "group":
		out.GroupName, out.GroupId = p.Name, p.ID
	}
	return out
}

func createPrincipal(c *Call, kind string, name, path *string, tags []iamTag, trust *string) (IAMPrincipal, error) {
	n, err := checkIAMName(kind+"Name", name, map[string]int{"role": 64, "user": 64, "group": 128}[kind])
	if err != nil {
		return IAMPrincipal{}, err
	}
	p, err := checkIAMPath(path)
	if err != nil {
		return IAMPrincipal{}, err
	}
	tm, err := iamTagMap(tags)
	if err != nil {
		return IAMPrincipal{}, err
	}
	prefix := map[string]string{"role": "AROA", "user": "AIDA", "group": "AGPA"}[kind]
	pr := IAMPrincipal{
		Kind: kind, Name: n, ID: prefix + randomToken(17), ARN: "arn:aws:iam::" + c.Account() + ":" + kind + p + n, Path: p,
		Tags: tm, InlinePolicies: map[string]string{}, Created: time.Now().UTC(),
	}
	if kind == "role" {
		doc, err := checkPolicyDocument(trust, iamTrustPolicyMaxChars)
		if err != nil {
			return IAMPrincipal{}, err
		}
		pr.AssumeRolePolicy = doc
	}
	if !c.Store().Create(principalKind(kind), strings.ToLower(n), pr) {
		return IAMPrincipal{}, ErrorStatus(409, "EntityAlreadyExists", "%s with name %s already exists.", titleKind(kind), n)
	}
	return pr, nil
}

func titleKind(kind string) string { return strings.ToUpper(kind[:1]) + kind[1:] }

func deletePrincipal(c *Call, kind string, name *string) error {
	pr, err := lookupPrincipal(c, kind, name)
	if err != nil {
		return err
	}
	if policiesAttachedTo(c, kind, pr.Name) > 0 {
		return ErrorStatus(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	if len(pr.InlinePolicies) > 0 {
		return ErrorStatus(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	c.Store().Delete(principalKind(kind), strings.ToLower(pr.Name))
	return nil
}

type iamCreateRoleInput struct {
	RoleName                 *string
	Path                     *string
	AssumeRolePolicyDocument *string
	Description              *string
	MaxSessionDuration       *int32
	Tags                     []iamTag
}

type iamRoleOutput struct {
	Role iamPrincipalXML
}

func iamCreateRole(c *Call, in *iamCreateRoleInput) (*iamRoleOutput, error) {
	pr, err := createPrincipal(c, "role", in.RoleName, in.Path, in.Tags, in.AssumeRolePolicyDocument)
	if err != nil {
		return nil, err
	}
	return &iamRoleOutput{Role: pr.xml()}, nil
}

func iamGetRole(c *Call, in *iamRoleNameInput) (*iamRoleOutput, error) {
	pr, err := lookupPrincipal(c, "role", in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iamRoleOutput{Role: pr.xml()}, nil
}

func iamDeleteRole(c *Call, in *iamRoleNameInput) (*struct{}, error) {
	return nil, deletePrincipal(c, "role", in.RoleName)
}

type iamCreateUserInput struct {
	UserName *string
	Path     *string
	Tags     []iamTag
}

type iamUserNameInput struct {
	UserName *string
}

type iamUserOutput struct {
	User iamPrincipalXML
}

func iamCreateUser(c *Call, in *iamCreateUserInput) (*iamUserOutput, error) {
	pr, err := createPrincipal(c, "user", in.UserName, in.Path, in.Tags, nil)
	if err != nil {
		return nil, err
	}
	return &iamUserOutput{User: pr.xml()}, nil
}

func iamGetUser(c *Call, in *iamUserNameInput) (*iamUserOutput, error) {
	pr, err := lookupPrincipal(c, "user", in.UserName)
	if err != nil {
		return nil, err
	}
	return &iamUserOutput{User: pr.xml()}, nil
}

func iamDeleteUser(c *Call, in *iamUserNameInput) (*struct{}, error) {
	return nil, deletePrincipal(c, "user", in.UserName)
}

type iamCreateGroupInput struct {
	GroupName *string
	Path      *string
}

type iamGroupNameInput struct {
	GroupName *string
}

type iamGroupOutput struct {
	Group iamPrincipalXML
}

type iamGetGroupOutput struct {
	Group       iamPrincipalXML
	Users       []iamPrincipalXML `xml:"Users>member"`
	IsTruncated bool
}

func iamCreateGroup(c *Call, in *iamCreateGroupInput) (*iamGroupOutput, error) {
	pr, err := createPrincipal(c, "group", in.GroupName, in.Path, nil, nil)
	if err != nil {
		return nil, err
	}
	return &iamGroupOutput{Group: pr.xml()}, nil
}

func iamGetGroup(c *Call, in *iamGroupNameInput) (*iamGetGroupOutput, error) {
	pr, err := lookupPrincipal(c, "group", in.GroupName)
	if err != nil {
		return nil, err
	}
	return &iamGetGroupOutput{Group: pr.xml(), Users: []iamPrincipalXML{}}, nil
}

func iamDeleteGroup(c *Call, in *iamGroupNameInput) (*struct{}, error) {
	return nil, deletePrincipal(c, "group", in.GroupName)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
