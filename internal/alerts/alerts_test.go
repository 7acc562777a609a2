package alerts_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/alerts"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	account = "123456789012"
	topic   = "arn:aws:sns:us-east-1:123456789012:bedgov-ai-core"
	primary = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
	degrade = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/zyx987wvu654"
)

// golden compares a JSON document with testdata/<name> (indented there for review).
func golden(t *testing.T, name, doc string) {
	t.Helper()
	if !json.Valid([]byte(doc)) {
		t.Fatalf("%s: not JSON: %s", name, doc)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(doc), "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/alerts -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from the golden file:\n%s", name, pretty.String())
	}
}

func TestTopicPolicy(t *testing.T) {
	t.Parallel()
	doc := alerts.TopicPolicy("aws", account, topic)
	golden(t, "topic_policy.json", doc)

	// Every service statement is bound to the account (confused deputy).
	var parsed struct {
		Statement []struct {
			Principal map[string]string
			Condition map[string]map[string]string
			Resource  string
		}
	}
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		t.Fatal(err)
	}
	services := 0
	for _, s := range parsed.Statement {
		if s.Resource != topic {
			t.Errorf("statement on %s, want the topic", s.Resource)
		}
		if s.Principal["Service"] == "" {
			continue
		}
		services++
		if s.Condition["StringEquals"]["aws:SourceAccount"] != account {
			t.Errorf("%s may publish without aws:SourceAccount = %s", s.Principal["Service"], account)
		}
	}
	if services != 3 {
		t.Errorf("%d service statements, want Budgets, CloudWatch and Cost Anomaly Detection", services)
	}
}

func TestDashboardBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   alerts.DashboardInput
	}{
		{"dashboard_primary.json", alerts.DashboardInput{Team: "ai-core", Region: "us-east-1", Profiles: []alerts.Profile{{Label: "primary", ARN: primary}}}},
		{"dashboard_degrade_budget.json", alerts.DashboardInput{Team: "ai-core", Region: "eu-west-3", MonthlyBudgetUSD: "10000.00", Thresholds: [3]int64{50, 80, 100},
			Profiles: []alerts.Profile{{Label: "primary", ARN: primary, Tiers: []string{"priority", "flex"}}, {Label: "degraded", ARN: degrade}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := alerts.DashboardBody(tc.in)
			golden(t, tc.name, body)
			if alerts.DashboardBody(tc.in) != body {
				t.Fatal("the body is not deterministic")
			}
		})
	}
}

func TestAlarms(t *testing.T) {
	t.Parallel()
	if got := alerts.Alarms("ai-core", primary, nil, alerts.AlarmConfig{}); len(got) != 0 {
		t.Fatalf("no alarms configured, got %+v", got)
	}
	got := alerts.Alarms("ai-core", primary, []string{"priority", "flex"}, alerts.AlarmConfig{OutputTokensPerHour: 2000000, Throttles: true, ServerErrors: true})
	b, _ := json.Marshal(got)
	golden(t, "alarms.json", string(b))
	for _, a := range got {
		if a.ProfileARN != primary || len(a.Name) > 255 || len(a.ModelIDs) > alerts.MaxModelIDs {
			t.Errorf("alarm %+v", a)
		}
	}
}

// Bedrock reports priority and flex traffic under "model-id+priority" and
// "model-id+flex"; which form of a profile (ARN or id) ModelId carries is not documented,
// so both forms are watched in every tier the model offers.
func TestModelIDs(t *testing.T) {
	t.Parallel()
	id := primary[strings.LastIndex(primary, "/")+1:]
	got := alerts.ModelIDs(primary, []string{"priority", "flex"})
	want := []string{primary, primary + "+priority", primary + "+flex", id, id + "+priority", id + "+flex"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ModelIDs = %v, want %v", got, want)
	}
	if got := alerts.ModelIDs(primary, nil); len(got) != 2 || got[0] != primary || got[1] != id {
		t.Fatalf("standard tier only: %v", got)
	}
}
