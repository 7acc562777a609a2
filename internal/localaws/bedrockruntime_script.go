package localaws

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
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

func (r scriptedReply) stopReason() string {
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
	// The last turn: Claude Code appends a "system" role message after the user's.
	var last scriptMessage
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role != "system" {
			last = req.Messages[i]
			break
		}
	}
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

// promptCache is the runtime's prompt cache: the hashes of cached prefixes (model and
// request bytes up to a checkpoint) with their expiry, and the lengths cached, which
// are where a later request may hit.
type promptCache struct {
	prefixes map[[32]byte]time.Time
	lengths  map[int]time.Time
}

// promptCacheTTL is Bedrock's default cache time to live.
const promptCacheTTL = 5 * time.Minute

// promptPrefix lays a request's prompt out in the order a prompt cache reads it
// (tools, then system, then messages: Anthropic's "Prompt caching" documentation, which
// Bedrock follows), one canonical JSON element after another with its checkpoint markers
// removed, so that a prefix compares equal whatever the client's key order and wherever
// its checkpoints moved. ends are the stream's lengths at the checkpoints: after each
// element with Anthropic "cache_control", and before each Converse "cachePoint" block.
func promptPrefix(body []byte) (stream []byte, ends []int) {
	if !bytes.Contains(body, []byte(`"cache_control"`)) && !bytes.Contains(body, []byte(`"cachePoint"`)) {
		return nil, nil
	}
	var req struct {
		Tools      []json.RawMessage `json:"tools"`
		ToolConfig *struct {
			Tools []json.RawMessage `json:"tools"`
		} `json:"toolConfig"`
		System   json.RawMessage `json:"system"`
		Messages []scriptMessage `json:"messages"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil, nil
	}
	add := func(raw json.RawMessage) {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			stream = append(stream, raw...)
			return
		}
		if _, ok := m["cachePoint"]; ok && len(m) == 1 {
			ends = append(ends, len(stream))
			return
		}
		_, checkpoint := m["cache_control"]
		delete(m, "cache_control")
		stream = append(stream, mustJSON(m)...) // map keys marshal sorted
		if checkpoint {
			ends = append(ends, len(stream))
		}
	}
	tools := req.Tools
	if req.ToolConfig != nil {
		tools = req.ToolConfig.Tools
	}
	for _, t := range tools {
		add(t)
	}
	for _, b := range contentBlocks(req.System) {
		add(mustJSON(b))
	}
	for _, m := range req.Messages {
		stream = append(stream, m.Role...)
		for _, b := range contentBlocks(m.Content) {
			add(mustJSON(b))
		}
	}
	return stream, ends
}

// applyPromptCache splits a request's input tokens into cached and uncached ones. The
// prompt up to the last checkpoint is cached: the longest part of it that an earlier
// request cached (at any of that request's checkpoints, so a conversation whose
// checkpoint moves to the newest turn still reads the turns before) is read from the
// cache, the rest up to the last checkpoint is written. A prefix is ceil(bytes/4)
// tokens of promptPrefix's stream. Called with b.mu held.
func (b *BedrockRuntime) applyPromptCache(model string, body []byte, u *BedrockUsage, now time.Time) {
	if u.CacheReadTokens > 0 || u.allWrites() > 0 {
		return // markers decide
	}
	stream, ends := promptPrefix(body)
	if len(ends) == 0 {
		return
	}
	body = stream
	if b.cache.prefixes == nil {
		b.cache = promptCache{prefixes: map[[32]byte]time.Time{}, lengths: map[int]time.Time{}}
	}
	key := func(n int) [32]byte { return sha256.Sum256(append([]byte(model+"\x00"), body[:n]...)) }
	last := slices.Max(ends)
	hit := 0
	for n, exp := range b.cache.lengths {
		if n <= last && n > hit && now.Before(exp) {
			if e, ok := b.cache.prefixes[key(n)]; ok && now.Before(e) {
				hit = n
			}
		}
	}
	tokens := func(n int) int64 { return int64((n + 3) / 4) }
	cached := min(tokens(last), u.InputTokens-1)
	read := min(tokens(hit), cached)
	if cached <= 0 {
		return
	}
	u.CacheReadTokens, u.CacheWriteTokens = read, cached-read
	u.InputTokens -= cached
	for _, n := range ends { // every checkpoint's prefix is cached; a hit refreshes its time to live
		b.cache.prefixes[key(n)] = now.Add(promptCacheTTL)
		b.cache.lengths[n] = now.Add(promptCacheTTL)
	}
}
