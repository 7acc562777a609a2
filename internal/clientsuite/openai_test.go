package clientsuite_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// openaiLane: the openai SDK on the OpenAI-compatible path, plain and streamed, with the
// same reservation and settlement: ledger = usage seen, degrade visible, and a blocked
// team refused with the budget message in one attempt.
func openaiLane(t *testing.T, drive driver, tm team, url string) {
	ctx := context.Background()
	db := acctest.Client(t).DynamoDB
	results := drive(t, tm, url, "turns")
	want, cost := served(t, results)
	if len(results) != 2 || results[0].Text != strings.Repeat("ab ", 8) || results[1].Text != strings.Repeat("ab ", 10) || results[1].Usage.Output != 10 {
		t.Fatalf("openai turns: %+v", results)
	}
	rec, err := governance.ReadCapRecord(ctx, db, tm.table, tm.name)
	if err != nil {
		t.Fatal(err)
	}
	got := governance.Usage{InputTokens: sum(rec.InputTokens), OutputTokens: sum(rec.OutputTokens), CacheReadTokens: sum(rec.CacheReadTokens), CacheWriteTokens: sum(rec.CacheWriteTokens)}
	if got != want || rec.Spent != cost || rec.Requests != 2 || rec.InputTokens[openaiModel] != want.InputTokens {
		t.Fatalf("ledger: usage %+v (%v), spent %s, requests %d; the client saw %+v, costing %s", got, rec.InputTokens, rec.Spent, rec.Requests, want, cost)
	}
	t.Logf("openai: 2 calls, usage seen %+v, spend recorded %s USD", want, rec.Spent)

	charge(t, tm, governance.Micros(budgetUSD*850_000)-rec.Spent)
	r := drive(t, tm, url, "one")
	if len(r) != 1 || r[0].Error != nil || r[0].State != "degraded" || r[0].ServedModel != openaiDegradeModel {
		t.Fatalf("degraded turn: %+v", r)
	}
	blockedTurn(t, drive, tm, url, "openai")
}

// ungoverned: paths the enforcer does not govern are refused with the team's own key,
// and nothing reaches Bedrock.
func ungoverned(t *testing.T, tm team, url string) {
	e := acctest.Emulator(t)
	bedrockBefore := len(localaws.BedrockRuntimeOf(e).Calls())
	client := acctest.TLS().HTTPClient()
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, "openai/v1/models"},
		{http.MethodPost, "openai/v1/embeddings"},
		{http.MethodPost, "openai/v1/responses"},
		{http.MethodPost, "model/" + tm.profile + "/count-tokens"},
		{http.MethodGet, "inference-profiles"},
		{http.MethodGet, "openai/v1/chat/completions"},
	} {
		req, _ := http.NewRequest(p.method, url+p.path, strings.NewReader(`{"model":"`+tm.profile+`","messages":[{"role":"user","content":"hi"}],"input":"hi"}`))
		req.Header.Set("Authorization", "Bearer "+tm.apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s /%s: %d, want 404", p.method, p.path, resp.StatusCode)
		}
	}
	if n := len(localaws.BedrockRuntimeOf(e).Calls()) - bedrockBefore; n != 0 {
		t.Errorf("%d ungoverned requests reached Bedrock", n)
	}
}
