package localaws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Bedrock Runtime's OpenAI-compatible Chat Completions API, POST
// /openai/v1/chat/completions (Bedrock user guide, "Invoke a model with the OpenAI Chat
// Completions API"): the model is the body's "model", the answer is a chat.completion
// object, or with "stream": true Server-Sent Events of chat.completion.chunk objects
// ending with "data: [DONE]"; with stream_options.include_usage the last chunk before
// [DONE] has empty choices and the usage, as the OpenAI API defines. Usage and text are
// the deterministic runtime's (bedrockruntime.go): prompt_tokens is ceil(body/4),
// completion_tokens is [[tokens:N]] or 16, capped by max_completion_tokens/max_tokens.

// ChatCompletionsPath is the path of the OpenAI-compatible API.
const ChatCompletionsPath = "/openai/v1/chat/completions"

func init() {
	RegisterBuiltin("bedrock-runtime", Operation{
		Name: "ChatCompletions", Method: http.MethodPost, Path: ChatCompletionsPath,
		Raw: func(c *Call, w http.ResponseWriter) {
			s, region := c.Server(), c.Region
			BedrockRuntimeOf(s).serveChat(w, c.Body, func(ref string) string { return s.ResolveModel(region, ref) })
		},
	})
}

func openAIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": status}})
	_, _ = w.Write(b)
}

func (b *BedrockRuntime) serveChat(w http.ResponseWriter, body []byte, resolve func(string) string) {
	var req struct {
		Model               string `json:"model"`
		Stream              bool   `json:"stream"`
		MaxCompletionTokens *int64 `json:"max_completion_tokens"`
		StreamOptions       struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" {
		openAIError(w, http.StatusBadRequest, "ValidationException", `the body must be a JSON object with "model" and "messages"`)
		return
	}
	model := resolve(req.Model)
	if model == "" {
		openAIError(w, http.StatusNotFound, "ResourceNotFoundException", "model "+req.Model+" not found")
		return
	}
	u := BedrockUsageFor(body) // bounds the output by max_tokens (maxTokensOf)
	if m := req.MaxCompletionTokens; m != nil && *m >= 0 && *m < u.OutputTokens {
		u.OutputTokens = *m
	}
	u.CacheReadTokens, u.CacheWriteTokens, u.CacheWrite1hTokens = 0, 0, 0 // Chat Completions has no prompt cache
	op := "chat-completions"
	if req.Stream {
		op = "chat-completions-stream"
	}
	b.mu.Lock()
	f := b.faults
	throttled := f.ThrottleNext > 0
	if throttled {
		b.faults.ThrottleNext--
		u = BedrockUsage{}
	}
	b.calls = append(b.calls, BedrockCall{Operation: op, ModelID: model, BodyBytes: len(body), Usage: u, Throttled: throttled, Signed: true})
	b.mu.Unlock()
	if throttled {
		openAIError(w, http.StatusTooManyRequests, "ThrottlingException", "Too many requests, please wait before trying again.")
		return
	}
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	id := "chatcmpl-" + strings.ReplaceAll(newUUID(), "-", "")
	created := time.Now().Unix()
	usage := openaiUsage(u)
	text := strings.Repeat("ab ", int(u.OutputTokens))
	if !req.Stream {
		writeJSON(w, map[string]any{
			"id": id, "object": "chat.completion", "created": created, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage":   usage,
		})
		return
	}
	writeChatStream(w, f.EventDelay, id, created, req.Model, text, usage, u.OutputTokens, req.StreamOptions.IncludeUsage)
}

// writeChatStream writes a streamed chat completion as server-sent events: the role,
// the text's pieces, the finish and, when the request asked, a last chunk with the
// usage; delay is the fault's pause after each event.
func writeChatStream(w http.ResponseWriter, delay time.Duration, id string, created int64, model, text string, usage map[string]any, outputTokens int64, includeUsage bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		var buf bytes.Buffer
		p, _ := json.Marshal(v)
		fmt.Fprintf(&buf, "data: %s\n\n", p)
		_, _ = w.Write(buf.Bytes())
		if flusher != nil {
			flusher.Flush()
		}
		if delay > 0 {
			time.Sleep(delay)
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for _, piece := range streamPieces(scriptedReply{text: text}, outputTokens) {
		send(chunk(map[string]any{"content": piece}, nil))
	}
	send(chunk(map[string]any{}, "stop"))
	if includeUsage {
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": []any{}, "usage": usage})
	}
	_, _ = w.Write([]byte("data: [DONE]\n\n"))
}
