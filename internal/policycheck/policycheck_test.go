package policycheck

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/alerts"
	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/iamsim"
)

const (
	account  = "123456789012"
	region   = "us-east-1"
	profile  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234"
	modelUS1 = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0"
	modelUS2 = "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0"
	function = "arn:aws:lambda:us-east-1:123456789012:function:bedgov-enforcer"
)

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// documents returns every policy document bedgov writes or documents, by name.
func documents(t *testing.T) map[string]string {
	t.Helper()
	must := func(doc string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	dest := auditlog.Destination{Partition: "aws", Account: account, Region: region, Bucket: "acme-bedrock-logs", KeyPrefix: "audit"}
	docs := map[string]string{
		"team invoke policy (governance.InvokePolicy)":           must(governance.InvokePolicy("ai-core", []governance.ProfileRoute{{ProfileARN: profile, ModelARNs: []string{modelUS1, modelUS2}}})),
		"team caller policy (governance.EnforcerCallerPolicy)":   must(governance.EnforcerCallerPolicy("ai-core", function)),
		"enforcer trust policy (governance.EnforcerTrustPolicy)": must(governance.EnforcerTrustPolicy(account)),
		"enforcer role policy (governance.EnforcerRolePolicy)": must(governance.EnforcerRolePolicy("aws", region, account,
			"arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/bedgov-enforcer:*")),
		"invocation log bucket policy (auditlog.BucketPolicy)":                    auditlog.BucketPolicy(dest),
		"invocation log role trust (auditlog.DeliveryRoleTrust)":                  auditlog.DeliveryRoleTrust(dest),
		"invocation log role policy (auditlog.DeliveryRolePolicy)":                auditlog.DeliveryRolePolicy(dest, "bedgov-invocations"),
		"team topic policy (alerts.TopicPolicy)":                                  alerts.TopicPolicy("aws", account, "arn:aws:sns:us-east-1:123456789012:bedgov-ai-core"),
		"organization SCP (governance.OrganizationSCP, bedgov_enforcer.scp_json)": must(governance.OrganizationSCP([]string{"arn:aws:iam::123456789012:role/bedgov/main-enforcer"})),
	}
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "examples", "iam", "provider-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	docs["provider's required permissions (examples/iam/provider-policy.json)"] = string(b)
	// Every JSON policy in the documentation's templates.
	jsonBlock := regexp.MustCompile("(?s)```json\n(\\{.*?\"Version\": \"2012-10-17\".*?)\n```")
	tmpls, _ := filepath.Glob(filepath.Join(root, "templates", "*.tmpl"))
	more, _ := filepath.Glob(filepath.Join(root, "templates", "*", "*.tmpl"))
	found := 0
	for _, f := range append(tmpls, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range jsonBlock.FindAllStringSubmatch(string(b), -1) {
			rel, _ := filepath.Rel(root, f)
			docs[rel+" policy "+string(rune('1'+i))] = m[1]
			found++
		}
	}
	// templates/index.md.tmpl documents a policy: finding none means the glob or the
	// pattern no longer matches, and the documented policies would go unchecked.
	if found == 0 {
		t.Fatalf("no JSON policy found in %d templates under %s", len(tmpls)+len(more), filepath.Join(root, "templates"))
	}
	return docs
}

// Every policy document bedgov writes or documents names only actions that exist,
// resources of those actions' types and condition keys valid for them.
func TestPolicyDocumentsMatchServiceAuthorizationReference(t *testing.T) {
	sim, err := iamsim.Shared()
	if err != nil {
		t.Fatal(err)
	}
	docs := documents(t)
	for name, doc := range docs {
		problems, err := sim.CheckPolicy(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(problems) > 0 {
			t.Errorf("%s:\n  %s", name, strings.Join(problems, "\n  "))
		}
	}
	t.Logf("%d policy documents checked", len(docs))
}

// The checker itself: a misspelt action, a resource of another service and a condition
// key of another action are each found.
func TestPolicyCheckerFindsDefects(t *testing.T) {
	sim, err := iamsim.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModels","Resource":"*"}]}`:                                                                  `action "bedrock:InvokeModels" does not exist`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunctionUrl","Resource":"arn:aws:s3:::bucket"}]}`:                                            "is a resource type of none",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunctionUrl","Resource":"*","Condition":{"Bool":{"lambda:InvokedViaFunctionUrl":"true"}}}]}`: "condition key lambda:InvokedViaFunctionUrl",
	} {
		problems, err := sim.CheckPolicy(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("%s: problems %q, want %q", doc, problems, want)
		}
	}
}
