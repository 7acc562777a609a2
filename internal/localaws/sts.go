package localaws

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// STS (awsQuery): GetCallerIdentity and AssumeRole. AssumeRole issues ASIA... keys and
// remembers them, so calls signed with them are made as the assumed-role session.

func init() {
	RegisterBuiltin("sts",
		Operation{Name: "GetCallerIdentity", Handler: Handle(getCallerIdentity)},
		Operation{Name: "AssumeRole", Handler: Handle(assumeRole)},
	)
}

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	Arn     string
	UserId  string //nolint:revive // wire name
	Account string
}

func getCallerIdentity(c *Call, _ *getCallerIdentityInput) (*getCallerIdentityOutput, error) {
	id := c.Caller()
	return &getCallerIdentityOutput{Arn: id.Arn, UserId: id.UserID, Account: id.Account}, nil
}

type assumeRoleInput struct {
	RoleArn         *string
	RoleSessionName *string
	DurationSeconds *int32
	ExternalId      *string //nolint:revive // wire name
	Policy          *string
}

type stsCredentials struct {
	AccessKeyId     string //nolint:revive // wire name
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type assumedRoleUser struct {
	AssumedRoleId string //nolint:revive // wire name
	Arn           string
}

type assumeRoleOutput struct {
	Credentials      stsCredentials
	AssumedRoleUser  assumedRoleUser
	PackedPolicySize *int32 `xml:",omitempty"`
}

var (
	roleArnRe     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/((?:[\x{0021}-\x{007E}]+/)?)([\w+=,.@-]{1,64})$`)
	sessionNameRe = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDRe  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// stsValidation is STS's ValidationError with AWS's message shape.
func stsValidation(value, member, constraint string) *APIError {
	return ErrValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func assumeRole(c *Call, in *assumeRoleInput) (*assumeRoleOutput, error) {
	if in.RoleArn == nil {
		return nil, &APIError{Code: "MissingParameter", Message: "The request must contain the parameter RoleArn", Status: 400}
	}
	if in.RoleSessionName == nil {
		return nil, &APIError{Code: "MissingParameter", Message: "The request must contain the parameter RoleSessionName", Status: 400}
	}
	if l := len(*in.RoleArn); l < 20 || l > 2048 {
		return nil, stsValidation(*in.RoleArn, "roleArn", "Member must have length between 20 and 2048")
	}
	m := roleArnRe.FindStringSubmatch(*in.RoleArn)
	if m == nil {
		return nil, ErrValidation("%s is invalid", *in.RoleArn)
	}
	if !sessionNameRe.MatchString(*in.RoleSessionName) {
		return nil, stsValidation(*in.RoleSessionName, "roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64")
	}
	duration := int32(3600)
	if in.DurationSeconds != nil {
		duration = *in.DurationSeconds
		if duration < 900 || duration > 43200 {
			return nil, stsValidation(fmt.Sprint(duration), "durationSeconds", "Member must have value between 900 and 43200")
		}
	}
	if in.ExternalId != nil && (len(*in.ExternalId) < 2 || len(*in.ExternalId) > 1224 || !externalIDRe.MatchString(*in.ExternalId)) {
		return nil, stsValidation(*in.ExternalId, "externalId", "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224")
	}
	if in.Policy != nil && len(*in.Policy) > 2048 {
		return nil, &APIError{Code: "PackedPolicyTooLarge", Message: "Packed policy consumes more than 100 percent of the allowed space", Status: 400}
	}
	account, roleName := m[1], m[3]
	roleID := "AROA" + strings.ToUpper(stableToken(*in.RoleArn, 17))
	session := *in.RoleSessionName
	akid := "ASIA" + randomToken(16)
	id := Identity{
		Account: account,
		Arn:     fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, roleName, session),
		UserID:  roleID + ":" + session,
	}
	c.Server().addSession(akid, id)
	secret, token := randomToken(40), "FwoGZXIvYXdzE"+randomToken(120)
	c.Server().addCredential(akid, credential{secret: secret, token: token})
	return &assumeRoleOutput{
		Credentials: stsCredentials{
			AccessKeyId:     akid,
			SecretAccessKey: secret,
			SessionToken:    token,
			Expiration:      ISOTime(time.Now().Add(time.Duration(duration) * time.Second)),
		},
		AssumedRoleUser: assumedRoleUser{AssumedRoleId: id.UserID, Arn: id.Arn},
	}, nil
}
