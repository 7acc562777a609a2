package governance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxManagedPolicyChars is IAM's size limit for a customer managed policy document
// (characters, whitespace not counted).
const MaxManagedPolicyChars = 6144

// InvokeActions are the IAM actions Bedrock authorises for the four runtime operations:
// Converse is authorised as bedrock:InvokeModel and ConverseStream as
// bedrock:InvokeModelWithResponseStream (there are no separate Converse actions).
var InvokeActions = []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}

// ProfileRoute is one inference profile of a team and the foundation-model ARNs it
// routes to (GetInferenceProfile's models, one per Region).
type ProfileRoute struct {
	ProfileARN string
	ModelARNs  []string
}

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// InvokePolicy builds the team's invoke policy: the invoke actions on the team's
// profile ARNs, and on the foundation-model ARNs of every Region those profiles route
// to on condition that the call comes through one of the team's profiles
// (bedrock:InferenceProfileArn), so a direct call to the model stays denied. The output
// is deterministic (sorted, de-duplicated, compact JSON) and checked against IAM's
// managed policy size limit.
func InvokePolicy(team string, routes []ProfileRoute) (string, error) {
	if len(routes) == 0 {
		return "", fmt.Errorf("team %s: no inference profiles to grant", team)
	}
	var profiles, models []string
	for _, r := range routes {
		if !strings.HasPrefix(r.ProfileARN, "arn:") || !strings.Contains(r.ProfileARN, "inference-profile/") {
			return "", fmt.Errorf("team %s: %q is not an inference profile ARN", team, r.ProfileARN)
		}
		if len(r.ModelARNs) == 0 {
			return "", fmt.Errorf("team %s: profile %s routes to no model", team, r.ProfileARN)
		}
		profiles = append(profiles, r.ProfileARN)
		for _, m := range r.ModelARNs {
			if !strings.HasPrefix(m, "arn:") || !strings.Contains(m, ":foundation-model/") {
				return "", fmt.Errorf("team %s: %q is not a foundation model ARN", team, m)
			}
			models = append(models, m)
		}
	}
	profiles, models = sortedSet(profiles), sortedSet(models)
	doc := policyDoc{Version: "2012-10-17", Statement: []statement{
		{Sid: "InvokeTeamProfiles", Effect: "Allow", Action: InvokeActions, Resource: profiles},
		{Sid: "InvokeModelsThroughTeamProfiles", Effect: "Allow", Action: InvokeActions, Resource: models,
			Condition: map[string]map[string][]string{"StringEquals": {"bedrock:InferenceProfileArn": profiles}}},
	}}
	return render(team, doc)
}

// EnforcerCallerPolicy is the policy a team's principals get when the team goes through
// an enforcer in iam mode: the right to call the enforcer's function URL, and an explicit
// Deny of every direct inference path (DirectInferenceActions), so a principal that
// also holds a broad policy (AdministratorAccess, PowerUserAccess) still cannot call
// Bedrock around the enforcer. Since October 2025 a function URL call needs both
// lambda:InvokeFunctionUrl and lambda:InvokeFunction
// (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); the second is granted
// only for calls through the URL (lambda:InvokedViaFunctionUrl), so the principals
// cannot invoke the function directly and pass a forged principal header.
func EnforcerCallerPolicy(team, functionARN string) (string, error) {
	if !strings.HasPrefix(functionARN, "arn:") || !strings.Contains(functionARN, ":lambda:") {
		return "", fmt.Errorf("team %s: %q is not a Lambda function ARN", team, functionARN)
	}
	doc := policyDoc{Version: "2012-10-17", Statement: []statement{
		{
			Sid: "CallBedgovEnforcer", Effect: "Allow", Action: []string{"lambda:InvokeFunctionUrl"}, Resource: []string{functionARN},
			Condition: map[string]map[string][]string{"StringEquals": {"lambda:FunctionUrlAuthType": {"AWS_IAM"}}},
		},
		{
			Sid: "InvokeBedgovEnforcerThroughURL", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: []string{functionARN},
			Condition: map[string]map[string][]string{"Bool": {"lambda:InvokedViaFunctionUrl": {"true"}}},
		},
		directInferenceDeny(),
	}}
	return render(team, doc)
}

// ErrPolicyTooLarge is wrapped by the builders when a document exceeds IAM's limit.
var ErrPolicyTooLarge = errors.New("policy exceeds IAM's managed policy size limit")

func render(team string, doc policyDoc) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	if n := PolicySize(out); n > MaxManagedPolicyChars {
		return "", fmt.Errorf("team %s: %w (%d of %d characters); use fewer profiles or Regions", team, ErrPolicyTooLarge, n, MaxManagedPolicyChars)
	}
	return out, nil
}

// PolicySize counts a policy's characters as IAM does: whitespace outside strings is
// not counted.
func PolicySize(doc string) int {
	n, inStr, esc := 0, false, false
	for _, c := range doc {
		switch {
		case inStr:
			n++
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
		default:
			n++
			if c == '"' {
				inStr = true
			}
		}
	}
	return n
}

func sortedSet(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}
