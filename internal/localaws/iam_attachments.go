package localaws

import (
	"sort"
	"strings"
)

// --- attachments ---

type iamRolePolicyInput struct {
	RoleName  *string
	PolicyArn *string
}

type iamUserPolicyInput struct {
	UserName  *string
	PolicyArn *string
}

type iamGroupPolicyInput struct {
	GroupName *string
	PolicyArn *string
}

// principalPolicyInput is what the attach and detach inputs share.
type principalPolicyInput interface {
	iamRolePolicyInput | iamUserPolicyInput | iamGroupPolicyInput
}

func principalAndPolicy[In principalPolicyInput](in *In) (name, policyARN *string) {
	switch v := any(in).(type) {
	case *iamRolePolicyInput:
		return v.RoleName, v.PolicyArn
	case *iamUserPolicyInput:
		return v.UserName, v.PolicyArn
	case *iamGroupPolicyInput:
		return v.GroupName, v.PolicyArn
	}
	return nil, nil
}

func principalKind(kind string) string {
	switch kind {
	case "role":
		return KindRole
	case "user":
		return KindUser
	}
	return KindGroup
}

func lookupPrincipal(c *Call, kind string, name *string) (IAMPrincipal, error) {
	n, err := checkIAMName(kind+"Name", name, 128)
	if err != nil {
		return IAMPrincipal{}, err
	}
	v, ok := c.Store().Lookup(principalKind(kind), strings.ToLower(n))
	if !ok {
		return IAMPrincipal{}, iamNoSuchEntity("The %s with name %s cannot be found.", kind, n)
	}
	return v.(IAMPrincipal), nil
}

func attachHandler[In principalPolicyInput](kind string) func(*Call, *In) (*struct{}, error) {
	return func(c *Call, in *In) (*struct{}, error) {
		name, policyARN := principalAndPolicy(in)
		pr, err := lookupPrincipal(c, kind, name)
		if err != nil {
			return nil, err
		}
		attached := policiesAttachedTo(c, kind, pr.Name) // counted outside the policy's update (the store's lock)
		_, err = updatePolicy(c, policyARN, func(p *IAMPolicy) error {
			if !p.Attached[kind+":"+pr.Name] && attached >= iamAttachedPoliciesMax {
				return errAttachQuota(kind)
			}
			p.Attached[kind+":"+pr.Name] = true
			return nil
		})
		return nil, err
	}
}

func detachHandler[In principalPolicyInput](kind string) func(*Call, *In) (*struct{}, error) {
	return func(c *Call, in *In) (*struct{}, error) {
		name, policyARN := principalAndPolicy(in)
		pr, err := lookupPrincipal(c, kind, name)
		if err != nil {
			return nil, err
		}
		_, err = updatePolicy(c, policyARN, func(p *IAMPolicy) error {
			if !p.Attached[kind+":"+pr.Name] {
				return iamNoSuchEntity("Policy %s was not found.", p.ARN)
			}
			delete(p.Attached, kind+":"+pr.Name)
			return nil
		})
		return nil, err
	}
}

type iamListEntitiesForPolicyInput struct {
	PolicyArn    *string
	EntityFilter *string
}

type iamPolicyRoleXML struct {
	RoleName string
	RoleId   string //nolint:revive // wire name
}

type iamPolicyUserXML struct {
	UserName string
	UserId   string //nolint:revive // wire name
}

type iamPolicyGroupXML struct {
	GroupName string
	GroupId   string //nolint:revive // wire name
}

type iamListEntitiesForPolicyOutput struct {
	PolicyRoles  []iamPolicyRoleXML  `xml:"PolicyRoles>member"`
	PolicyUsers  []iamPolicyUserXML  `xml:"PolicyUsers>member"`
	PolicyGroups []iamPolicyGroupXML `xml:"PolicyGroups>member"`
	IsTruncated  bool
}

func iamListEntitiesForPolicy(c *Call, in *iamListEntitiesForPolicyInput) (*iamListEntitiesForPolicyOutput, error) {
	p, err := lookupPolicy(c, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	out := &iamListEntitiesForPolicyOutput{PolicyRoles: []iamPolicyRoleXML{}, PolicyUsers: []iamPolicyUserXML{}, PolicyGroups: []iamPolicyGroupXML{}}
	keys := make([]string, 0, len(p.Attached))
	for k := range p.Attached {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kind, name, _ := strings.Cut(k, ":")
		pr, _ := GetAs[IAMPrincipal](c.Store(), principalKind(kind), strings.ToLower(name))
		switch kind {
		case "role":
			out.PolicyRoles = append(out.PolicyRoles, iamPolicyRoleXML{RoleName: name, RoleId: pr.ID})
		case "user":
			out.PolicyUsers = append(out.PolicyUsers, iamPolicyUserXML{UserName: name, UserId: pr.ID})
		case "group":
			out.PolicyGroups = append(out.PolicyGroups, iamPolicyGroupXML{GroupName: name, GroupId: pr.ID})
		}
	}
	return out, nil
}

type iamRoleNameInput struct {
	RoleName *string
}

type iamAttachedPolicyXML struct {
	PolicyName string
	PolicyArn  string
}

type iamListAttachedRolePoliciesOutput struct {
	AttachedPolicies []iamAttachedPolicyXML `xml:"AttachedPolicies>member"`
	IsTruncated      bool
}

func iamListAttachedRolePolicies(c *Call, in *iamRoleNameInput) (*iamListAttachedRolePoliciesOutput, error) {
	pr, err := lookupPrincipal(c, "role", in.RoleName)
	if err != nil {
		return nil, err
	}
	out := &iamListAttachedRolePoliciesOutput{AttachedPolicies: []iamAttachedPolicyXML{}}
	for _, o := range c.Store().List(KindPolicy) {
		p := o.Value.(IAMPolicy)
		if p.Attached["role:"+pr.Name] {
			out.AttachedPolicies = append(out.AttachedPolicies, iamAttachedPolicyXML{PolicyName: p.Name, PolicyArn: p.ARN})
		}
	}
	return out, nil
}

// policiesAttachedTo counts the managed policies attached to a principal.
func policiesAttachedTo(c *Call, kind, name string) int {
	n := 0
	for _, o := range c.Store().List(KindPolicy) {
		if o.Value.(IAMPolicy).Attached[kind+":"+name] {
			n++
		}
	}
	return n
}
