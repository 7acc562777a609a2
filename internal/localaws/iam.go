package localaws

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// IAM (awsQuery): customer-managed policies with versions and tags, their attachment to
// roles, users and groups, and the roles, users and groups themselves. Names are unique
// per account, case-insensitively, as in IAM; the five-version limit, the managed policy
// size limit and JSON policy syntax are enforced as IAM does.

// Object kinds of the IAM operations.
const (
	KindPolicy = "iam:policy" // id: policy ARN; value IAMPolicy
	KindRole   = "iam:role"   // id: lower-cased role name; value IAMPrincipal
	KindUser   = "iam:user"   // id: lower-cased user name; value IAMPrincipal
	KindGroup  = "iam:group"  // id: lower-cased group name; value IAMPrincipal
)

// IAMPolicy is a stored customer-managed policy.
type IAMPolicy struct {
	Name, ID, ARN, Path, Description string
	Versions                         []IAMPolicyVersion // oldest first
	DefaultVersion                   string
	NextVersion                      int
	Tags                             map[string]string
	Attached                         map[string]bool // "role:Name", "user:Name", "group:Name"
	Created, Updated                 time.Time
}

// IAMPolicyVersion is one version of a policy document.
type IAMPolicyVersion struct {
	ID       string
	Document string
	Created  time.Time
}

// IAMPrincipal is a stored role, user or group.
type IAMPrincipal struct {
	Kind, Name, ID, ARN, Path string
	AssumeRolePolicy          string
	InlinePolicies            map[string]string
	Tags                      map[string]string
	Created                   time.Time
}

func init() {
	RegisterBuiltin("iam",
		Operation{Name: "CreatePolicy", Handler: Handle(iamCreatePolicy)},
		Operation{Name: "GetPolicy", Handler: Handle(iamGetPolicy)},
		Operation{Name: "DeletePolicy", Handler: Handle(iamDeletePolicy)},
		Operation{Name: "ListPolicies", Handler: Handle(iamListPolicies)},
		Operation{Name: "CreatePolicyVersion", Handler: Handle(iamCreatePolicyVersion)},
		Operation{Name: "GetPolicyVersion", Handler: Handle(iamGetPolicyVersion)},
		Operation{Name: "ListPolicyVersions", Handler: Handle(iamListPolicyVersions)},
		Operation{Name: "DeletePolicyVersion", Handler: Handle(iamDeletePolicyVersion)},
		Operation{Name: "SetDefaultPolicyVersion", Handler: Handle(iamSetDefaultPolicyVersion)},
		Operation{Name: "TagPolicy", Handler: Handle(iamTagPolicy)},
		Operation{Name: "UntagPolicy", Handler: Handle(iamUntagPolicy)},
		Operation{Name: "ListPolicyTags", Handler: Handle(iamListPolicyTags)},
		Operation{Name: "ListEntitiesForPolicy", Handler: Handle(iamListEntitiesForPolicy)},
		Operation{Name: "AttachRolePolicy", Handler: Handle(attachHandler[iamRolePolicyInput]("role"))},
		Operation{Name: "DetachRolePolicy", Handler: Handle(detachHandler[iamRolePolicyInput]("role"))},
		Operation{Name: "AttachUserPolicy", Handler: Handle(attachHandler[iamUserPolicyInput]("user"))},
		Operation{Name: "DetachUserPolicy", Handler: Handle(detachHandler[iamUserPolicyInput]("user"))},
		Operation{Name: "AttachGroupPolicy", Handler: Handle(attachHandler[iamGroupPolicyInput]("group"))},
		Operation{Name: "DetachGroupPolicy", Handler: Handle(detachHandler[iamGroupPolicyInput]("group"))},
		Operation{Name: "ListAttachedRolePolicies", Handler: Handle(iamListAttachedRolePolicies)},
		Operation{Name: "CreateRole", Handler: Handle(iamCreateRole)},
		Operation{Name: "GetRole", Handler: Handle(iamGetRole)},
		Operation{Name: "DeleteRole", Handler: Handle(iamDeleteRole)},
		Operation{Name: "PutRolePolicy", Handler: Handle(iamPutRolePolicy)},
		Operation{Name: "GetRolePolicy", Handler: Handle(iamGetRolePolicy)},
		Operation{Name: "DeleteRolePolicy", Handler: Handle(iamDeleteRolePolicy)},
		Operation{Name: "ListRolePolicies", Handler: Handle(iamListRolePolicies)},
		Operation{Name: "UpdateAssumeRolePolicy", Handler: Handle(iamUpdateAssumeRolePolicy)},
		Operation{Name: "TagRole", Handler: Handle(iamTagRole)},
		Operation{Name: "UntagRole", Handler: Handle(iamUntagRole)},
		Operation{Name: "ListRoleTags", Handler: Handle(iamListRoleTags)},
		Operation{Name: "CreateUser", Handler: Handle(iamCreateUser)},
		Operation{Name: "GetUser", Handler: Handle(iamGetUser)},
		Operation{Name: "DeleteUser", Handler: Handle(iamDeleteUser)},
		Operation{Name: "CreateGroup", Handler: Handle(iamCreateGroup)},
		Operation{Name: "GetGroup", Handler: Handle(iamGetGroup)},
		Operation{Name: "DeleteGroup", Handler: Handle(iamDeleteGroup)},
	)
}

var (
	iamNameRe   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathRe   = regexp.MustCompile(`^/([\x21-\x7E]+/)?$`)
	policyARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}|aws):policy(/.*)?/([\w+=,.@-]+)$`)
)

// IAM's limits on policy documents, in characters without whitespace: a customer-managed
// policy, all inline policies of a role together, and a role's trust policy.
const (
	iamManagedPolicyMaxChars = 6144
	iamRoleInlineMaxChars    = 10240
	iamTrustPolicyMaxChars   = 2048
)

func iamNoSuchEntity(format string, args ...any) *APIError {
	return ErrorStatus(404, "NoSuchEntity", format, args...)
}

func iamInvalidInput(format string, args ...any) *APIError {
	return ErrorStatus(400, "InvalidInput", format, args...)
}

func iamValidation(value, member, constraint string) *APIError {
	return ErrValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func checkIAMName(member string, v *string, max int) (string, error) {
	if v == nil || *v == "" {
		return "", ErrValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	if len(*v) > max {
		return "", iamValidation(*v, member, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
	if !iamNameRe.MatchString(*v) {
		return "", iamValidation(*v, member, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return *v, nil
}

func checkIAMPath(v *string) (string, error) {
	if v == nil || *v == "" {
		return "/", nil
	}
	if len(*v) > 512 || !iamPathRe.MatchString(*v) {
		return "", iamValidation(*v, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return *v, nil
}

// checkPolicyDocument enforces IAM's JSON policy grammar at the level IAM reports it:
// valid JSON, a known Version, a Statement with Effect and Action/NotAction.
func checkPolicyDocument(doc *string, maxChars int) (string, error) {
	if doc == nil || *doc == "" {
		return "", ErrValidation("1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null")
	}
	malformed := func(msg string) error { return ErrorStatus(400, "MalformedPolicyDocument", "%s", msg) }
	var parsed struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(*doc), &parsed); err != nil {
		return "", malformed("Syntax errors in policy.")
	}
	if parsed.Version != "" && parsed.Version != "2012-10-17" && parsed.Version != "2008-10-17" {
		return "", malformed("The policy failed legacy parsing")
	}
	var statements []map[string]json.RawMessage
	if err := json.Unmarshal(parsed.Statement, &statements); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(parsed.Statement, &one); err != nil || one == nil {
			return "", malformed("Syntax errors in policy.")
		}
		statements = []map[string]json.RawMessage{one}
	}
	if len(statements) == 0 {
		return "", malformed("Syntax errors in policy.")
	}
	for _, st := range statements {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		if effect != "Allow" && effect != "Deny" {
			return "", malformed("Policy statement must contain an Effect of Allow or Deny.")
		}
		if st["Action"] == nil && st["NotAction"] == nil {
			return "", malformed("Policy statement must contain actions.")
		}
	}
	if n := nonSpaceChars(*doc); n > maxChars {
		return "", ErrorStatus(409, "LimitExceeded", "Cannot exceed quota for PolicySize: %d", maxChars)
	}
	return *doc, nil
}

func nonSpaceChars(s string) int {
	n := 0
	for _, r := range s {
		if r != ' ' && r != '\n' && r != '\t' && r != '\r' {
			n++
		}
	}
	return n
}

type iamTag struct {
	Key   *string
	Value *string
}

type iamTagXML struct {
	Key   string
	Value string
}

func iamTagMap(tags []iamTag) (map[string]string, error) {
	if len(tags) > 50 {
		return nil, ErrorStatus(409, "LimitExceeded", "The number of tags has reached the maximum limit.")
	}
	m := map[string]string{}
	for _, t := range tags {
		if t.Key == nil || *t.Key == "" || len(*t.Key) > 128 {
			return nil, iamInvalidInput("Tag keys must be between 1 and 128 characters.")
		}
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		if len(v) > 256 {
			return nil, iamInvalidInput("Tag values must be at most 256 characters.")
		}
		m[*t.Key] = v
	}
	return m, nil
}

// addIAMTags adds tags, refusing to go past IAM's 50 tags per entity.
func addIAMTags(dst, add map[string]string) error {
	for k, v := range add {
		dst[k] = v
	}
	if len(dst) > 50 {
		return ErrorStatus(409, "LimitExceeded", "The number of tags has reached the maximum limit.")
	}
	return nil
}

func removeKeys(dst map[string]string, keys []string) {
	for _, k := range keys {
		delete(dst, k)
	}
}

func tagsXML(m map[string]string) []iamTagXML {
	out := make([]iamTagXML, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, iamTagXML{Key: k, Value: m[k]})
	}
	return out
}

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
