package localaws

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// ---- resource policy ----

type lambdaAddPermissionInput struct {
	FunctionName          string  `json:"-" path:"FunctionName"`
	Qualifier             *string `json:"-" query:"Qualifier"`
	StatementId           *string //nolint:revive // wire name
	Action                *string
	Principal             *string
	SourceArn             *string
	SourceAccount         *string
	PrincipalOrgID        *string
	EventSourceToken      *string
	FunctionUrlAuthType   *string //nolint:revive // wire name
	InvokedViaFunctionUrl *bool   //nolint:revive // wire name
	RevisionId            *string //nolint:revive // wire name
}

type lambdaAddPermissionOutput struct {
	Statement string
}

// lambdaPrincipal renders AddPermission's Principal member as a policy principal.
func lambdaPrincipal(p string) any {
	switch {
	case p == "*":
		return "*"
	case lambdaAccountRe.MatchString(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		return map[string]string{"AWS": p}
	default:
		return map[string]string{"Service": p}
	}
}

// checkAddPermission validates AddPermission's input as Lambda does: the required
// members, the statement id's, action's and principal's patterns and the URL auth type.
func checkAddPermission(in *lambdaAddPermissionInput) error {
	for member, v := range map[string]*string{"statementId": in.StatementId, "action": in.Action, "principal": in.Principal} {
		if v == nil {
			return ErrValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
		}
	}
	if !lambdaStatementIDRe.MatchString(*in.StatementId) {
		return lambdaValidation(*in.StatementId, "statementId", `Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)`)
	}
	if !lambdaActionRe.MatchString(*in.Action) {
		return lambdaValidation(*in.Action, "action", `Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])`)
	}
	if *in.Principal == "" || strings.ContainsAny(*in.Principal, " \t\n") {
		return lambdaValidation(*in.Principal, "principal", `Member must satisfy regular expression pattern: [^\s]+`)
	}
	if in.FunctionUrlAuthType != nil && *in.FunctionUrlAuthType != "AWS_IAM" && *in.FunctionUrlAuthType != "NONE" {
		return lambdaValidation(*in.FunctionUrlAuthType, "functionUrlAuthType", "Member must satisfy enum value set: [AWS_IAM, NONE]")
	}
	return nil
}

// permissionConditions is the statement's Condition block from AddPermission's
// input, nil when the input sets no condition.
func permissionConditions(in *lambdaAddPermissionInput) map[string]map[string]string {
	var out map[string]map[string]string
	cond := func(op, key, value string) {
		if out == nil {
			out = map[string]map[string]string{}
		}
		if out[op] == nil {
			out[op] = map[string]string{}
		}
		out[op][key] = value
	}
	if in.SourceArn != nil {
		cond("ArnLike", "AWS:SourceArn", *in.SourceArn)
	}
	if in.SourceAccount != nil {
		cond("StringEquals", "AWS:SourceAccount", *in.SourceAccount)
	}
	if in.PrincipalOrgID != nil {
		cond("StringEquals", "aws:PrincipalOrgID", *in.PrincipalOrgID)
	}
	if in.EventSourceToken != nil {
		cond("StringEquals", "lambda:EventSourceToken", *in.EventSourceToken)
	}
	if in.FunctionUrlAuthType != nil {
		cond("StringEquals", "lambda:FunctionUrlAuthType", *in.FunctionUrlAuthType)
	}
	if in.InvokedViaFunctionUrl != nil && *in.InvokedViaFunctionUrl {
		cond("Bool", "lambda:InvokedViaFunctionUrl", "true")
	}
	return out
}

func lambdaAddPermission(c *Call, in *lambdaAddPermissionInput) (*lambdaAddPermissionOutput, error) {
	if err := checkAddPermission(in); err != nil {
		return nil, err
	}
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	st := LambdaStatement{
		Sid: *in.StatementId, Effect: "Allow", Principal: lambdaPrincipal(*in.Principal),
		Action: *in.Action, Resource: f.ARN, Condition: permissionConditions(in),
	}
	add := func(p LambdaPolicy) (LambdaPolicy, error) {
		// The revision guards the policy as last read (GetPolicy); with no policy yet,
		// the function's.
		want := p.RevisionID
		if len(p.Statements) == 0 {
			want = f.RevisionID
		}
		if in.RevisionId != nil && *in.RevisionId != "" && *in.RevisionId != want {
			return p, lambdaPreconditionFailed()
		}
		for _, s := range p.Statements {
			if s.Sid == st.Sid {
				return p, lambdaConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", st.Sid)
			}
		}
		p.Statements = append(append([]LambdaStatement(nil), p.Statements...), st)
		if doc, _ := json.Marshal(policyDocument(p)); len(doc) > lambdaPolicyMaxBytes {
			return p, lambdaError(http.StatusBadRequest, "PolicyLengthExceededException", "The final policy size (%d) is bigger than the limit (%d).", len(doc), lambdaPolicyMaxBytes)
		}
		p.RevisionID = newRequestID()
		return p, nil
	}
	for {
		err = c.Store().Update(KindFunctionPolicy, f.ARN, func(v any) (any, error) { return add(v.(LambdaPolicy)) })
		if !errors.Is(err, ErrNotFound) {
			break
		}
		p, aerr := add(LambdaPolicy{}) // the function's first statement
		if aerr != nil {
			err = aerr
			break
		}
		if c.Store().Create(KindFunctionPolicy, f.ARN, p) {
			err = nil
			break
		}
	}
	if err != nil {
		return nil, err
	}
	doc, _ := json.Marshal(st)
	return &lambdaAddPermissionOutput{Statement: string(doc)}, nil
}

func policyDocument(p LambdaPolicy) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": p.Statements}
}

type lambdaRemovePermissionInput struct {
	FunctionName string  `json:"-" path:"FunctionName"`
	StatementId  string  `json:"-" path:"StatementId"` //nolint:revive // wire name
	Qualifier    *string `json:"-" query:"Qualifier"`
	RevisionId   *string `json:"-" query:"RevisionId"` //nolint:revive // wire name
}

func lambdaRemovePermission(c *Call, in *lambdaRemovePermissionInput) (*struct{}, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	notFound := lambdaNotFound("Statement %s is not found in resource policy.", in.StatementId)
	err = c.Store().Update(KindFunctionPolicy, f.ARN, func(v any) (any, error) {
		p := v.(LambdaPolicy)
		if in.RevisionId != nil && *in.RevisionId != "" && *in.RevisionId != p.RevisionID {
			return nil, lambdaPreconditionFailed()
		}
		kept := make([]LambdaStatement, 0, len(p.Statements))
		for _, s := range p.Statements {
			if s.Sid != in.StatementId {
				kept = append(kept, s)
			}
		}
		if len(kept) == len(p.Statements) {
			return nil, notFound
		}
		p.Statements, p.RevisionID = kept, newRequestID()
		return p, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if p, ok := GetAs[LambdaPolicy](c.Store(), KindFunctionPolicy, f.ARN); ok && len(p.Statements) == 0 {
		c.Store().Delete(KindFunctionPolicy, f.ARN)
	}
	return nil, nil
}

type lambdaGetPolicyOutput struct {
	Policy     string
	RevisionId string //nolint:revive // wire name
}

func lambdaGetPolicy(c *Call, in *lambdaFunctionInput) (*lambdaGetPolicyOutput, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	v, ok := c.Store().Lookup(KindFunctionPolicy, f.ARN)
	if !ok || len(v.(LambdaPolicy).Statements) == 0 {
		return nil, lambdaNotFound("The resource you requested does not exist.")
	}
	p := v.(LambdaPolicy)
	doc, _ := json.Marshal(policyDocument(p))
	return &lambdaGetPolicyOutput{Policy: string(doc), RevisionId: p.RevisionID}, nil
}

// allowsPublicURL reports whether the policy opens the function's URL to anyone, as
// function URLs with AuthType NONE need (from October 2025, both grants): principal "*"
// may call lambda:InvokeFunctionUrl (with no lambda:FunctionUrlAuthType condition, or
// NONE) and lambda:InvokeFunction (with no condition, or lambda:InvokedViaFunctionUrl
// true). Statements with any other condition do not apply to URL requests.
func (p LambdaPolicy) allowsPublicURL() bool {
	var url, invoke bool
	for _, s := range p.Statements {
		if pr, ok := s.Principal.(string); s.Effect != "Allow" || !ok || pr != "*" {
			continue
		}
		applies := true
		for op, kv := range s.Condition {
			for k, v := range kv {
				switch {
				case op == "StringEquals" && k == "lambda:FunctionUrlAuthType" && v == "NONE":
				case op == "Bool" && k == "lambda:InvokedViaFunctionUrl" && v == "true":
				default:
					applies = false
				}
			}
		}
		if !applies {
			continue
		}
		switch s.Action {
		case "lambda:InvokeFunctionUrl":
			url = true
		case "lambda:InvokeFunction":
			invoke = true
		case "lambda:*", "*":
			url, invoke = true, true
		}
	}
	return url && invoke
}
