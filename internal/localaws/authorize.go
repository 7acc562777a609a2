package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/iamsim"
)

// IAM authorization of the calls that decide governance, by AWS's policy evaluation
// logic (the IAM simulator process, iamsim): Bedrock Runtime invocations, function URL
// calls in AWS_IAM mode, and the DynamoDB, SNS and CloudWatch Logs calls an enforcer
// makes with its role. The caller's identity policies are the policies attached to its
// IAM role or user in the emulator's IAM (managed, default version, and inline); the
// resource's policy is the function's resource policy for function URLs. A call IAM
// would deny is refused with the service's AccessDeniedException (403 Forbidden at a
// function URL).
//
// The emulator's default identity (the test key's, the administrator who runs
// Terraform) holds AdministratorAccess unless a user of that name exists in the
// emulator's IAM, in which case its own policies count. Any other identity needs an
// IAM role or user in the emulator with the policies it is to have. Bearer-token calls
// (Bedrock API keys) are not SigV4 principals and are not evaluated here.

// AdministratorAccess is AWS's managed policy of that name.
const AdministratorAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

var iamDecisions atomic.Int64

// Authorization is one IAM decision the emulator made about a call.
type Authorization struct {
	Principal string // the caller's identity ARN (an assumed-role session's ARN)
	Action    string
	Resource  string
	Decision  iamsim.Decision
}

// authzLog keeps a server's decisions, for checks over a whole run (the actions an
// enforcer's role really uses).
type authzLog struct {
	mu  sync.Mutex
	log []Authorization
}

// Authorizations returns the IAM decisions made since the server started, oldest first.
func (s *Server) Authorizations() []Authorization {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	return append([]Authorization(nil), s.authz.log...)
}

// IAMDecisions counts the authorization decisions the emulators of this process asked
// the IAM simulator for.
func IAMDecisions() int64 { return iamDecisions.Load() }

// principalName splits an identity ARN into its IAM entity kind ("role" or "user") and
// name: an assumed-role session is its role.
func principalName(arn string) (kind, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return "", ""
	}
	res := parts[5]
	switch {
	case strings.HasPrefix(res, "assumed-role/"):
		seg := strings.Split(res, "/")
		if len(seg) >= 3 {
			return "role", seg[1]
		}
	case strings.HasPrefix(res, "role/"), strings.HasPrefix(res, "user/"):
		kind, rest, _ := strings.Cut(res, "/")
		return kind, rest[strings.LastIndex(rest, "/")+1:]
	}
	return "", ""
}

// IdentityPolicies returns the identity policies of an identity: its role's or user's
// attached managed policies (default version) and inline policies, and
// AdministratorAccess for the emulator's default identity when no user of that name
// exists.
func (s *Server) IdentityPolicies(arn string) []iamsim.Policy {
	kind, name := principalName(arn)
	var out []iamsim.Policy
	var entity IAMPrincipal
	found := false
	if kind != "" {
		entity, found = GetAs[IAMPrincipal](s.store, "iam:"+kind, strings.ToLower(name))
	}
	if !found {
		if arn == s.identity {
			return []iamsim.Policy{{Name: "AdministratorAccess", Policy: AdministratorAccess}}
		}
		return nil
	}
	key := kind + ":" + entity.Name
	for _, o := range s.store.List(KindPolicy) {
		p, ok := o.Value.(IAMPolicy)
		if !ok || !p.Attached[key] {
			continue
		}
		for _, v := range p.Versions {
			if v.ID == p.DefaultVersion {
				out = append(out, iamsim.Policy{Name: p.Name, Policy: decodePolicyDoc(v.Document)})
			}
		}
	}
	for _, n := range sortedKeys(entity.InlinePolicies) {
		out = append(out, iamsim.Policy{Name: n, Policy: decodePolicyDoc(entity.InlinePolicies[n])})
	}
	return out
}

// principalARN is aws:PrincipalArn of an identity: an assumed-role session's is its
// role's ARN (with the role's path).
func (s *Server) principalARN(arn string) string {
	kind, name := principalName(arn)
	if kind == "role" {
		if r, ok := GetAs[IAMPrincipal](s.store, KindRole, strings.ToLower(name)); ok {
			return r.ARN
		}
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", accountOf(arn, s.account), name)
	}
	return arn
}

// decodePolicyDoc reads a stored policy document (IAM keeps them URL-encoded or plain).
func decodePolicyDoc(doc string) string {
	if !strings.HasPrefix(strings.TrimSpace(doc), "{") {
		if d, err := url.QueryUnescape(doc); err == nil {
			return d
		}
	}
	return doc
}

// authz is one authorization question about a call.
type authz struct {
	Action, Resource string
	Context          map[string]any
	ResourcePolicy   any
}

// authorize asks the simulator about each question; the first one not allowed is
// returned with its decision.
func (s *Server) authorize(id Identity, qs []authz) (*authz, iamsim.Decision, error) {
	sim, err := iamsim.Shared()
	if err != nil {
		return nil, "", err
	}
	policies := s.IdentityPolicies(id.Arn)
	for i := range qs {
		q := &qs[i]
		iamDecisions.Add(1)
		// The global keys AWS puts in every request's context.
		ctx := map[string]any{"aws:PrincipalArn": s.principalARN(id.Arn), "aws:PrincipalAccount": id.Account}
		for k, v := range q.Context {
			ctx[k] = v
		}
		d, err := sim.Decide(iamsim.Request{
			Principal: id.Arn, Action: q.Action, Resource: q.Resource, Account: id.Account,
			Context: ctx, IdentityPolicies: policies, ResourcePolicy: q.ResourcePolicy,
		})
		if err != nil {
			return q, "", err
		}
		s.authz.mu.Lock()
		s.authz.log = append(s.authz.log, Authorization{Principal: id.Arn, Action: q.Action, Resource: q.Resource, Decision: d})
		s.authz.mu.Unlock()
		if d != iamsim.Allowed {
			return q, d, nil
		}
	}
	return nil, iamsim.Allowed, nil
}

// denied builds the service's AccessDeniedException for a refused question, worded as
// AWS words it.
func denied(id Identity, q *authz, d iamsim.Decision) *APIError {
	how := "no identity-based policy allows"
	if d == iamsim.ExplicitlyDenied {
		how = "an explicit deny in a policy denies"
	}
	return ErrorStatus(http.StatusForbidden, "AccessDeniedException",
		"User: %s is not authorized to perform: %s on resource: %s because %s the %s action", id.Arn, q.Action, q.Resource, how, q.Action)
}

// authorizeCall authorizes the governance calls of the emulated APIs before their
// handler runs. Other calls are not evaluated.
func (s *Server) authorizeCall(sv *service, op string, c *Call) *APIError {
	if c.AccessKeyID == "" {
		return nil // a bearer token
	}
	qs, apiErr := s.questions(sv, op, c)
	if apiErr != nil || len(qs) == 0 {
		return apiErr
	}
	id := c.Caller()
	q, d, err := s.authorize(id, qs)
	if err != nil {
		return ErrorStatus(http.StatusInternalServerError, "InternalFailure", "localaws: IAM evaluation failed: %v", err)
	}
	if q != nil {
		e := denied(id, q, d)
		if sv.Protocol == AWSQuery {
			e.QueryCode = "AuthorizationError" // SNS's code for a denied call
		}
		return e
	}
	if sv.Name == "bedrock-runtime" {
		return s.subscribeOnFirstCall(id, qs)
	}
	return nil
}

// runtimeActions are the IAM actions of the Bedrock Runtime operations (Converse is
// authorized as bedrock:InvokeModel, ConverseStream as
// bedrock:InvokeModelWithResponseStream).
var runtimeActions = map[string]string{
	"Converse": "bedrock:InvokeModel", "InvokeModel": "bedrock:InvokeModel",
	"ConverseStream": "bedrock:InvokeModelWithResponseStream", "InvokeModelWithResponseStream": "bedrock:InvokeModelWithResponseStream",
}

func (s *Server) questions(sv *service, op string, c *Call) ([]authz, *APIError) {
	switch sv.Name {
	case "bedrock-runtime":
		action, ok := runtimeActions[op]
		if !ok {
			return nil, nil
		}
		ref, err := url.PathUnescape(c.PathParams["modelId"])
		if err != nil {
			return nil, ErrValidation("the model identifier %q is not a valid path segment", c.PathParams["modelId"])
		}
		if ref == "" {
			return nil, nil
		}
		return s.modelQuestions(action, c.Region, ref), nil
	case "dynamodb":
		return s.dynamoQuestions(op, c), nil
	case "sns":
		if op != "Publish" {
			return nil, nil
		}
		form, _ := url.ParseQuery(string(c.Body))
		if t := form.Get("TopicArn"); t != "" {
			return []authz{{Action: "sns:Publish", Resource: t}}, nil
		}
	case "logs":
		if op != "PutLogEvents" && op != "CreateLogStream" {
			return nil, nil
		}
		var in struct{ LogGroupName, LogStreamName string }
		_ = json.Unmarshal(c.Body, &in)
		return []authz{{Action: "logs:" + op, Resource: fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", c.Region, s.account, in.LogGroupName, in.LogStreamName)}}, nil
	}
	return nil, nil
}

// modelQuestions are the checks of a Bedrock Runtime call on a model reference: on a
// foundation model, that model; through an inference profile, the profile and every
// foundation model it routes to, with bedrock:InferenceProfileArn in the context (as
// Bedrock authorizes profile calls).
func (s *Server) modelQuestions(action, region, ref string) []authz {
	if p, ok := s.findInferenceProfile(region, ref); ok {
		// The profile's tags are in the context as aws:ResourceTag/<key>: a condition key
		// of the application-inference-profile resource type (Service Authorization
		// Reference, "Actions, resources, and condition keys for Amazon Bedrock").
		tags := map[string]any{}
		for k, v := range p.Tags {
			tags["aws:ResourceTag/"+k] = v
		}
		qs := []authz{{Action: action, Resource: p.Arn, Context: tags}}
		arns := append([]string(nil), p.ModelArns...)
		sort.Strings(arns)
		for _, m := range arns {
			qs = append(qs, authz{Action: action, Resource: m, Context: map[string]any{"bedrock:InferenceProfileArn": p.Arn}})
		}
		return qs
	}
	if strings.HasPrefix(ref, "arn:") {
		return []authz{{Action: action, Resource: ref}}
	}
	return []authz{{Action: action, Resource: FoundationModelARN(region, ref)}}
}

// authorizeFunctionURL decides an AWS_IAM function URL call: since October 2025 it
// needs lambda:InvokeFunctionUrl and lambda:InvokeFunction
// (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html), from the caller's
// identity policies or the function's resource policy.
func (s *Server) authorizeFunctionURL(id Identity, functionARN string, policy LambdaPolicy) (bool, error) {
	var resourcePolicy any
	if len(policy.Statements) > 0 {
		resourcePolicy = map[string]any{"Version": "2012-10-17", "Statement": policy.Statements}
	}
	q, _, err := s.authorize(id, []authz{
		{Action: "lambda:InvokeFunctionUrl", Resource: functionARN, ResourcePolicy: resourcePolicy,
			Context: map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}},
		{Action: "lambda:InvokeFunction", Resource: functionARN, ResourcePolicy: resourcePolicy,
			Context: map[string]any{"lambda:InvokedViaFunctionUrl": "true"}},
	})
	return q == nil && err == nil, err
}

// dynamoItemActions are the IAM actions of the data-plane operations the emulator
// evaluates, by operation.
var dynamoItemActions = map[string]bool{"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"BatchGetItem": true, "BatchWriteItem": true, "Query": true, "Scan": true}

// dynamoQuestions are the checks of a DynamoDB data-plane call:
//   - a single-item call, Query and Scan: the action of its name on the table's ARN, or
//     on the index's (table/<t>/index/<i>) when the call names an IndexName (Service
//     Authorization Reference, DynamoDB: Query and Scan take the index resource type);
//   - BatchGetItem, BatchWriteItem: the action of its name on each table it names;
//   - TransactWriteItems, TransactGetItems: no action of their own; each item is
//     authorized as its underlying PutItem, UpdateItem, DeleteItem, GetItem, and a
//     ConditionCheck as dynamodb:ConditionCheckItem, with dynamodb:EnclosingOperation
//     in the context ("Using IAM with DynamoDB transactions", transaction-apis-iam).
func (s *Server) dynamoQuestions(op string, c *Call) []authz {
	table := func(name string) string {
		if strings.HasPrefix(name, "arn:") {
			return name
		}
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", c.Region, s.account, name)
	}
	switch op {
	case "TransactWriteItems", "TransactGetItems":
		var in struct {
			TransactItems []map[string]struct{ TableName string }
		}
		_ = json.Unmarshal(c.Body, &in)
		actions := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
		var qs []authz
		for _, ti := range in.TransactItems {
			for kind, a := range ti {
				if action, ok := actions[kind]; ok && a.TableName != "" {
					qs = append(qs, authz{Action: "dynamodb:" + action, Resource: table(a.TableName),
						Context: map[string]any{"dynamodb:EnclosingOperation": op}})
				}
			}
		}
		return qs
	case "BatchGetItem", "BatchWriteItem":
		var in struct{ RequestItems map[string]json.RawMessage }
		_ = json.Unmarshal(c.Body, &in)
		var qs []authz
		for _, t := range sortedKeys(in.RequestItems) {
			qs = append(qs, authz{Action: "dynamodb:" + op, Resource: table(t)})
		}
		return qs
	}
	if !dynamoItemActions[op] {
		return nil
	}
	var in struct{ TableName, IndexName string }
	_ = json.Unmarshal(c.Body, &in)
	if in.TableName == "" {
		return nil
	}
	res := table(in.TableName)
	if in.IndexName != "" && (op == "Query" || op == "Scan") {
		res += "/index/" + in.IndexName
	}
	return []authz{{Action: "dynamodb:" + op, Resource: res}}
}
