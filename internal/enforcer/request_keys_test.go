package enforcer

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Class 4: Bedrock reads a body's keys exactly; encoding/json matches struct fields
// case-insensitively (with Unicode folding: "ſ" is "s", the Kelvin sign "K" is "k"), last
// key winning. A body whose keys the two would read differently, or that repeats a key,
// is refused.
func TestMaxOutputTokensReadsKeysExactly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
	}{
		{"case variant after", `{"max_tokens":8000,"MAX_TOKENS":10}`},
		{"case variant alone", `{"MAX_TOKENS":10}`},
		{"nested case variant", `{"inferenceConfig":{"maxTokens":4000,"maxtokens":1}}`},
		{"case-variant parent", `{"InferenceConfig":{"maxTokens":1},"inferenceConfig":{"maxTokens":4000}}`},
		{"kelvin sign", `{"max_to` + "\u212a" + `ens":1,"max_tokens":4000}`},
		{"long s", `{"max_token` + "\u017f" + `":1}`},
		{"duplicate", `{"max_tokens":4000,"max_tokens":1}`},
		{"duplicate nested", `{"inferenceConfig":{"maxTokens":4000,"maxTokens":1}}`},
		{"duplicate elsewhere", `{"max_tokens":10,"messages":[{"role":"user","role":"assistant","content":"x"}]}`},
		{"case variants elsewhere", `{"max_tokens":10,"messages":[{"content":"a","Content":"b"}]}`},
	} {
		if got, err := maxOutputTokens([]byte(tc.body)); err == nil {
			t.Errorf("%s: %s read as %d, want a refusal", tc.name, tc.body, got)
		}
	}
	// Keys that merely resemble one read elsewhere are fine, and escapes are keys too.
	for body, want := range map[string]int64{
		`{"max_tokens":10,"messages":[{"role":"user","content":[{"text":"MAX_TOKENS"}]}]}`: 10,
		`{"max\u005ftokens":12}`: 12,
		`{"additionalModelRequestFields":{"max_tokens":5},"inferenceConfig":{"maxTokens":7}}`: 7,
		// A model-native max_tokens passed through Converse is read too: the larger wins.
		`{"additionalModelRequestFields":{"max_tokens":5000},"inferenceConfig":{"maxTokens":7}}`: 5000,
	} {
		if got, err := maxOutputTokens([]byte(body)); err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", body, got, err, want)
		}
	}
}

// exactMax is the reference reading: keys exactly as written (a map decode keeps them
// verbatim), the largest bound wins.
func exactMax(body []byte) (int64, bool) {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return 0, false
	}
	var max int64
	take := func(v any) bool {
		if v == nil {
			return true
		}
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || i < 0 {
			return false
		}
		max = maxInt(max, i)
		return true
	}
	ok := take(m["max_tokens"]) && take(m["max_gen_len"])
	if ic, isObj := m["inferenceConfig"].(map[string]any); isObj {
		ok = ok && take(ic["maxTokens"]) && take(ic["max_new_tokens"])
	}
	if tg, isObj := m["textGenerationConfig"].(map[string]any); isObj {
		ok = ok && take(tg["maxTokenCount"])
	}
	if am, isObj := m["additionalModelRequestFields"].(map[string]any); isObj {
		ok = ok && take(am["max_tokens"])
	}
	return max, ok
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// FuzzMaxOutputTokens: whatever the body, an accepted one is read exactly as Bedrock
// reads it (never below the exact reading), and repeats no key in any object. The
// seeds cover duplicate and case-variant keys and every Converse content kind.
func FuzzMaxOutputTokens(f *testing.F) {
	for _, s := range []string{
		`{"max_tokens":8000,"MAX_TOKENS":10}`,
		`{"inferenceConfig":{"maxTokens":4000,"maxTokens":1}}`,
		`{"max_to` + "\u212a" + `ens":1,"max_tokens":4000}`,
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":300,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}`,
		`{"messages":[{"role":"user","content":[{"text":"hi"},{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}},{"document":{"format":"pdf","name":"d","source":{"bytes":"JVBERi0="}}},{"video":{"format":"mp4","source":{"s3Location":{"uri":"s3://b/k"}}}},{"cachePoint":{"type":"default"}}]}],"inferenceConfig":{"maxTokens":9}}`,
		`{"messages":[{"role":"assistant","content":[{"toolUse":{"toolUseId":"t","name":"n","input":{"a":1}}},{"reasoningContent":{"reasoningText":{"text":"r"}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"t","content":[{"json":{"x":1}},{"text":"y"}]}},{"guardContent":{"text":{"text":"g"}}}]}],"system":[{"text":"s"}],"toolConfig":{"tools":[{"toolSpec":{"name":"n","inputSchema":{"json":{}}}}]}}`,
		`{"inputText":"x","textGenerationConfig":{"maxTokenCount":99}}`,
		`{"prompt":"x","max_gen_len":64}`,
		`{"messages":[],"inferenceConfig":{"max_new_tokens":77}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := maxOutputTokens(body)
		if err != nil {
			return
		}
		want, ok := exactMax(body)
		if !ok {
			t.Fatalf("accepted a body the exact reading refuses: %q", body)
		}
		if got < want {
			t.Fatalf("%q: read %d, Bedrock reads %d", body, got, want)
		}
		if dupKey(body) {
			t.Fatalf("accepted a body with a repeated key: %q", body)
		}
	})
}

// dupKey reports a key repeated in one object, anywhere in a valid JSON body.
func dupKey(body []byte) bool {
	d := json.NewDecoder(strings.NewReader(string(body)))
	type frame struct {
		obj  bool
		seen map[string]bool
		key  bool // next token is a key
	}
	var st []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		top := (*frame)(nil)
		if len(st) > 0 {
			top = st[len(st)-1]
		}
		if top != nil && top.obj && top.key {
			if k, ok := tok.(string); ok {
				if top.seen[k] {
					return true
				}
				top.seen[k] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			st = append(st, &frame{obj: true, seen: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			st = append(st, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			st = st[:len(st)-1]
		}
		if len(st) > 0 && st[len(st)-1].obj {
			st[len(st)-1].key = true
		}
	}
}
