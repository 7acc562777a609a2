package provider

// Names: every name bedgov gives an AWS object, built here and nowhere else.

import (
	"crypto/sha256"
	"encoding/hex"
)

// names are the enforcer's object names, all derived from its name.
type enforcerNames struct{ function, role, table, logGroup string }

func namesFor(name string) enforcerNames {
	return enforcerNames{function: name + "-enforcer", role: name + "-enforcer", table: name + "-caps", logGroup: "/aws/lambda/" + name + "-enforcer"}
}

const enforcerRolePolicyName = "bedgov-enforcer"

// Names of what the resource creates besides the bucket. One configuration per account
// and Region means one of each per Region.
const (
	auditDatabase        = "bedgov_invocation_logs"
	auditTable           = "invocations"
	auditQueryName       = "bedgov-monthly-usage-by-team"
	auditRolePolicyName  = "bedgov-invocation-logging"
	auditRolePath        = "/bedgov/"
	auditQueryWorkgroup  = "primary" // where import looks for the named query by default
	auditQueryDescriptor = "Bedrock usage and cost per team and model for one month; run with the month as 'YYYY/MM'."
)

func auditRoleName(region string) string { return "bedgov-invocation-logging-" + region }

func teamObjectName(team string) string { return "bedgov-" + team }

// callerPolicyName is the policy that lets a team's principals call the enforcer.
func callerPolicyName(team string) string { return "bedgov-" + team + "-caller" }

// enforcerNameOfRole recognises an enforcer role, <name>-enforcer.
func enforcerNameOfRole(role string) (string, bool) {
	const suffix = "-enforcer"
	if len(role) <= len(suffix) || role[len(role)-len(suffix):] != suffix {
		return "", false
	}
	name := role[:len(role)-len(suffix)]
	return name, enforcerNamePattern.MatchString(name)
}

// policyPath keeps bedgov's policies together in IAM.
const policyPath = "/bedgov/"

func policyName(team string) string { return "bedgov-" + team + "-invoke" }

// profileName is bedgov-<team>[-<role>]-<8 hex of the source ARN>: unique per model, so a
// model change can create the new profile before it deletes the old one.
func profileName(team, role, sourceARN string) string {
	sum := sha256.Sum256([]byte(sourceARN))
	name := "bedgov-" + team
	if role != "" {
		name += "-" + role
	}
	return name + "-" + hex.EncodeToString(sum[:4])
}
