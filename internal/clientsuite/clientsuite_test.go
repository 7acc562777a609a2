package clientsuite_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

const (
	// Claude Haiku 4.5 is served only through inference profiles: the team uses the
	// US system profile, the prices are keyed by the model id.
	primaryModelID = "anthropic.claude-haiku-4-5-20251001-v1:0"
	primaryModel   = "us." + primaryModelID
	degradeModel   = "anthropic.claude-3-haiku-20240307-v1:0"
	// The OpenAI-compatible path's team: gpt-oss, degrading to its smaller sibling.
	openaiModel        = "openai.gpt-oss-120b-1:0"
	openaiDegradeModel = "openai.gpt-oss-20b-1:0"
	budgetUSD          = 100
)

// The prices of the suite's models (the overrides below), in micro-dollars per million
// tokens: 10, 50, 1 and 20 micro-dollars a token, so every cost is exact and the ledger
// can be compared with the clients' usage to the micro-dollar.
var price = governance.Price{Input: 10_000_000, Output: 50_000_000, CacheRead: 1_000_000, CacheWrite: 20_000_000}

// usage is what a client reported for one call.
type usage struct {
	Input      int64 `json:"input"`
	Output     int64 `json:"output"`
	CacheRead  int64 `json:"cacheRead"`
	CacheWrite int64 `json:"cacheWrite"`
}

func (u usage) gov() governance.Usage {
	return governance.Usage{InputTokens: u.Input, OutputTokens: u.Output, CacheReadTokens: u.CacheRead, CacheWriteTokens: u.CacheWrite}
}

// result is one call as a client saw it (one JSON line of a driver).
type result struct {
	Call  string `json:"call"`
	Usage usage  `json:"usage"`
	Text  string `json:"text"`
	Tool  *struct {
		Name  string         `json:"name"`
		Input map[string]any `json:"input"`
	} `json:"tool"`
	Stop        string `json:"stop"`
	Model       string `json:"model"` // the model the response names (Anthropic bodies)
	State       string `json:"state"`
	ServedModel string `json:"servedModel"`
	Error       *struct {
		Name    string `json:"name"`
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// deployment is what terraform apply made: the enforcers' URLs and each team's profile
// and key.
type deployment struct {
	keyURL, iamURL, keyTable, iamTable string
	teams                              map[string]team
}

type team struct {
	name, profile, apiKey, table, role string
}

// clientNames are the api_key-mode teams, one per client, plus the iam-mode ones.
var (
	keyClients = []string{"go", "js", "anthropic", "boto3", "claude"}
	iamClients = []string{"go", "js", "boto3"}
)

func suiteConfig(prefix string, roles map[string]string) string {
	provider := acctest.ProviderConfig()
	// Function URLs are made on the emulator's HTTPS listener, so the URLs the clients
	// get are https:// ones, as on AWS.
	provider = strings.Replace(provider, fmt.Sprintf("lambda = %q", acctest.Endpoint()), fmt.Sprintf("lambda = %q", acctest.HTTPSEndpoint()), 1)
	var b strings.Builder
	b.WriteString(provider)
	prices := `{ input_per_mtok = "10", output_per_mtok = "50", cache_read_per_mtok = "1", cache_write_per_mtok = "20" }`
	fmt.Fprintf(&b, `
locals {
  prices = {
    %[2]q = %[4]s
    %[3]q = %[4]s
    %[5]q = %[4]s
    %[6]q = %[4]s
  }
}

resource "bedgov_enforcer" "key" {
  name              = "%[1]s-k"
  auth_mode         = "api_key"
  pricing_overrides = local.prices
}

resource "bedgov_enforcer" "iam" {
  name              = "%[1]s-i"
  pricing_overrides = local.prices
}
`, prefix, primaryModelID, degradeModel, prices, openaiModel, openaiDegradeModel)
	for _, c := range keyClients {
		b.WriteString(teamBlock("key_"+c, prefix+"-k"+c, primaryModel, degradeModel, "key", ""))
	}
	b.WriteString(teamBlock("key_openai", prefix+"-kopenai", openaiModel, openaiDegradeModel, "key", ""))
	for _, c := range iamClients {
		b.WriteString(teamBlock("iam_"+c, prefix+"-i"+c, primaryModel, degradeModel, "iam", roles[c]))
	}
	return b.String()
}

// teamBlock is one of the suite's teams, on bedgov_enforcer.<enforcer>; an iam-mode
// team has its principal.
func teamBlock(addr, name, model, degrade, enforcer, principal string) string {
	block := fmt.Sprintf(`
resource "bedgov_team" %q {
  name             = %q
  model            = %q
  degrade_to_model = %q
  monthly_budget   = %d
  enforcer         = bedgov_enforcer.%s.id
`, addr, name, model, degrade, budgetUSD, enforcer)
	if principal != "" {
		block += fmt.Sprintf("  principals       = [%q]\n", principal)
	}
	return block + "}\n"
}

func attr(s *terraform.State, addr, name string) string {
	r, ok := s.RootModule().Resources[addr]
	if !ok {
		return ""
	}
	return r.Primary.Attributes[name]
}

// TestAccClients deploys two enforcers (api_key and iam mode) and a team per client
// with the real Terraform CLI, then drives each client through its team's lane.
func TestAccClients(t *testing.T) {
	tools := requireClients(t)
	prefix := acctest.RandomName()
	roles := map[string]string{}
	for _, c := range iamClients {
		roles[c] = createRole(t, prefix+"-"+c+"-app")
	}
	var d deployment
	usageConfig := suiteConfig(prefix, roles) + (`
data "bedgov_team_usage" "claude" {
  team     = bedgov_team.key_claude.name
  enforcer = bedgov_enforcer.key.id
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: suiteConfig(prefix, roles),
			Check: func(s *terraform.State) error {
				d = deployment{
					keyURL: attr(s, "bedgov_enforcer.key", "function_url"), iamURL: attr(s, "bedgov_enforcer.iam", "function_url"),
					keyTable: prefix + "-k-caps", iamTable: prefix + "-i-caps", teams: map[string]team{},
				}
				if !strings.HasPrefix(d.keyURL, "https://") || !strings.HasPrefix(d.iamURL, "https://") {
					return fmt.Errorf("function URLs %q, %q: want https", d.keyURL, d.iamURL)
				}
				for _, c := range append(keyClients, "openai") {
					addr := "bedgov_team.key_" + c
					d.teams["key/"+c] = team{name: prefix + "-k" + c, profile: attr(s, addr, "inference_profile_arn"), apiKey: attr(s, addr, "api_key"), table: d.keyTable}
				}
				for _, c := range iamClients {
					d.teams["iam/"+c] = team{name: prefix + "-i" + c, profile: attr(s, "bedgov_team.iam_"+c, "inference_profile_arn"), table: d.iamTable, role: roles[c]}
				}
				runSuite(t, tools, d)
				return nil
			},
		}, {
			// Claude Code's session as the team's usage shows it in Terraform.
			Config: usageConfig,
			Check: func(s *terraform.State) error {
				addr := "data.bedgov_team_usage.claude"
				if got, want := attr(s, addr, "spent_usd"), fmt.Sprint(claudeSpend.USD()); got != want || claudeSpend <= 0 {
					return fmt.Errorf("bedgov_team_usage spent_usd = %s, want Claude Code's session cost %s", got, want)
				}
				var tokens governance.Usage
				for i := 0; attr(s, addr, fmt.Sprintf("models.%d.model_id", i)) != ""; i++ {
					n := func(k string) int64 {
						v, _ := strconv.ParseInt(attr(s, addr, fmt.Sprintf("models.%d.%s", i, k)), 10, 64)
						return v
					}
					tokens = tokens.Add(governance.Usage{InputTokens: n("input_tokens"), OutputTokens: n("output_tokens"), CacheReadTokens: n("cache_read_tokens"), CacheWriteTokens: n("cache_write_tokens")})
				}
				if tokens != claudeUsage {
					return fmt.Errorf("bedgov_team_usage models %+v, Claude Code reported %+v", tokens, claudeUsage)
				}
				t.Run("api_key/claude-code-blocked", func(t *testing.T) { claudeCodeBlocked(t, tools, d.teams["key/claude"], d.keyURL) })
				return nil
			},
		}},
	})
}

// driver runs one client's scenario and returns what it saw.
type driver func(t *testing.T, tm team, url, scenario string, env ...string) []result

func runSuite(t *testing.T, tools clientTools, d deployment) {
	drivers := map[string]driver{
		"go":        goDriver("api_key"),
		"js":        nodeDriver(tools, "js", ""),
		"anthropic": nodeDriver(tools, "anthropic", ""),
		"boto3":     boto3Driver(tools, ""),
	}
	for _, c := range []string{"go", "js", "anthropic", "boto3"} {
		t.Run("api_key/"+c, func(t *testing.T) {
			lane(t, drivers[c], d.teams["key/"+c], d.keyURL, c)
		})
	}
	// The JS v3 client over HTTP/1.1 (NodeHttpHandler), for endpoints that offer no h2.
	t.Run("api_key/js-http1.1", func(t *testing.T) {
		tm := d.teams["key/js"]
		r := nodeDriver(tools, "js", "")(t, tm, d.keyURL, "one", "BEDGOV_HTTP1=1")
		if len(r) != 1 || r[0].Error == nil || !strings.Contains(r[0].Error.Message, "monthly budget") {
			t.Fatalf("over HTTP/1.1 the blocked js team got %+v", r)
		}
	})
	iamDrivers := map[string]driver{
		"go":    goDriver("iam"),
		"js":    nodeDriver(tools, "js", "lambda"),
		"boto3": boto3Driver(tools, "lambda"),
	}
	for _, c := range iamClients {
		t.Run("iam/"+c, func(t *testing.T) {
			lane(t, iamDrivers[c], d.teams["iam/"+c], d.iamURL, c)
		})
	}
	t.Run("api_key/openai", func(t *testing.T) { openaiLane(t, nodeDriver(tools, "openai", ""), d.teams["key/openai"], d.keyURL) })
	t.Run("api_key/ungoverned-paths", func(t *testing.T) { ungoverned(t, d.teams["key/go"], d.keyURL) })
	t.Run("api_key/claude-code", func(t *testing.T) { claudeCodeTurn(t, tools, d.teams["key/claude"], d.keyURL) })
}

// lane is the whole check of one client: the turns, the ledger against the usage the
// client saw, degrade, and the refusal of a blocked team.
func lane(t *testing.T, drive driver, tm team, url, client string) {
	ctx := context.Background()
	db := acctest.Client(t).DynamoDB
	results := drive(t, tm, url, "turns")
	want, cost := served(t, results)
	byCall := map[string]result{}
	for _, r := range results {
		byCall[r.Call] = r
	}
	for _, c := range []string{"plain", "stream", "tool", "tool-answer", "cache-write", "cache-hit"} {
		if _, ok := byCall[c]; !ok {
			t.Fatalf("the client made no %s call: %+v", c, results)
		}
	}
	if r := byCall["plain"]; r.Text != strings.Repeat("ab ", 8) || r.Usage.Output != 8 || r.Usage.Input <= 0 {
		t.Errorf("plain turn: %+v", r)
	}
	if r := byCall["stream"]; r.Text != strings.Repeat("ab ", 10) || r.Usage.Output != 10 {
		t.Errorf("streamed turn: %+v", r)
	}
	if r := byCall["tool"]; r.Tool == nil || r.Tool.Name != "Read" || r.Tool.Input["file_path"] != "/tmp/notes.txt" || r.Stop != "tool_use" {
		t.Errorf("tool-use turn: %+v", r)
	}
	if r := byCall["tool-answer"]; r.Text != "Read returned: the secret word is pelican" {
		t.Errorf("answer to the tool result: %+v", r)
	}
	if w, h := byCall["cache-write"], byCall["cache-hit"]; w.Usage.CacheWrite <= 0 || h.Usage.CacheRead != w.Usage.CacheWrite || h.Usage.CacheWrite != 0 {
		t.Errorf("prompt cache: write %+v, hit %+v", w.Usage, h.Usage)
	}
	rec, err := governance.ReadCapRecord(ctx, db, tm.table, tm.name)
	if err != nil {
		t.Fatal(err)
	}
	got := governance.Usage{InputTokens: sum(rec.InputTokens), OutputTokens: sum(rec.OutputTokens), CacheReadTokens: sum(rec.CacheReadTokens), CacheWriteTokens: sum(rec.CacheWriteTokens)}
	if got != want || rec.Spent != cost || rec.Requests != int64(len(results)) {
		t.Fatalf("ledger: usage %+v, spent %s, requests %d; the client saw %+v, costing %s, in %d calls", got, rec.Spent, rec.Requests, want, cost, len(results))
	}
	t.Logf("%s: %d calls, usage seen %+v, spend recorded %s USD (= the usage at the team's prices)", client, len(results), want, rec.Spent)

	// Degrade: another of the team's calls settles and takes it to 85 %; the client's
	// next turn is served by the cheaper model, and the response says so.
	charge(t, tm, governance.Micros(budgetUSD*850_000)-rec.Spent)
	r := drive(t, tm, url, "one")
	if len(r) != 1 || r[0].Error != nil {
		t.Fatalf("degraded turn: %+v", r)
	}
	if r[0].State != "degraded" || r[0].ServedModel != degradeModel {
		t.Errorf("degrade is not visible to the client: state %q, model %q", r[0].State, r[0].ServedModel)
	}
	if r[0].Model != "" && r[0].Model != degradeModel {
		t.Errorf("the response names model %q, want the degrade model", r[0].Model)
	}

	// Blocked: the next call is refused with the budget message, in one attempt.
	blockedTurn(t, drive, tm, url, client)
}

// served is the usage the client saw over its turns, and its cost at the team's
// prices; a turn that failed fails the test.
func served(t *testing.T, results []result) (governance.Usage, governance.Micros) {
	t.Helper()
	var want governance.Usage
	var cost governance.Micros
	for _, r := range results {
		if r.Error != nil {
			t.Fatalf("%s: %s (%d) %s", r.Call, r.Error.Name, r.Error.Status, r.Error.Message)
		}
		want = want.Add(r.Usage.gov())
		cost += price.Cost(r.Usage.gov())
	}
	return want, cost
}

// blockedTurn takes the team to its budget and checks that the client's next call is
// refused with the budget message, in one attempt (a budget refusal is not retried).
func blockedTurn(t *testing.T, drive driver, tm team, url, client string) {
	t.Helper()
	rec, err := governance.ReadCapRecord(context.Background(), acctest.Client(t).DynamoDB, tm.table, tm.name)
	if err != nil {
		t.Fatal(err)
	}
	charge(t, tm, governance.Micros(budgetUSD*1_000_000)-rec.Spent)
	e := acctest.Emulator(t)
	before := e.CallCount("lambda", "InvokeFunctionUrl")
	r := drive(t, tm, url, "one")
	attempts := e.CallCount("lambda", "InvokeFunctionUrl") - before
	if len(r) != 1 || r[0].Error == nil {
		t.Fatalf("a blocked team was served: %+v", r)
	}
	msg := r[0].Error.Message
	t.Logf("%s blocked: %d attempt(s), the user sees %s (%d): %q", client, attempts, r[0].Error.Name, r[0].Error.Status, msg)
	if !strings.Contains(msg, "monthly budget of 100.00 USD exceeded for team "+tm.name) || regexp.MustCompile(`(?i)throttl|too many requests|rate exceeded`).MatchString(msg) {
		t.Errorf("the user sees %q, not the budget message", msg)
	}
	if attempts != 1 {
		t.Errorf("a blocked team's client made %d attempts, want 1 (a budget refusal must not be retried)", attempts)
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// charge settles a call of the team outside the client under test (another of the
// team's applications, as the enforcer would settle it).
func charge(t *testing.T, tm team, amount governance.Micros) {
	t.Helper()
	if amount <= 0 {
		return
	}
	if err := governance.LateCharge(context.Background(), acctest.Client(t).DynamoDB, tm.table, tm.name, 0, amount, primaryModel, governance.Usage{}); err != nil {
		t.Fatalf("charging the team: %v", err)
	}
}

// clientTools are the client programs found on this machine.
type clientTools struct {
	node, python, nodeDir, claude string
}

// requireClients finds every client; a missing one fails the run with how to get it.
func requireClients(t *testing.T) clientTools {
	t.Helper()
	var c clientTools
	var missing []string
	var err error
	if c.node, err = exec.LookPath("node"); err != nil {
		missing = append(missing, "Node.js (apt-get install nodejs npm)")
	}
	c.nodeDir = os.Getenv("BEDGOV_NODE_DIR")
	if c.nodeDir == "" {
		c.nodeDir = filepath.Join(repoRoot(t), "tools", "node")
	}
	for _, pkg := range []string{"@anthropic-ai/bedrock-sdk", "@aws-sdk/client-bedrock-runtime", "@anthropic-ai/claude-code", "openai"} {
		if _, err := os.Stat(filepath.Join(c.nodeDir, "node_modules", pkg, "package.json")); err != nil {
			missing = append(missing, fmt.Sprintf("%s (run `make tools`: npm ci in tools/node installs the pinned version)", pkg))
		}
	}
	c.claude = filepath.Join(c.nodeDir, "node_modules", ".bin", "claude")
	if c.python, err = exec.LookPath("python3"); err != nil {
		missing = append(missing, "python3 with boto3 (apt-get install python3, then pip install boto3>=1.39)")
	} else if out, err := exec.Command(c.python, "-c", "import boto3, botocore; print(botocore.__version__)").CombinedOutput(); err != nil {
		missing = append(missing, "boto3 for python3 (pip install 'boto3>=1.39': Bedrock API keys need botocore 1.39 or later; Debian's python3-boto3 is too old): "+strings.TrimSpace(string(out)))
	}
	if len(missing) > 0 {
		t.Fatalf("the client suite needs every client; missing:\n  %s", strings.Join(missing, "\n  "))
	}
	return c
}

func repoRoot(t *testing.T) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "GNUmakefile")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("cannot find the repository root")
		}
		dir = parent
	}
}

// clientEnv is a client process's environment: nothing of this machine's AWS setup,
// the run's CA trusted by every TLS stack, and the lane's URL and model.
func clientEnv(t *testing.T, tm team, url string, extra ...string) []string {
	home := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + os.TempDir(),
		"AWS_REGION=" + acctest.Region, "AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"SSL_CERT_FILE=" + acctest.CAFile(), "AWS_CA_BUNDLE=" + acctest.CAFile(), "NODE_EXTRA_CA_CERTS=" + acctest.CAFile(),
		"BEDGOV_URL=" + url, "BEDGOV_MODEL=" + tm.profile,
	}
	if tm.apiKey != "" {
		env = append(env, "AWS_BEARER_TOKEN_BEDROCK="+tm.apiKey)
	} else {
		creds := roleCredentials(t, tm.role)
		env = append(env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey, "AWS_SESSION_TOKEN="+creds.SessionToken)
	}
	return append(env, extra...)
}

// runDriver runs a driver process and parses its JSON lines.
func runDriver(t *testing.T, cmd *exec.Cmd) []result {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s\n%s", strings.Join(cmd.Args, " "), err, out, stderr.String())
	}
	var rs []result
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("driver output %q: %v", sc.Text(), err)
		}
		rs = append(rs, r)
	}
	return rs
}

func nodeDriver(tools clientTools, client, signingName string) driver {
	return func(t *testing.T, tm team, url, scenario string, env ...string) []result {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tools.node, filepath.Join(tools.nodeDir, "clients", "drive.mjs"), client, scenario)
		cmd.Env = clientEnv(t, tm, url, append(env, "BEDGOV_SIGNING_NAME="+signingName)...)
		return runDriver(t, cmd)
	}
}

func boto3Driver(tools clientTools, signingName string) driver {
	return func(t *testing.T, tm team, url, scenario string, env ...string) []result {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tools.python, filepath.Join(tools.nodeDir, "clients", "drive_boto3.py"), scenario)
		cmd.Env = clientEnv(t, tm, url, append(env, "BEDGOV_SIGNING_NAME="+signingName)...)
		return runDriver(t, cmd)
	}
}
