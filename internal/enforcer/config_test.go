package enforcer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := enforcer.FromEnv(env(map[string]string{"BEDGOV_TABLE": "caps", "AWS_REGION": "eu-west-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthMode != enforcer.AuthIAM || c.FailOpen || c.BedrockEndpoint != "https://bedrock-runtime.eu-west-1.amazonaws.com" ||
		c.ReservationTTL != 15*time.Minute || c.MaxBodyBytes != 20<<20 || c.IdentityCacheTTL != 30*time.Second || c.MetricsNamespace != "Bedgov/Enforcer" {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = enforcer.FromEnv(env(map[string]string{
		"BEDGOV_TABLE": "caps", "BEDGOV_BEDROCK_REGION": "us-west-2", "BEDGOV_AUTH_MODE": "API_KEY", "BEDGOV_FAIL_MODE": "open",
		"BEDGOV_RESERVATION_TTL": "5m", "BEDGOV_PRICING_OVERRIDES": `{"acme.model-v1:0":{"input_per_mtok":"1","output_per_mtok":"2"}}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthMode != enforcer.AuthAPIKey || !c.FailOpen || c.ReservationTTL != 5*time.Minute || c.Region != "us-west-2" {
		t.Fatalf("set: %+v", c)
	}
	if _, _, _, err := c.Pricing.Quote("acme.model-v1:0", nil, "us"); err != nil {
		t.Fatalf("override not applied: %v", err)
	}
	for name, kv := range map[string]map[string]string{
		"no table":      {"AWS_REGION": "us-east-1"},
		"no region":     {"BEDGOV_TABLE": "caps"},
		"bad mode":      {"BEDGOV_TABLE": "caps", "AWS_REGION": "us-east-1", "BEDGOV_AUTH_MODE": "oauth"},
		"bad fail mode": {"BEDGOV_TABLE": "caps", "AWS_REGION": "us-east-1", "BEDGOV_FAIL_MODE": "maybe"},
		"bad ttl":       {"BEDGOV_TABLE": "caps", "AWS_REGION": "us-east-1", "BEDGOV_RESERVATION_TTL": "-1s"},
		"bad body":      {"BEDGOV_TABLE": "caps", "AWS_REGION": "us-east-1", "BEDGOV_MAX_BODY_BYTES": "x"},
		"bad pricing":   {"BEDGOV_TABLE": "caps", "AWS_REGION": "us-east-1", "BEDGOV_PRICING_OVERRIDES": `{"m":{"input_per_mtok":"x"}}`},
	} {
		if _, err := enforcer.FromEnv(env(kv)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FromEnvironment is what both binaries run: real SDK clients built from the
// environment, pointed here at dynalite and the emulated runtime.
func TestFromEnvironmentServes(t *testing.T) {
	e := newEnv(t, envOpt{mode: enforcer.AuthAPIKey}, teamConfig("wired", 10*usd))
	t.Setenv("BEDGOV_TABLE", e.table)
	t.Setenv("BEDGOV_AUTH_MODE", "api_key")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", localaws.TestAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", localaws.TestSecretAccessKey)
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("BEDGOV_BEDROCK_ENDPOINT", e.emuSrv.URL)
	t.Setenv("BEDGOV_DYNAMODB_ENDPOINT", dynaURL)
	h, err := enforcer.FromEnvironment(context.Background(), nil, e.logs)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/model/"+sonnet+"/converse", strings.NewReader(converseBody("wired [[tokens:3]]", 10)))
	req.Header.Set("Authorization", "Bearer key-wired")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderTeam) != "wired" {
		t.Fatalf("status %d", resp.StatusCode)
	}
	srv.Close() // waits for the handler, which settles after the body
	if rec := e.record("wired"); rec.Spent != e.billed() || rec.Spent == 0 {
		t.Fatalf("spent %d want %d", rec.Spent, e.billed())
	}
}

// The provider hands the enforcer the Price List's changes (BEDGOV_PRICE_LIST) and the
// configured overrides; overrides win.
func TestFromEnvPriceListThenOverrides(t *testing.T) {
	t.Parallel()
	patch := `{"models":{"anthropic.claude-sonnet-4-6":{"name":"Claude Sonnet 4.6","max_output_tokens":128000,"prices":{"global":{"input":"2.00","output":"10.00"},"*":{"input":"2.20","output":"11.00"}}},
		"amazon.nova-2-lite-v1:0":{"max_output_tokens":1000,"prices":{"*":{"input":"0.40","output":"3.00"}}}}}`
	env := map[string]string{enforcer.EnvTable: "t", enforcer.EnvRegion: "us-east-1", enforcer.EnvPriceList: patch,
		enforcer.EnvPricingOverrides: `{"amazon.nova-2-lite-v1:0":{"input_per_mtok":"0.25","output_per_mtok":"2"}}`}
	c, err := enforcer.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if p, _, _ := c.Pricing.Lookup("anthropic.claude-sonnet-4-6", "global"); p.Output != 10*governance.MicrosPerUSD {
		t.Errorf("price list not applied: %+v", p)
	}
	if p, _, _ := c.Pricing.Lookup("amazon.nova-2-lite-v1:0", "us"); p.Input != 250_000 || p.Output != 2*governance.MicrosPerUSD {
		t.Errorf("override did not win: %+v", p)
	}
	env[enforcer.EnvPriceList] = "{"
	if _, err := enforcer.FromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), enforcer.EnvPriceList) {
		t.Errorf("bad price list: %v", err)
	}
}
