package localaws

import "net/http"

// iamAttachedPoliciesMax is IAM's default quota of managed policies attached to one role,
// user or group: 10, raisable to 20 on request (AWS knowledge center
// "iam-increase-policy-size"; IAM GetAccountSummary's AttachedPoliciesPerRoleQuota).
const iamAttachedPoliciesMax = 10

// errAttachQuota is what IAM answers to the attachment past the quota.
func errAttachQuota(kind string) error {
	return ErrorStatus(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for PoliciesPer%s: %d", titleKind(kind), iamAttachedPoliciesMax)
}
