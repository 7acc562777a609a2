package governance

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEnforcerInvokePolicy(t *testing.T) {
	t.Parallel()
	doc, err := EnforcerInvokePolicy("aws", "123456789012", "prod")
	if err != nil {
		t.Fatal(err)
	}
	var parsed policyDoc
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		t.Fatal(err)
	}
	if len(parsed.Statement) != 2 {
		t.Fatalf("%d statements: %s", len(parsed.Statement), doc)
	}
	profiles, models := parsed.Statement[0], parsed.Statement[1]
	if got := profiles.Condition["StringEquals"]["aws:ResourceTag/bedgov:enforcer"]; len(got) != 1 || got[0] != "prod" {
		t.Errorf("profile statement not conditioned on the enforcer tag: %s", doc)
	}
	if len(profiles.Resource) != 1 || profiles.Resource[0] != "arn:aws:bedrock:*:123456789012:application-inference-profile/*" {
		t.Errorf("profile resources %v", profiles.Resource)
	}
	if got := models.Condition["ArnLike"]["bedrock:InferenceProfileArn"]; len(got) != 1 || got[0] != profiles.Resource[0] {
		t.Errorf("model statement not conditioned on an application profile: %s", doc)
	}
	for _, r := range models.Resource {
		if strings.Contains(r, "application-inference-profile") {
			t.Errorf("model statement grants %s without the tag condition", r)
		}
	}
	// The document is the same for 1 team or 500: it names no team.
	if n := PolicySize(doc); n > 1024 {
		t.Errorf("policy is %d characters; it must stay small and fixed", n)
	}
	for _, bad := range [][3]string{{"aws", "12", "prod"}, {"aws", "123456789012", "Prod!"}, {"aws", "123456789012", ""}} {
		if _, err := EnforcerInvokePolicy(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
