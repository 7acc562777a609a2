package policycheck

import (
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/iamsim"
)

const (
	teamRole     = "arn:aws:iam::123456789012:role/ai-core-app"
	enforcerRole = "arn:aws:iam::123456789012:role/bedgov/main-enforcer"
	otherProfile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/otherteam01"
	adminPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	powerUser    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}`
)

// directPaths are the ways a principal could have a model run without the enforcer.
var directPaths = []struct {
	name, action, resource string
	context                map[string]any
}{
	{"foundation model", "bedrock:InvokeModel", modelUS1, nil},
	{"foundation model, streaming", "bedrock:InvokeModelWithResponseStream", modelUS1, nil},
	{"its own profile", "bedrock:InvokeModel", profile, nil},
	{"the model through its own profile", "bedrock:InvokeModel", modelUS2, map[string]any{"bedrock:InferenceProfileArn": profile}},
	{"another team's profile", "bedrock:InvokeModel", otherProfile, nil},
	{"a system inference profile", "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0", nil},
	{"a Bedrock API key (bearer token)", "bedrock:CallWithBearerToken", "*", nil},
	{"bedrock-mantle, OpenAI-compatible", "bedrock-mantle:CreateInference", "*", nil},
	{"bedrock-mantle API key", "bedrock-mantle:CallWithBearerToken", "*", nil},
	{"batch inference", "bedrock:CreateModelInvocationJob", "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/j1", nil},
	{"async invoke (authorized as InvokeModel)", "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1:123456789012:async-invoke/a1", nil},
	{"an agent", "bedrock:InvokeAgent", "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT1/ALIAS1", nil},
	{"an inline agent", "bedrock:InvokeInlineAgent", "*", nil},
	{"a flow", "bedrock:InvokeFlow", "arn:aws:bedrock:us-east-1:123456789012:flow/F1/alias/A1", nil},
	{"knowledge-base generation", "bedrock:RetrieveAndGenerate", "*", nil},
}

func decide(t *testing.T, sim *iamsim.Sim, principal, action, resource string, ctx map[string]any, policies []iamsim.Policy, scps []iamsim.OrgPolicies) iamsim.Decision {
	t.Helper()
	// The request context AWS fills in: the principal's ARN (for a role's sessions, the
	// role's ARN).
	full := map[string]any{"aws:PrincipalArn": principal}
	for k, v := range ctx {
		full[k] = v
	}
	ctx = full
	d, err := sim.Decide(iamsim.Request{Principal: principal, Action: action, Resource: resource, Account: account, Context: ctx,
		IdentityPolicies: policies, SCPs: scps})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A wired team's principal reaches no model directly, even with AdministratorAccess or
// PowerUserAccess beside the caller policy, while it can call its enforcer's URL; the
// same principal without the caller policy's Deny could (the gap the Deny closes).
func TestWiredTeamHasNoDirectPath(t *testing.T) {
	sim, err := iamsim.Shared()
	if err != nil {
		t.Fatal(err)
	}
	caller, err := governance.EnforcerCallerPolicy("ai-core", function)
	if err != nil {
		t.Fatal(err)
	}
	invoke, err := governance.InvokePolicy("ai-core", []governance.ProfileRoute{{ProfileARN: profile, ModelARNs: []string{modelUS1, modelUS2}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, broad := range []struct{ name, doc string }{{"AdministratorAccess", adminPolicy}, {"PowerUserAccess", powerUser}, {"the team's own invoke policy", invoke}} {
		withDeny := []iamsim.Policy{{Name: "caller", Policy: caller}, {Name: broad.name, Policy: broad.doc}}
		for _, p := range directPaths {
			if d := decide(t, sim, teamRole, p.action, p.resource, p.context, withDeny, nil); d != iamsim.ExplicitlyDenied {
				t.Errorf("caller policy + %s: %s (%s on %s) = %s, want ExplicitlyDenied", broad.name, p.name, p.action, p.resource, d)
			}
		}
		for _, a := range []struct {
			action string
			ctx    map[string]any
		}{
			{"lambda:InvokeFunctionUrl", map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}},
			{"lambda:InvokeFunction", map[string]any{"lambda:InvokedViaFunctionUrl": "true"}},
		} {
			if d := decide(t, sim, teamRole, a.action, function, a.ctx, withDeny, nil); d != iamsim.Allowed {
				t.Errorf("caller policy + %s: %s on the enforcer = %s, want Allowed", broad.name, a.action, d)
			}
		}
	}
	// Without the Deny, AdministratorAccess reaches the model directly.
	if d := decide(t, sim, teamRole, "bedrock:InvokeModel", modelUS1, nil, []iamsim.Policy{{Name: "admin", Policy: adminPolicy}}, nil); d != iamsim.Allowed {
		t.Fatalf("AdministratorAccess alone: %s, want Allowed (the simulator should see the gap)", d)
	}
	// The caller policy alone: the function only through its URL, never invoked directly.
	only := []iamsim.Policy{{Name: "caller", Policy: caller}}
	if d := decide(t, sim, teamRole, "lambda:InvokeFunction", function, nil, only, nil); d == iamsim.Allowed {
		t.Error("the caller policy lets the team invoke the enforcer function directly (without its URL)")
	}
	if d := decide(t, sim, teamRole, "lambda:InvokeFunctionUrl", function, map[string]any{"lambda:FunctionUrlAuthType": "NONE"}, only, nil); d == iamsim.Allowed {
		t.Error("the caller policy allows a NONE-auth URL call")
	}
}

// The organization SCP bedgov_enforcer exports leaves inference to the enforcer role:
// an AdministratorAccess principal is denied every direct path; the enforcer role, with
// the invoke policy of a team, still invokes through the team's profile.
func TestOrganizationSCPLeavesInferenceToEnforcer(t *testing.T) {
	sim, err := iamsim.Shared()
	if err != nil {
		t.Fatal(err)
	}
	scpDoc, err := governance.OrganizationSCP([]string{enforcerRole})
	if err != nil {
		t.Fatal(err)
	}
	scps := []iamsim.OrgPolicies{
		{OrgIdentifier: "r-root", Policies: []iamsim.Policy{{Name: "FullAWSAccess", Policy: adminPolicy}}},
		{OrgIdentifier: "ou-bedrock", Policies: []iamsim.Policy{{Name: "FullAWSAccess", Policy: adminPolicy}, {Name: "bedgov", Policy: scpDoc}}},
	}
	admin := []iamsim.Policy{{Name: "AdministratorAccess", Policy: adminPolicy}}
	for _, p := range directPaths {
		if d := decide(t, sim, "arn:aws:iam::123456789012:user/admin", p.action, p.resource, p.context, admin, scps); d != iamsim.ExplicitlyDenied {
			t.Errorf("admin under the SCP: %s = %s, want ExplicitlyDenied", p.name, d)
		}
	}
	invoke, err := governance.InvokePolicy("ai-core", []governance.ProfileRoute{{ProfileARN: profile, ModelARNs: []string{modelUS1, modelUS2}}})
	if err != nil {
		t.Fatal(err)
	}
	role := []iamsim.Policy{{Name: "invoke", Policy: invoke}}
	if d := decide(t, sim, enforcerRole, "bedrock:InvokeModel", profile, nil, role, scps); d != iamsim.Allowed {
		t.Errorf("enforcer role, team profile, under the SCP: %s", d)
	}
	if d := decide(t, sim, enforcerRole, "bedrock:InvokeModel", modelUS2, map[string]any{"bedrock:InferenceProfileArn": profile}, role, scps); d != iamsim.Allowed {
		t.Errorf("enforcer role, model through the profile, under the SCP: %s", d)
	}
	// The invoke policy alone does not open the model outside the profile.
	if d := decide(t, sim, enforcerRole, "bedrock:InvokeModel", modelUS2, nil, role, scps); d == iamsim.Allowed {
		t.Error("the invoke policy allows the foundation model without the profile")
	}
}
