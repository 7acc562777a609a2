package governance

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestEnforcerRolePolicies(t *testing.T) {
	t.Parallel()
	trust, err := EnforcerTrustPolicy("123456789012")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(trust, `"aws:SourceAccount":"123456789012"`) || !strings.Contains(trust, `"Service":"lambda.amazonaws.com"`) {
		t.Fatalf("trust policy = %s", trust)
	}
	if _, err := EnforcerTrustPolicy("12"); err == nil {
		t.Fatal("a bad account id must be refused")
	}

	doc, err := EnforcerRolePolicy("aws", "us-east-1", "123456789012",
		"arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/bedgov-enforcer:*")
	if err != nil {
		t.Fatal(err)
	}
	var parsed policyDoc
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CapLedger":         "arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps",
		"CapReservations":   "arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps/index/reservations",
		"Logs":              "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/bedgov-enforcer:*",
		"TeamNotifications": "arn:aws:sns:us-east-1:123456789012:bedgov-*",
	}
	// Exactly the calls of the layout-2 ledger, each on the resource IAM checks it on.
	wantActions := map[string][]string{
		"CapLedger": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
			"dynamodb:DeleteItem"},
		"CapReservations": {"dynamodb:Query"},
	}
	for _, st := range parsed.Statement {
		if w, ok := wantActions[st.Sid]; ok && !slices.Equal(st.Action, w) {
			t.Errorf("%s: actions %v, want %v", st.Sid, st.Action, w)
		}
		if len(st.Resource) != 1 || st.Resource[0] != want[st.Sid] {
			t.Errorf("%s: resources %v, want [%s]", st.Sid, st.Resource, want[st.Sid])
		}
		for _, a := range st.Action {
			if strings.HasSuffix(a, "*") {
				t.Errorf("%s: wildcard action %s", st.Sid, a)
			}
		}
	}
	if len(parsed.Statement) != len(want) {
		t.Fatalf("%d statements, want %d", len(parsed.Statement), len(want))
	}
	if _, err := EnforcerRolePolicy("aws", "us-east-1", "123456789012", "bedgov-caps", "x"); err == nil {
		t.Fatal("a table name instead of an ARN must be refused")
	}
}
