package localaws

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// Chat Completions bounds the output by max_tokens and max_completion_tokens, reports it
// in OpenAI's usage block, and records no prompt-cache tokens (the API has none).
func TestChatCompletionsUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body string
		out  int64
	}{
		{`{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":"hi [[tokens:9]]"}]}`, 9},
		{`{"model":"openai.gpt-oss-20b-1:0","max_tokens":4,"messages":[{"role":"user","content":"hi [[tokens:9]]"}]}`, 4},
		{`{"model":"openai.gpt-oss-20b-1:0","max_completion_tokens":3,"messages":[{"role":"user","content":"hi [[tokens:9]]"}]}`, 3},
		{`{"model":"openai.gpt-oss-20b-1:0","max_tokens":5,"max_completion_tokens":7,"messages":[{"role":"user","content":"hi [[tokens:9]] [[cache_read:2]] [[cache_write:3]] [[cache_write_1h:4]]"}]}`, 5},
	} {
		b := NewBedrockRuntime(nil)
		w := httptest.NewRecorder()
		b.serveChat(w, []byte(c.body), func(s string) string { return s })
		var resp struct {
			Usage map[string]int64 `json:"usage"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 200 {
			t.Fatalf("%s: status %d, %v: %s", c.body, w.Code, err, w.Body)
		}
		in := int64((len(c.body) + 3) / 4)
		if resp.Usage["completion_tokens"] != c.out || resp.Usage["prompt_tokens"] != in || resp.Usage["total_tokens"] != in+c.out {
			t.Errorf("%s: usage %v, want %d completion and %d prompt tokens", c.body, resp.Usage, c.out, in)
		}
		calls := b.Calls()
		if len(calls) != 1 {
			t.Fatalf("%d calls recorded", len(calls))
		}
		if u := calls[0].Usage; u.OutputTokens != c.out || u.CacheReadTokens != 0 || u.allWrites() != 0 {
			t.Errorf("%s: recorded usage %+v, want %d output tokens and no cache tokens", c.body, u, c.out)
		}
	}
}
