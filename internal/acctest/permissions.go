package acctest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// PolicyFile is the IAM policy the documentation gives for the provider's own
// credentials. The acceptance suite checks it against the calls the provider really made.
const PolicyFile = "examples/iam/provider-policy.json"

// iamActionOverrides maps emulator operations whose IAM action is not "<service>:<Op>".
// An empty value means the call needs no permission.
var iamActionOverrides = map[string]string{
	"sts:GetCallerIdentity": "",
	"sts:AssumeRole":        "", // granted by the role's trust policy, not the caller's policy

	"budgets:CreateBudget":                       "budgets:ModifyBudget",
	"budgets:UpdateBudget":                       "budgets:ModifyBudget",
	"budgets:DeleteBudget":                       "budgets:ModifyBudget",
	"budgets:CreateNotification":                 "budgets:ModifyBudget",
	"budgets:UpdateNotification":                 "budgets:ModifyBudget",
	"budgets:DeleteNotification":                 "budgets:ModifyBudget",
	"budgets:CreateSubscriber":                   "budgets:ModifyBudget",
	"budgets:UpdateSubscriber":                   "budgets:ModifyBudget",
	"budgets:DeleteSubscriber":                   "budgets:ModifyBudget",
	"budgets:DescribeBudget":                     "budgets:ViewBudget",
	"budgets:DescribeBudgets":                    "budgets:ViewBudget",
	"budgets:DescribeNotificationsForBudget":     "budgets:ViewBudget",
	"budgets:DescribeSubscribersForNotification": "budgets:ViewBudget",

	// S3 operations whose IAM action has another name (Service Authorization Reference).
	"s3:HeadBucket":                      "s3:ListBucket",
	"s3:ListObjectsV2":                   "s3:ListBucket",
	"s3:DeleteObjects":                   "s3:DeleteObject",
	"s3:PutPublicAccessBlock":            "s3:PutBucketPublicAccessBlock",
	"s3:GetPublicAccessBlock":            "s3:GetBucketPublicAccessBlock",
	"s3:PutBucketEncryption":             "s3:PutEncryptionConfiguration",
	"s3:GetBucketEncryption":             "s3:GetEncryptionConfiguration",
	"s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
	"s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
	"s3:DeleteBucketTagging":             "s3:PutBucketTagging",

	// A transaction is authorized item by item as the single-item actions it contains
	// (DynamoDB developer guide, "Using IAM with DynamoDB transactions"), no action of
	// its own: see impliedActions.
	"dynamodb:TransactWriteItems": "",
}

// servicePrefix is the IAM service prefix of each emulated service.
var servicePrefix = map[string]string{
	"bedrock": "bedrock", "iam": "iam", "sts": "sts", "budgets": "budgets", "ce": "ce", "logs": "logs",
	"cloudwatch": "cloudwatch", "sns": "sns", "dynamodb": "dynamodb", "lambda": "lambda",
	"s3": "s3", "glue": "glue", "athena": "athena", "pricing": "pricing",
	"organizations": "organizations",
}

// impliedActions are permissions a call (service:operation) needs besides its own action.
var impliedActions = map[string][]string{
	"lambda:CreateFunction":              {"iam:PassRole"},
	"lambda:UpdateFunctionConfiguration": {"iam:PassRole"},
	// The CloudWatch Logs delivery role is passed to Bedrock.
	"bedrock:PutModelInvocationLoggingConfiguration": {"iam:PassRole"},
	// The provider's transactions (cap record writes) put and update items.
	"dynamodb:TransactWriteItems": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
}

// ProviderActions are the IAM actions of the calls the provider (User-Agent
// bedgov/test) made to the emulator.
func ProviderActions(calls []localaws.CallRecord) []string {
	set := map[string]bool{}
	for _, c := range calls {
		if !strings.Contains(c.UserAgent, "bedgov/test") || c.Operation == "" {
			continue
		}
		key := c.Service + ":" + c.Operation
		action, ok := iamActionOverrides[key]
		if !ok {
			prefix, known := servicePrefix[c.Service]
			if !known {
				continue
			}
			action = prefix + ":" + c.Operation
		}
		if action != "" {
			set[action] = true
		}
		for _, a := range impliedActions[key] {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// checkProviderPolicy compares the documented policy with the actions the whole suite
// used: a missing action means the documented policy would fail a real apply; an action
// never used means the policy grants more than the provider needs. It runs only after
// a complete, passing run (no -run filter).
func checkProviderPolicy() error {
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() != "" || emulator == nil {
		return nil
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(root, PolicyFile))
	if err != nil {
		return err
	}
	var doc struct {
		Statement []struct {
			Action []string `json:"Action"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", PolicyFile, err)
	}
	documented := map[string]bool{}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			documented[a] = true
		}
	}
	var missing, unused []string
	used := map[string]bool{}
	for _, a := range ProviderActions(emulator.History()) {
		used[a] = true
		if !documented[a] {
			missing = append(missing, a)
		}
	}
	for a := range documented {
		if !used[a] {
			unused = append(unused, a)
		}
	}
	sort.Strings(unused)
	if subset {
		unused = nil // a package that uses part of the provider cannot use every action
	}
	if len(missing) > 0 || len(unused) > 0 {
		return fmt.Errorf("%s is out of date with the calls the provider made in this run: missing %v, never used %v", PolicyFile, missing, unused)
	}
	return nil
}
