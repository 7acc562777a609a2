package localaws

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// --- policies ---

type iamPolicyXML struct {
	PolicyName                    string
	PolicyId                      string //nolint:revive // wire name
	Arn                           string
	Path                          string
	DefaultVersionId              string //nolint:revive // wire name
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    string
	UpdateDate                    string
	Tags                          []iamTagXML `xml:"Tags>member,omitempty"`
}

func (p IAMPolicy) xml(withTags bool) iamPolicyXML {
	out := iamPolicyXML{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersion,
		AttachmentCount: len(p.Attached), IsAttachable: true, Description: p.Description,
		CreateDate: ISOTime(p.Created), UpdateDate: ISOTime(p.Updated),
	}
	if withTags {
		out.Tags = tagsXML(p.Tags)
	}
	return out
}

type iamCreatePolicyInput struct {
	PolicyName     *string
	Path           *string
	PolicyDocument *string
	Description    *string
	Tags           []iamTag
}

type iamPolicyOutput struct {
	Policy iamPolicyXML
}

func iamCreatePolicy(c *Call, in *iamCreatePolicyInput) (*iamPolicyOutput, error) {
	name, err := checkIAMName("policyName", in.PolicyName, 128)
	if err != nil {
		return nil, err
	}
	path, err := checkIAMPath(in.Path)
	if err != nil {
		return nil, err
	}
	doc, err := checkPolicyDocument(in.PolicyDocument, iamManagedPolicyMaxChars)
	if err != nil {
		return nil, err
	}
	if in.Description != nil && len(*in.Description) > 1000 {
		return nil, iamValidation(*in.Description, "description", "Member must have length less than or equal to 1000")
	}
	tags, err := iamTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	arn := "arn:aws:iam::" + c.Account() + ":policy" + path + name
	for _, o := range c.Store().List(KindPolicy) {
		if strings.EqualFold(o.Value.(IAMPolicy).Name, name) {
			return nil, ErrorStatus(409, "EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	now := time.Now().UTC()
	p := IAMPolicy{
		Name: name, ID: "ANPA" + randomToken(17), ARN: arn, Path: path, Description: deref(in.Description),
		Versions:       []IAMPolicyVersion{{ID: "v1", Document: doc, Created: now}},
		DefaultVersion: "v1", NextVersion: 2, Tags: tags, Attached: map[string]bool{}, Created: now, Updated: now,
	}
	if !c.Store().Create(KindPolicy, arn, p) {
		return nil, ErrorStatus(409, "EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	return &iamPolicyOutput{Policy: p.xml(true)}, nil
}

type iamPolicyARNInput struct {
	PolicyArn *string
}

// lookupPolicy finds a visible policy by ARN.
func lookupPolicy(c *Call, arn *string) (IAMPolicy, error) {
	if arn == nil || *arn == "" {
		return IAMPolicy{}, ErrValidation("1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
	}
	if !policyARNRe.MatchString(*arn) {
		return IAMPolicy{}, iamInvalidInput("ARN %s is not valid.", *arn)
	}
	v, ok := c.Store().Lookup(KindPolicy, *arn)
	if !ok {
		return IAMPolicy{}, iamNoSuchEntity("Policy %s does not exist or is not attachable.", *arn)
	}
	return v.(IAMPolicy), nil
}

func iamGetPolicy(c *Call, in *iamPolicyARNInput) (*iamPolicyOutput, error) {
	p, err := lookupPolicy(c, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &iamPolicyOutput{Policy: p.xml(true)}, nil
}

// updatePolicy changes a policy under the store lock; fn returns an APIError to refuse.
func updatePolicy(c *Call, arn *string, fn func(p *IAMPolicy) error) (IAMPolicy, error) {
	if _, err := lookupPolicy(c, arn); err != nil {
		return IAMPolicy{}, err
	}
	var out IAMPolicy
	err := c.Store().Update(KindPolicy, *arn, func(v any) (any, error) {
		p := clonePolicy(v.(IAMPolicy))
		if err := fn(&p); err != nil {
			return nil, err
		}
		p.Updated = time.Now().UTC()
		out = p
		return p, nil
	})
	if errors.Is(err, ErrNotFound) {
		return IAMPolicy{}, iamNoSuchEntity("Policy %s does not exist or is not attachable.", *arn)
	}
	return out, err
}

func clonePolicy(p IAMPolicy) IAMPolicy {
	p.Versions = append([]IAMPolicyVersion(nil), p.Versions...)
	tags := make(map[string]string, len(p.Tags))
	for k, v := range p.Tags {
		tags[k] = v
	}
	p.Tags = tags
	att := make(map[string]bool, len(p.Attached))
	for k, v := range p.Attached {
		att[k] = v
	}
	p.Attached = att
	return p
}

func iamDeletePolicy(c *Call, in *iamPolicyARNInput) (*struct{}, error) {
	p, err := lookupPolicy(c, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if len(p.Attached) > 0 {
		return nil, ErrorStatus(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return nil, ErrorStatus(409, "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	c.Store().Delete(KindPolicy, p.ARN)
	return nil, nil
}

type iamListPoliciesInput struct {
	Scope      *string
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

type iamListPoliciesOutput struct {
	Policies    []iamPolicyXML `xml:"Policies>member"`
	IsTruncated bool
}

func iamListPolicies(c *Call, in *iamListPoliciesInput) (*iamListPoliciesOutput, error) {
	out := &iamListPoliciesOutput{Policies: []iamPolicyXML{}}
	if in.Scope != nil && *in.Scope == "AWS" {
		return out, nil
	}
	for _, o := range c.Store().ListVisible(KindPolicy) {
		p := o.Value.(IAMPolicy)
		if in.PathPrefix != nil && !strings.HasPrefix(p.Path, *in.PathPrefix) {
			continue
		}
		out.Policies = append(out.Policies, p.xml(false))
	}
	return out, nil
}

type iamPolicyVersionXML struct {
	Document         string `xml:",omitempty"`
	VersionId        string //nolint:revive // wire name
	IsDefaultVersion bool
	CreateDate       string
}

func (p IAMPolicy) versionXML(v IAMPolicyVersion, withDoc bool) iamPolicyVersionXML {
	out := iamPolicyVersionXML{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: ISOTime(v.Created)}
	if withDoc {
		// IAM returns documents URL-encoded (RFC 3986).
		out.Document = strings.ReplaceAll(url.QueryEscape(v.Document), "+", "%20")
	}
	return out
}

type iamCreatePolicyVersionInput struct {
	PolicyArn      *string
	PolicyDocument *string
	SetAsDefault   *bool
}

type iamPolicyVersionOutput struct {
	PolicyVersion iamPolicyVersionXML
}

func iamCreatePolicyVersion(c *Call, in *iamCreatePolicyVersionInput) (*iamPolicyVersionOutput, error) {
	doc, err := checkPolicyDocument(in.PolicyDocument, iamManagedPolicyMaxChars)
	if err != nil {
		return nil, err
	}
	var created IAMPolicyVersion
	p, err := updatePolicy(c, in.PolicyArn, func(p *IAMPolicy) error {
		if len(p.Versions) >= 5 {
			return ErrorStatus(409, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		created = IAMPolicyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Document: doc, Created: time.Now().UTC()}
		p.NextVersion++
		p.Versions = append(p.Versions, created)
		if in.SetAsDefault != nil && *in.SetAsDefault {
			p.DefaultVersion = created.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamPolicyVersionOutput{PolicyVersion: p.versionXML(created, false)}, nil
}

type iamPolicyVersionInput struct {
	PolicyArn *string
	VersionId *string //nolint:revive // wire name
}

func findVersion(p IAMPolicy, id *string) (IAMPolicyVersion, error) {
	if id == nil {
		return IAMPolicyVersion{}, ErrValidation("1 validation error detected: Value null at 'versionId' failed to satisfy constraint: Member must not be null")
	}
	for _, v := range p.Versions {
		if v.ID == *id {
			return v, nil
		}
	}
	return IAMPolicyVersion{}, iamNoSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, *id)
}

func iamGetPolicyVersion(c *Call, in *iamPolicyVersionInput) (*iamPolicyVersionOutput, error) {
	p, err := lookupPolicy(c, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	v, err := findVersion(p, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &iamPolicyVersionOutput{PolicyVersion: p.versionXML(v, true)}, nil
}

type iamListPolicyVersionsOutput struct {
	Versions    []iamPolicyVersionXML `xml:"Versions>member"`
	IsTruncated bool
}

func iamListPolicyVersions(c *Call, in *iamPolicyARNInput) (*iamListPolicyVersionsOutput, error) {
	p, err := lookupPolicy(c, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	out := &iamListPolicyVersionsOutput{Versions: []iamPolicyVersionXML{}}
	for i := len(p.Versions) - 1; i >= 0; i-- { // newest first, as IAM lists them
		out.Versions = append(out.Versions, p.versionXML(p.Versions[i], false))
	}
	return out, nil
}

func iamDeletePolicyVersion(c *Call, in *iamPolicyVersionInput) (*struct{}, error) {
	_, err := updatePolicy(c, in.PolicyArn, func(p *IAMPolicy) error {
		v, err := findVersion(*p, in.VersionId)
		if err != nil {
			return err
		}
		if v.ID == p.DefaultVersion {
			return ErrorStatus(409, "DeleteConflict", "Cannot delete the default version of a policy.")
		}
		kept := p.Versions[:0]
		for _, x := range p.Versions {
			if x.ID != v.ID {
				kept = append(kept, x)
			}
		}
		p.Versions = kept
		return nil
	})
	return nil, err
}

func iamSetDefaultPolicyVersion(c *Call, in *iamPolicyVersionInput) (*struct{}, error) {
	_, err := updatePolicy(c, in.PolicyArn, func(p *IAMPolicy) error {
		v, err := findVersion(*p, in.VersionId)
		if err != nil {
			return err
		}
		p.DefaultVersion = v.ID
		return nil
	})
	return nil, err
}

type iamTagPolicyInput struct {
	PolicyArn *string
	Tags      []iamTag
}

func iamTagPolicy(c *Call, in *iamTagPolicyInput) (*struct{}, error) {
	tags, err := iamTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	_, err = updatePolicy(c, in.PolicyArn, func(p *IAMPolicy) error { return addIAMTags(p.Tags, tags) })
	return nil, err
}

type iamUntagPolicyInput struct {
	PolicyArn *string
	TagKeys   []string
}

func iamUntagPolicy(c *Call, in *iamUntagPolicyInput) (*struct{}, error) {
	_, err := updatePolicy(c, in.PolicyArn, func(p *IAMPolicy) error { removeKeys(p.Tags, in.TagKeys); return nil })
	return nil, err
}

type iamListPolicyTagsOutput struct {
	Tags        []iamTagXML `xml:"Tags>member"`
	IsTruncated bool
}

func iamListPolicyTags(c *Call, in *iamPolicyARNInput) (*iamListPolicyTagsOutput, error) {
	p, err := lookupPolicy(c, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &iamListPolicyTagsOutput{Tags: tagsXML(p.Tags)}, nil
}
