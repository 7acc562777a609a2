package governance

import (
	"fmt"
	"regexp"
)

// EnforcerTagKey is the tag bedgov puts on a wired team's application inference
// profiles; its value is the enforcer's name. The enforcer role's invoke policy grants
// invocation on the profiles that carry it, so the role's permissions do not grow with
// the number of teams (IAM allows 10 managed policies per role by default, 20 on
// request: AWS knowledge center "iam-increase-policy-size").
const EnforcerTagKey = "bedgov:enforcer"

var enforcerNameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)

// EnforcerInvokePolicy is the enforcer role's Bedrock invoke policy, one document for
// any number of teams:
//   - the invoke actions on the account's application inference profiles tagged
//     bedgov:enforcer=<enforcer> (aws:ResourceTag/${TagKey} is a condition key of the
//     application-inference-profile resource type: Service Authorization Reference,
//     "Actions, resources, and condition keys for Amazon Bedrock", Resource types);
//   - the invoke actions on foundation models (any Region) and system-defined
//     inference profiles only when the call comes through one of the account's
//     application inference profiles (bedrock:InferenceProfileArn: Bedrock user guide,
//     "Prerequisites for inference profiles"), so a direct model call stays denied.
//
// A profile of another enforcer, or untagged, cannot be invoked: the profile itself is
// checked against its tag before the model behind it.
func EnforcerInvokePolicy(partition, account, enforcer string) (string, error) {
	if len(account) != 12 {
		return "", fmt.Errorf("enforcer invoke policy: %q is not an account id", account)
	}
	if !enforcerNameRe.MatchString(enforcer) {
		return "", fmt.Errorf("enforcer invoke policy: %q is not an enforcer name", enforcer)
	}
	appProfiles := fmt.Sprintf("arn:%s:bedrock:*:%s:application-inference-profile/*", partition, account)
	doc := policyDoc{Version: "2012-10-17", Statement: []statement{
		{Sid: "InvokeTeamProfilesOfThisEnforcer", Effect: "Allow", Action: InvokeActions, Resource: []string{appProfiles},
			Condition: map[string]map[string][]string{"StringEquals": {"aws:ResourceTag/" + EnforcerTagKey: {enforcer}}}},
		{Sid: "InvokeModelsThroughApplicationProfiles", Effect: "Allow", Action: InvokeActions,
			Resource: []string{
				fmt.Sprintf("arn:%s:bedrock:*::foundation-model/*", partition),
				fmt.Sprintf("arn:%s:bedrock:*:*:inference-profile/*", partition),
			},
			Condition: map[string]map[string][]string{"ArnLike": {"bedrock:InferenceProfileArn": {appProfiles}}}},
	}}
	return render("enforcer "+enforcer, doc)
}
