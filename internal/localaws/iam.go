package localaws

import (
	"encoding/json"
	"regexp"
	"strconv"
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
