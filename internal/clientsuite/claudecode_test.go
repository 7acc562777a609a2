package clientsuite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// claudeCodeResult is the part of `claude -p --output-format json` the suite reads.
type claudeCodeResult struct {
	Type       string `json:"type"`
	Subtype    string `json:"subtype"`
	IsError    bool   `json:"is_error"`
	Result     string `json:"result"`
	NumTurns   int    `json:"num_turns"`
	ModelUsage map[string]struct {
		InputTokens              int64 `json:"inputTokens"`
		OutputTokens             int64 `json:"outputTokens"`
		CacheReadInputTokens     int64 `json:"cacheReadInputTokens"`
		CacheCreationInputTokens int64 `json:"cacheCreationInputTokens"`
	} `json:"modelUsage"`
}

// claudeEnv is Claude Code's Bedrock mode pointed at the enforcer: the enforcer's URL
// as its Bedrock base URL, the team's key as its bearer token, the team's profile as
// every model it uses, and nothing that would reach the internet.
func claudeEnv(t *testing.T, tm team, url string) []string {
	return clientEnv(t, tm, url,
		"CLAUDE_CODE_USE_BEDROCK=1",
		"ANTHROPIC_BEDROCK_BASE_URL="+strings.TrimSuffix(url, "/"),
		"ANTHROPIC_MODEL="+tm.profile,
		"ANTHROPIC_SMALL_FAST_MODEL="+tm.profile,
		"ANTHROPIC_DEFAULT_HAIKU_MODEL="+tm.profile,
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_TELEMETRY=1", "DISABLE_AUTOUPDATER=1", "DISABLE_ERROR_REPORTING=1",
	)
}

// runClaude runs one non-interactive Claude Code turn in dir, bounded in time (against
// an endpoint that refuses connections it retries for more than 40 s).
func runClaude(t *testing.T, tools clientTools, env []string, dir, prompt string, timeout time.Duration) (claudeCodeResult, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.claude, "-p", prompt, "--output-format", "json", "--allowedTools", "Read", "--max-turns", "4")
	cmd.Dir, cmd.Env = dir, env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var r claudeCodeResult
	if ctx.Err() != nil {
		return claudeCodeResult{IsError: true}, fmt.Sprintf("still running after %s (retrying?)\nstdout: %s\nstderr: %s", timeout, out, stderr.String())
	}
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		t.Fatalf("claude -p: %v (%v)\nstdout: %s\nstderr: %s", err, jerr, out, stderr.String())
	}
	return r, string(out) + stderr.String()
}

// claudeCodeTurn is Claude Code's real coding turn through the enforcer: it reads a file
// in a temporary folder with its Read tool and answers from what it read; the session's
// tokens are in the team's ledger at the team's prices.
func claudeCodeTurn(t *testing.T, tools clientTools, tm team, url string) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("the secret word is pelican\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := acctest.Emulator(t)
	before := e.CallCount("lambda", "InvokeFunctionUrl")
	prompt := fmt.Sprintf(`What is the secret word in notes.txt? [[tool:Read {"file_path":%q}]]`, notes)
	r, raw := runClaude(t, tools, claudeEnv(t, tm, url), dir, prompt, 90*time.Second)
	calls := e.CallCount("lambda", "InvokeFunctionUrl") - before

	if r.IsError || r.Subtype != "success" || !strings.Contains(r.Result, "pelican") {
		t.Fatalf("Claude Code did not answer from the file: %s", raw)
	}
	var seen governance.Usage
	for _, u := range r.ModelUsage {
		seen = seen.Add(governance.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, CacheReadTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheCreationInputTokens})
	}
	rec, err := governance.ReadCapRecord(context.Background(), acctest.Client(t).DynamoDB, tm.table, tm.name)
	if err != nil {
		t.Fatal(err)
	}
	got := governance.Usage{InputTokens: sum(rec.InputTokens), OutputTokens: sum(rec.OutputTokens), CacheReadTokens: sum(rec.CacheReadTokens), CacheWriteTokens: sum(rec.CacheWriteTokens)}
	t.Logf("claude-code: %d calls through the enforcer, %d turns, answer %q; usage seen %+v, ledger %+v, spend %s USD", calls, r.NumTurns, r.Result, seen, got, rec.Spent)
	if got != seen || rec.Spent != price.Cost(seen) && rec.Requests == 1 {
		t.Errorf("ledger %+v (spent %s) != the usage Claude Code reports %+v", got, rec.Spent, seen)
	}
	if rec.Spent <= 0 {
		t.Error("Claude Code's session cost nothing in the ledger")
	}
	claudeSpend, claudeUsage = rec.Spent, seen
}

// claudeCodeBlocked: a blocked team's Claude Code session is refused with the budget
// message, in one attempt, and costs nothing.
func claudeCodeBlocked(t *testing.T, tools clientTools, tm team, url string) {
	ctx := context.Background()
	dir := t.TempDir()
	e := acctest.Emulator(t)
	rec, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, tm.table, tm.name)
	if err != nil {
		t.Fatal(err)
	}
	charge(t, tm, governance.Micros(budgetUSD*1_000_000)-rec.Spent)
	before, bedrockBefore := e.CallCount("", ""), len(localaws.BedrockRuntimeOf(e).Calls())
	start := time.Now()
	// A refusal shown at once needs well under 30 s even on a loaded machine; a client
	// that retries the refusal with backoff is still waiting then.
	r, raw := runClaude(t, tools, claudeEnv(t, tm, url), dir, "What is in notes.txt?", 30*time.Second)
	refused := 0
	for _, c := range e.Calls()[before:] {
		if c.Operation == "InvokeFunctionUrl" && c.ErrorCode == "ServiceQuotaExceededException" {
			refused++
		}
	}
	t.Logf("claude-code blocked: %d refused request(s) in %s; it shows: %q", refused, time.Since(start).Round(time.Second), r.Result)
	if !r.IsError || !strings.Contains(r.Result, "monthly budget of 100.00 USD exceeded for team "+tm.name) {
		t.Errorf("Claude Code does not show the budget message: %s", raw)
	}
	// Claude Code answers a 400 by sending the request again with fewer beta features
	// (up to 8 requests for one prompt with 2.1.328), not by backing off: each is refused
	// by the enforcer before Bedrock. One refusal per feature set is all it may send.
	if refused == 0 || refused > 8 {
		t.Errorf("Claude Code sent %d requests on a blocked team", refused)
	}
	if n := len(localaws.BedrockRuntimeOf(e).Calls()) - bedrockBefore; n != 0 {
		t.Errorf("a blocked team's requests reached Bedrock %d times", n)
	}
	if after, err := governance.ReadCapRecord(ctx, acctest.Client(t).DynamoDB, tm.table, tm.name); err != nil || after.Spent != governance.Micros(budgetUSD*1_000_000) {
		t.Errorf("a refused session changed the spend: %v %v", after, err)
	}
}

// claudeSpend and claudeUsage are the Claude Code team's spend and tokens after its
// session, which the next step's bedgov_team_usage must show.
var (
	claudeSpend governance.Micros
	claudeUsage governance.Usage
)
