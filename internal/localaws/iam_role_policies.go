package localaws

import (
	"errors"
	"net/url"
	"strings"
)

// --- role inline policies, trust policy and tags ---

// updateRole changes a role under the store lock; fn returns an APIError to refuse.
func updateRole(c *Call, name *string, fn func(r *IAMPrincipal) error) (IAMPrincipal, error) {
	pr, err := lookupPrincipal(c, "role", name)
	if err != nil {
		return IAMPrincipal{}, err
	}
	var out IAMPrincipal
	err = c.Store().Update(KindRole, strings.ToLower(pr.Name), func(v any) (any, error) {
		r := v.(IAMPrincipal)
		inline := make(map[string]string, len(r.InlinePolicies))
		for k, v := range r.InlinePolicies {
			inline[k] = v
		}
		tags := make(map[string]string, len(r.Tags))
		for k, v := range r.Tags {
			tags[k] = v
		}
		r.InlinePolicies, r.Tags = inline, tags
		if err := fn(&r); err != nil {
			return nil, err
		}
		out = r
		return r, nil
	})
	if errors.Is(err, ErrNotFound) {
		return IAMPrincipal{}, iamNoSuchEntity("The role with name %s cannot be found.", deref(name))
	}
	return out, err
}

type iamPutRolePolicyInput struct {
	RoleName       *string
	PolicyName     *string
	PolicyDocument *string
}

func iamPutRolePolicy(c *Call, in *iamPutRolePolicyInput) (*struct{}, error) {
	name, err := checkIAMName("policyName", in.PolicyName, 128)
	if err != nil {
		return nil, err
	}
	doc, err := checkPolicyDocument(in.PolicyDocument, iamRoleInlineMaxChars)
	if err != nil {
		return nil, err
	}
	_, err = updateRole(c, in.RoleName, func(r *IAMPrincipal) error {
		r.InlinePolicies[name] = doc
		total := 0
		for _, d := range r.InlinePolicies {
			total += nonSpaceChars(d)
		}
		if total > iamRoleInlineMaxChars {
			return ErrorStatus(409, "LimitExceeded", "Maximum policy size of %d bytes exceeded for role %s", iamRoleInlineMaxChars, r.Name)
		}
		return nil
	})
	return nil, err
}

type iamRolePolicyNameInput struct {
	RoleName   *string
	PolicyName *string
}

type iamGetRolePolicyOutput struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

func iamGetRolePolicy(c *Call, in *iamRolePolicyNameInput) (*iamGetRolePolicyOutput, error) {
	pr, err := lookupPrincipal(c, "role", in.RoleName)
	if err != nil {
		return nil, err
	}
	doc, ok := pr.InlinePolicies[deref(in.PolicyName)]
	if !ok {
		return nil, iamNoSuchEntity("The role policy with name %s cannot be found.", deref(in.PolicyName))
	}
	return &iamGetRolePolicyOutput{RoleName: pr.Name, PolicyName: deref(in.PolicyName),
		PolicyDocument: strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")}, nil
}

func iamDeleteRolePolicy(c *Call, in *iamRolePolicyNameInput) (*struct{}, error) {
	_, err := updateRole(c, in.RoleName, func(r *IAMPrincipal) error {
		if _, ok := r.InlinePolicies[deref(in.PolicyName)]; !ok {
			return iamNoSuchEntity("The role policy with name %s cannot be found.", deref(in.PolicyName))
		}
		delete(r.InlinePolicies, deref(in.PolicyName))
		return nil
	})
	return nil, err
}

type iamListRolePoliciesOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool
}

func iamListRolePolicies(c *Call, in *iamRoleNameInput) (*iamListRolePoliciesOutput, error) {
	pr, err := lookupPrincipal(c, "role", in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iamListRolePoliciesOutput{PolicyNames: append([]string{}, sortedKeys(pr.InlinePolicies)...)}, nil
}

type iamUpdateAssumeRolePolicyInput struct {
	RoleName       *string
	PolicyDocument *string
}

func iamUpdateAssumeRolePolicy(c *Call, in *iamUpdateAssumeRolePolicyInput) (*struct{}, error) {
	doc, err := checkPolicyDocument(in.PolicyDocument, iamTrustPolicyMaxChars)
	if err != nil {
		return nil, err
	}
	_, err = updateRole(c, in.RoleName, func(r *IAMPrincipal) error {
		r.AssumeRolePolicy = doc
		return nil
	})
	return nil, err
}

type iamTagRoleInput struct {
	RoleName *string
	Tags     []iamTag
}

func iamTagRole(c *Call, in *iamTagRoleInput) (*struct{}, error) {
	tags, err := iamTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	_, err = updateRole(c, in.RoleName, func(r *IAMPrincipal) error { return addIAMTags(r.Tags, tags) })
	return nil, err
}

type iamUntagRoleInput struct {
	RoleName *string
	TagKeys  []string
}

func iamUntagRole(c *Call, in *iamUntagRoleInput) (*struct{}, error) {
	_, err := updateRole(c, in.RoleName, func(r *IAMPrincipal) error { removeKeys(r.Tags, in.TagKeys); return nil })
	return nil, err
}

func iamListRoleTags(c *Call, in *iamRoleNameInput) (*iamListPolicyTagsOutput, error) {
	pr, err := lookupPrincipal(c, "role", in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iamListPolicyTagsOutput{Tags: tagsXML(pr.Tags)}, nil
}
