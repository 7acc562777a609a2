package localaws

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The scripted model: enough of a model for real clients (Claude Code, the Anthropic
// SDK, boto3, the AWS SDKs) to run a coding turn against the deterministic runtime.
//
//   - Tool use: when the request offers tools and its last message is the user's text
//     with a "[[tool:NAME {json input}]]" marker, the answer is one tool-use block
//     calling NAME with that input (stop reason tool_use). The marker is read from the
//     last message only, so the next turn (which carries the tool's result) is not
//     asked for the tool again.
//   - Tool results: when the last message carries a tool result, the answer is the text
//     "NAME returned: <the result's text>" (cut to 2,000 bytes), so a test can see that
//     the client ran the tool and sent back what it read.
//   - Prompt caching: a request with cache checkpoints (Anthropic "cache_control",
//     Converse and InvokeModel "cachePoint") caches the prompt up to its last
//     checkpoint. The first request with a given prefix (per model) writes it to the
//     cache (cache write tokens), a request within five minutes with the same prefix
//     reads it (cache read tokens); the rest of the prompt is input tokens. Bedrock's
//     default cache time to live is five minutes (Bedrock user guide, "Prompt
//     caching"). The [[cache_read:N]] and [[cache_write:N]] markers take precedence.
//
// Output tokens of a scripted answer are ceil(len(answer)/3), capped by the request's
// max tokens.

// scriptedReply is the answer the runtime generates for a request.
type scriptedReply struct {
	text string
	tool *scriptedTool
}

type scriptedTool struct {
	id, name string
	input    json.RawMessage
}

func (r scriptedReply) stopReason(op string) string {
	if r.tool != nil {
		return "tool_use"
	}
	return "end_turn"
}

// message shapes of both request families, read leniently.
type scriptMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type scriptRequest struct {
	Messages   []scriptMessage `json:"messages"`
	Tools      json.RawMessage `json:"tools"` // Anthropic
	ToolConfig *struct {       // Converse
		Tools json.RawMessage `json:"tools"`
	} `json:"toolConfig"`
}

// scriptFor returns the scripted answer of a request, or false when the request asks
// for nothing scripted (then the runtime answers "ab " per output token).
func scriptFor(body []byte) (scriptedReply, bool) {
	if !bytes.Contains(body, []byte("[[tool:")) && !bytes.Contains(body, []byte("tool_result")) && !bytes.Contains(body, []byte("toolResult")) {
		return scriptedReply{}, false
	}
	var req scriptRequest
	if json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
		return scriptedReply{}, false
	}
	last := req.Messages[len(req.Messages)-1]
	if last.Role != "user" {
		return scriptedReply{}, false
	}
	blocks := contentBlocks(last.Content)
	for _, b := range blocks {
		if name, text, ok := toolResultOf(b, req.Messages); ok {
			if len(text) > 2000 {
				text = text[:2000]
			}
			return scriptedReply{text: name + " returned: " + text}, true
		}
	}
	hasTools := len(bytes.TrimSpace(req.Tools)) > 2 || (req.ToolConfig != nil && len(bytes.TrimSpace(req.ToolConfig.Tools)) > 2)
	if !hasTools {
		return scriptedReply{}, false
	}
	for _, b := range blocks {
		text := blockText(b)
		i := strings.Index(text, "[[tool:")
		if i < 0 {
			continue
		}
		rest := text[i+len("[[tool:"):]
		sp := strings.IndexAny(rest, " ]")
		if sp <= 0 {
			continue
		}
		name, input := rest[:sp], "{}"
		if rest[sp] == ' ' {
			dec := json.NewDecoder(strings.NewReader(rest[sp+1:]))
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				continue
			}
			input = string(raw)
		}
		sum := sha256.Sum256(body)
		return scriptedReply{tool: &scriptedTool{id: fmt.Sprintf("toolu_bdrk_%x", sum[:12]), name: name, input: json.RawMessage(input)}}, true
	}
	return scriptedReply{}, false
}

// contentBlocks splits a message's content: a string (Anthropic shorthand) is one text
// block.
func contentBlocks(raw json.RawMessage) []map[string]json.RawMessage {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, _ := json.Marshal(s)
		return []map[string]json.RawMessage{{"type": json.RawMessage(`"text"`), "text": t}}
	}
	var blocks []map[string]json.RawMessage
	_ = json.Unmarshal(raw, &blocks)
	return blocks
}

func blockText(b map[string]json.RawMessage) string {
	var s string
	_ = json.Unmarshal(b["text"], &s)
	return s
}

// toolResultOf reads a tool result block: Anthropic {"type":"tool_result",
// "tool_use_id", "content": string | blocks} or Converse {"toolResult": {"toolUseId",
// "content": [{"text"} | {"json"}]}}. The tool's name comes from the assistant turn
// that asked for it.
func toolResultOf(b map[string]json.RawMessage, msgs []scriptMessage) (name, text string, ok bool) {
	var id string
	var content json.RawMessage
	if tr, has := b["toolResult"]; has {
		var v struct {
			ToolUseID string          `json:"toolUseId"`
			Content   json.RawMessage `json:"content"`
		}
		if json.Unmarshal(tr, &v) != nil {
			return "", "", false
		}
		id, content = v.ToolUseID, v.Content
	} else if string(b["type"]) == `"tool_result"` {
		_ = json.Unmarshal(b["tool_use_id"], &id)
		content = b["content"]
	} else {
		return "", "", false
	}
	var parts []string
	for _, c := range contentBlocks(content) {
		if t := blockText(c); t != "" {
			parts = append(parts, t)
		} else if j, has := c["json"]; has {
			parts = append(parts, string(j))
		}
	}
	return toolNameOf(id, msgs), strings.Join(parts, "\n"), true
}

func toolNameOf(id string, msgs []scriptMessage) string {
	for _, m := range msgs {
		for _, b := range contentBlocks(m.Content) {
			var v struct {
				ID        string `json:"id"`
				ToolUseID string `json:"toolUseId"`
				Name      string `json:"name"`
			}
			if tu, has := b["toolUse"]; has {
				_ = json.Unmarshal(tu, &v)
				v.ID = v.ToolUseID
			} else if string(b["type"]) == `"tool_use"` {
				_ = json.Unmarshal(mustJSON(b), &v)
			}
			if v.ID == id && v.Name != "" {
				return v.Name
			}
		}
	}
	return "the tool"
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// scriptedTokens is the output token count of a scripted answer.
func scriptedTokens(r scriptedReply) int64 {
	n := len(r.text)
	if r.tool != nil {
		n = len(r.tool.name) + len(r.tool.input)
	}
	return int64(max(1, (n+2)/3))
}

// promptCache is the runtime's prompt cache: prefix hash -> expiry.
type promptCache map[[32]byte]time.Time

// promptCacheTTL is Bedrock's default cache time to live.
const promptCacheTTL = 5 * time.Minute

var cacheCheckpoints = [][]byte{[]byte(`"cache_control"`), []byte(`"cachePoint"`)}

// applyPromptCache splits a request's input tokens into cache reads or writes of the
// prefix before its last checkpoint. Called with b.mu held.
func (b *BedrockRuntime) applyPromptCache(model string, body []byte, u *BedrockUsage, now time.Time) {
	if u.CacheReadTokens > 0 || u.CacheWriteTokens > 0 {
		return // markers decide
	}
	end := -1
	for _, cp := range cacheCheckpoints {
		if i := bytes.LastIndex(body, cp); i > end {
			end = i
		}
	}
	if end <= 0 {
		return
	}
	prefix := int64((end + 3) / 4)
	if prefix >= u.InputTokens {
		prefix = u.InputTokens - 1
	}
	if prefix <= 0 {
		return
	}
	key := sha256.Sum256(append([]byte(model+"\x00"), body[:end]...))
	if b.cache == nil {
		b.cache = promptCache{}
	}
	if exp, ok := b.cache[key]; ok && now.Before(exp) {
		u.CacheReadTokens = prefix
	} else {
		u.CacheWriteTokens = prefix
	}
	b.cache[key] = now.Add(promptCacheTTL) // a hit refreshes the time to live
	u.InputTokens -= prefix
}
