package provider

// Names: every name bedgov gives an AWS object, built here and nowhere else. A team's
// objects are bedgov-<team>[-<kind>]; an enforcer's are <name>-<kind>; invocation
// logging's are fixed per Region. (Alarm names are internal/alerts.AlarmName, next to
// the alarms they name.)

import (
	"crypto/sha256"
	"encoding/hex"
)

// namePrefix starts the name of every object bedgov makes for a team.
const namePrefix = "bedgov-"

// iamPath keeps bedgov's IAM policies and roles together.
const iamPath = "/bedgov/"

// policyPath is the IAM path of the teams' policies.
const policyPath = iamPath

// ---- bedgov_team ---------------------------------------------------------------------

// teamObjectName names the team's budget, SNS topic, dashboard and anomaly monitor and
// subscription: bedgov-<team>.
func teamObjectName(team string) string { return namePrefix + team }

// policyName is the team's invoke policy.
func policyName(team string) string { return namePrefix + team + "-invoke" }

// callerPolicyName is the policy that lets a team's principals call the enforcer.
func callerPolicyName(team string) string { return namePrefix + team + "-caller" }

// profilePrefix starts the name of each of a team's inference profiles.
func profilePrefix(team string) string { return namePrefix + team + "-" }

// profileName is bedgov-<team>[-<role>]-<8 hex of the source ARN>: unique per model, so a
// model change can create the new profile before it deletes the old one.
func profileName(team, role, sourceARN string) string {
	sum := sha256.Sum256([]byte(sourceARN))
	name := namePrefix + team
	if role != "" {
		name += "-" + role
	}
	return name + "-" + hex.EncodeToString(sum[:4])
}

// ---- bedgov_enforcer -----------------------------------------------------------------

// names are the enforcer's object names, all derived from its name.
type enforcerNames struct{ function, role, table, logGroup string }

func namesFor(name string) enforcerNames {
	return enforcerNames{function: name + "-enforcer", role: name + "-enforcer", table: name + "-caps", logGroup: "/aws/lambda/" + name + "-enforcer"}
}

// enforcerRolePath is the IAM path of the enforcer's execution role.
const enforcerRolePath = iamPath

const enforcerRolePolicyName = "bedgov-enforcer"

// enforcerNameOfRole recognises an enforcer role, <name>-enforcer.
func enforcerNameOfRole(role string) (string, bool) {
	const suffix = "-enforcer"
	if len(role) <= len(suffix) || role[len(role)-len(suffix):] != suffix {
		return "", false
	}
	name := role[:len(role)-len(suffix)]
	return name, enforcerNamePattern.MatchString(name)
}

// ---- bedgov_invocation_logging -------------------------------------------------------

// Names of what the resource creates besides the bucket. One configuration per account
// and Region means one of each per Region.
const (
	auditDatabase        = "bedgov_invocation_logs"
	auditTable           = "invocations"
	auditQueryName       = "bedgov-monthly-usage-by-team"
	auditRolePolicyName  = "bedgov-invocation-logging"
	auditRolePath        = iamPath
	auditQueryWorkgroup  = "primary" // where import looks for the named query by default
	auditQueryDescriptor = "Bedrock usage and cost per team and model for one month; run with the month as 'YYYY/MM'."
)

func auditRoleName(region string) string { return "bedgov-invocation-logging-" + region }
