package demo_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README's demo, end to end, so that it cannot rot: it must walk a team through
// notify, degrade and block with the official SDK, show the plan review of a budget cut,
// and serve the team again after an emergency override.
func TestDemo(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "terraform")); err != nil {
		t.Fatal("the Terraform CLI is missing: run make tools")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "demo.sh"))
	cmd.Env = append(os.Environ(), "BEDGOV_DEMO_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	// Terraform wraps diagnostics at its own width: compare with whitespace folded.
	flat := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Apply complete! Resources: 7 added",
		"bedgov_invocation_logging.audit: Creation complete",
		"team ai-core served by anthropic.claude-sonnet-4-6",
		"took team business past its notify threshold",
		"SNS arn:aws:sns:us-east-1:123456789012:bedgov-business: [bedgov: team business reached 50%",
		"took team business past its degrade threshold",
		"amazon.nova-2-lite-v1:0",
		"refused by the SDK with ServiceQuotaExceededException",
		"monthly budget of 2000.00 USD for team business",
		"Warning: Budget change restricts team business",
		"the team will be BLOCKED when this is applied",
		"team business served by",
		// Claude Code through the api_key enforcer over HTTPS, then refused once blocked.
		"Claude Code answered in 2 turns (it read NOTES.md with its Read tool): Read returned: 1 The deploy freeze starts on Friday at 18:00 UTC.",
		"bedgov_team_usage: claude-users has spent",
		"was refused: ",
		"monthly budget of 100.00 USD exceeded for team claude-users",
		"invocation records in s3://bedgov-demo-invocation-logs, e.g. AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/",
		"ai-core 1 34 4000 0", // the audit's line: calls, input and output tokens, errors
		"# Bedrock spend report",
		"| ai-core | anthropic.claude-sonnet-4-6 | 34 | 4000 |",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", out)
	}
}
