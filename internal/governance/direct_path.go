package governance

import (
	"fmt"
	"strings"
)

// DirectInferenceActions are the IAM actions by which a principal can have a model run
// for it without the enforcer, per the service authorization reference: the runtime
// invocations (InvokeModel also authorizes Converse, StartAsyncInvoke and the
// OpenAI-compatible Chat Completions API), Bedrock API keys (CallWithBearerToken),
// batch inference, agents, flows and knowledge-base generation, and the bedrock-mantle
// endpoint (OpenAI-compatible inference and its API keys).
var DirectInferenceActions = []string{
	"bedrock:CallWithBearerToken",
	"bedrock:CreateModelInvocationJob",
	"bedrock:InvokeAgent",
	"bedrock:InvokeFlow",
	"bedrock:InvokeInlineAgent",
	"bedrock:InvokeModel",
	"bedrock:InvokeModelWithResponseStream",
	"bedrock:RetrieveAndGenerate",
	"bedrock-mantle:CallWithBearerToken",
	"bedrock-mantle:CreateInference",
}

// directInferenceDeny is the statement that closes the direct path for a wired team's
// principals: an explicit Deny wins over any Allow they hold (AdministratorAccess,
// PowerUserAccess, a wildcard), so they reach a model only through the enforcer, whose
// role is not a team principal.
func directInferenceDeny() statement {
	return statement{Sid: "NoDirectBedrockInference", Effect: "Deny", Action: DirectInferenceActions, Resource: []string{"*"}}
}

// MaxSCPChars is the size limit of a service control policy (characters, whitespace
// not counted).
const MaxSCPChars = 5120

// OrganizationSCP is the service control policy that leaves Bedrock inference to the
// given enforcer roles: every direct inference action is denied to every other
// principal of the accounts it is attached to (aws:PrincipalArn is the role ARN for a
// role's sessions). Attach it to the organization root or an OU; with several
// enforcers, pass all their role ARNs.
func OrganizationSCP(enforcerRoleARNs []string) (string, error) {
	if len(enforcerRoleARNs) == 0 {
		return "", fmt.Errorf("organization SCP: no enforcer role")
	}
	for _, a := range enforcerRoleARNs {
		if !strings.HasPrefix(a, "arn:") || !strings.Contains(a, ":iam::") || !strings.Contains(a, ":role/") {
			return "", fmt.Errorf("organization SCP: %q is not an IAM role ARN", a)
		}
	}
	doc := policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid: "BedrockInferenceOnlyThroughBedgov", Effect: "Deny", Action: DirectInferenceActions, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"ArnNotEquals": {"aws:PrincipalArn": sortedSet(enforcerRoleARNs)}},
	}}}
	out, err := render("organization", doc)
	if err != nil {
		return "", err
	}
	if n := PolicySize(out); n > MaxSCPChars {
		return "", fmt.Errorf("organization SCP: %d characters, more than an SCP's %d", n, MaxSCPChars)
	}
	return out, nil
}
