package localaws

// A deterministic Bedrock Runtime: Converse, ConverseStream, InvokeModel and
// InvokeModelWithResponseStream on the restJson1 wire format with real event streams,
// so the official SDK clients (and the bedgov enforcer in front of them) can be tested
// without AWS. Usage is derived from the request so tests know the exact cost:
//
//	input tokens        = ceil(len(body) / 4)
//	output tokens       = N from a "[[tokens:N]]" marker anywhere in the body, else 16,
//	                      capped by the request's max tokens (inferenceConfig.maxTokens,
//	                      max_tokens, max_new_tokens, max_gen_len, maxTokenCount)
//	cache read / write  = N from "[[cache_read:N]]" / "[[cache_write:N]]", else 0
//	1-hour cache writes = N from "[[cache_write_1h:N]]", else 0 (reported with the cache
//	                      writes in Converse and Bedrock's headers and metrics, and
//	                      split by TTL in Anthropic's own usage block)
//
// InvokeModel bodies and streams carry each family's own usage block (Anthropic,
// OpenAI gpt-oss, Amazon Nova, Meta Llama) beside Bedrock's token-count headers and
// invocation metrics; "[[native_only]]" leaves Bedrock's out, so a client must read the
// family's block.
//
// The generated text is output-tokens copies of "ab " (3 bytes per token). Streams send
// one content delta per BedrockStreamChunkTokens tokens. Faults: latency before the
// response, a delay between stream events, throttling of the next N calls (HTTP 429
// ThrottlingException, nothing generated), and a stream failure after K deltas (either an
// in-stream modelStreamErrorException or a dropped connection).

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// BedrockStreamChunkTokens is how many output tokens one stream delta carries.
const BedrockStreamChunkTokens = 4

// BedrockDefaultOutputTokens is the output count when the body has no [[tokens:N]].
const BedrockDefaultOutputTokens = 16

// BedrockStreamFailure selects how a stream fails once BedrockFaults.FailStreamAfter
// deltas have been sent.
type BedrockStreamFailure string

const (
	// BedrockStreamException sends a modelStreamErrorException event and ends the stream.
	BedrockStreamException BedrockStreamFailure = "exception"
	// BedrockStreamDrop cuts the connection.
	BedrockStreamDrop BedrockStreamFailure = "drop"
)

// BedrockFaults are the runtime's injectable faults.
type BedrockFaults struct {
	Latency         time.Duration // before every response
	EventDelay      time.Duration // between stream events
	ThrottleNext    int           // the next N calls answer 429 ThrottlingException
	FailStreamAfter int           // >0: streams fail after this many deltas
	StreamFailure   BedrockStreamFailure
}

// BedrockCall is one recorded call.
type BedrockCall struct {
	Operation string
	ModelID   string
	BodyBytes int
	Usage     BedrockUsage
	Throttled bool
	Signed    bool
	// ServiceTier is the tier the call asked for (X-Amzn-Bedrock-Service-Tier on
	// InvokeModel, serviceTier.type on Converse), "" for the standard tier.
	ServiceTier string
}

// serviceTierOf reads the service tier a call asks for.
func serviceTierOf(r *http.Request, body []byte) string {
	if v := r.Header.Get("X-Amzn-Bedrock-Service-Tier"); v != "" {
		return v
	}
	var b struct {
		ServiceTier *struct {
			Type string `json:"type"`
		} `json:"serviceTier"`
	}
	if json.Unmarshal(body, &b) == nil && b.ServiceTier != nil {
		return b.ServiceTier.Type
	}
	return ""
}

// BedrockUsage is the usage the runtime reported (or would have) for a call.
type BedrockUsage struct {
	InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens int64
	// CacheWrite1hTokens are the 1-hour writes; CacheWriteTokens the 5-minute ones.
	CacheWrite1hTokens int64
	// NativeOnly: the response carries only the model family's usage block.
	NativeOnly bool
}

// allWrites is every cache write, as Bedrock's headers, metrics and Converse report them.
func (u BedrockUsage) allWrites() int64 { return u.CacheWriteTokens + u.CacheWrite1hTokens }

// BedrockRuntime is the deterministic runtime; it is an http.Handler.
type BedrockRuntime struct {
	mu     sync.Mutex
	faults BedrockFaults
	calls  []BedrockCall
	cache  promptCache // prefixes cached by prompt-cache checkpoints (bedrockruntime_script.go)
	// Models resolves a model id, model ARN or profile id/ARN from the path to a model
	// id, or "" when unknown (ResourceNotFoundException / ValidationException).
	Models func(ref string) string
}

// NewBedrockRuntime returns a runtime that accepts any reference resolve maps to a
// model (nil: any reference is accepted as its own model id).
func NewBedrockRuntime(resolve func(string) string) *BedrockRuntime {
	if resolve == nil {
		resolve = func(s string) string { return s }
	}
	return &BedrockRuntime{Models: resolve}
}

// SetFaults replaces the fault configuration.
func (b *BedrockRuntime) SetFaults(f BedrockFaults) { b.mu.Lock(); b.faults = f; b.mu.Unlock() }

// Calls returns a copy of the recorded calls.
func (b *BedrockRuntime) Calls() []BedrockCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]BedrockCall(nil), b.calls...)
}

// BedrockUsageFor computes the usage the runtime reports for a request body (exported
// so tests can predict costs).
func BedrockUsageFor(body []byte) BedrockUsage {
	u := BedrockUsage{InputTokens: int64((len(body) + 3) / 4), OutputTokens: BedrockDefaultOutputTokens}
	if n, ok := marker(body, "[[tokens:"); ok {
		u.OutputTokens = n
	}
	if n, ok := marker(body, "[[cache_read:"); ok {
		u.CacheReadTokens = n
	}
	if n, ok := marker(body, "[[cache_write:"); ok {
		u.CacheWriteTokens = n
	}
	if n, ok := marker(body, "[[cache_write_1h:"); ok {
		u.CacheWrite1hTokens = n
	}
	u.NativeOnly = bytes.Contains(body, []byte("[[native_only]]"))
	if m, ok := maxTokensOf(body); ok && m < u.OutputTokens {
		u.OutputTokens = m
	}
	return u
}

// maxTokensOf is the smallest output bound a request body sets.
func maxTokensOf(body []byte) (int64, bool) {
	var l struct {
		InferenceConfig struct {
			MaxTokens    *int64 `json:"maxTokens"`
			MaxNewTokens *int64 `json:"max_new_tokens"`
		} `json:"inferenceConfig"`
		MaxTokens            *int64 `json:"max_tokens"`
		MaxGenLen            *int64 `json:"max_gen_len"`
		TextGenerationConfig struct {
			MaxTokenCount *int64 `json:"maxTokenCount"`
		} `json:"textGenerationConfig"`
	}
	_ = json.Unmarshal(body, &l)
	var out int64
	found := false
	for _, m := range []*int64{l.InferenceConfig.MaxTokens, l.InferenceConfig.MaxNewTokens, l.MaxTokens, l.MaxGenLen, l.TextGenerationConfig.MaxTokenCount} {
		if m != nil && *m >= 0 && (!found || *m < out) {
			out, found = *m, true
		}
	}
	return out, found
}

func marker(body []byte, prefix string) (int64, bool) {
	i := bytes.Index(body, []byte(prefix))
	if i < 0 {
		return 0, false
	}
	rest := body[i+len(prefix):]
	j := bytes.IndexByte(rest, ']')
	if j < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	return n, err == nil && n >= 0 && n <= 1_000_000
}

func brError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(b)
}

// BedrockInvocation is what the runtime knows of one call it answered, handed to an
// invocation logger (bedrock_logging_delivery.go): the model reference as the caller
// gave it, the request body, the usage reported and the error code of a failed call.
// Output is the response body (converse, invoke) or the decoded stream events, in
// order (converse-stream, invoke-with-response-stream).
type BedrockInvocation struct {
	Time      time.Time
	RequestID string
	Operation string // the path suffix: converse, converse-stream, invoke, invoke-with-response-stream
	ModelRef  string
	Body      []byte
	Usage     BedrockUsage
	ErrorCode string
	Output    any
}

func (b *BedrockRuntime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.serve(w, r, b.Models, nil)
}

// serve answers one call, resolving the path's model with resolve. When logf is not
// nil it receives the call's invocation before the response's last byte is written
// (so a client that has its answer finds the log delivered), for every call that
// authenticated and named a known model: successes, throttled and invalid requests,
// and streams that fail midway. A stream the caller abandons is not logged.
func (b *BedrockRuntime) serve(w http.ResponseWriter, r *http.Request, resolve func(string) string, logf func(*BedrockInvocation)) {
	ref, op, ok := bedrockPath(w, r)
	if !ok {
		return
	}
	auth := r.Header.Get("Authorization")
	signed := strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || strings.HasPrefix(auth, "Bearer ")
	var body bytes.Buffer
	if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 25<<20)); err != nil {
		brError(w, http.StatusBadRequest, "ValidationException", "request body too large")
		return
	}
	model := resolve(ref)
	call, f, reply, scripted := b.record(r, op, model, body.Bytes(), signed)

	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	reqID := newUUID()
	w.Header().Set("X-Amzn-Requestid", reqID)
	var inv *BedrockInvocation
	if logf != nil {
		inv = &BedrockInvocation{Time: time.Now().UTC(), RequestID: reqID, Operation: op, ModelRef: ref, Body: body.Bytes(), Usage: call.Usage}
	}
	logError := func(code string) {
		if inv != nil && model != "" && signed {
			inv.ErrorCode, inv.Usage = code, BedrockUsage{}
			logf(inv)
		}
	}
	switch {
	case !signed:
		brError(w, http.StatusForbidden, "AccessDeniedException", "missing authentication")
		return
	case model == "":
		brError(w, http.StatusNotFound, "ResourceNotFoundException", "model "+ref+" not found")
		return
	case !json.Valid(body.Bytes()):
		logError("ValidationException")
		brError(w, http.StatusBadRequest, "ValidationException", "malformed request body")
		return
	case call.Throttled:
		logError("ThrottlingException")
		brError(w, http.StatusTooManyRequests, "ThrottlingException", "Too many requests, please wait before trying again.")
		return
	}
	u := call.Usage
	if !scripted {
		reply = scriptedReply{text: strings.Repeat("ab ", int(u.OutputTokens))}
	}
	stop := reply.stopReason()
	switch op {
	case "converse":
		resp := converseBody(reply, stop, u, f.Latency, call.ServiceTier)
		if inv != nil {
			inv.Output = resp
			logf(inv)
		}
		writeJSON(w, resp)
	case "invoke":
		setInvokeHeaders(w.Header(), u, f.Latency, call.ServiceTier)
		resp := invokeBody(model, messageID(body.Bytes()), reply, stop, u)
		if inv != nil {
			inv.Output = resp
			logf(inv)
		}
		writeJSON(w, resp)
	default:
		b.stream(w, r, op, model, messageID(body.Bytes()), reply, u, f, streamLogger(inv, logf))
	}
}

// bedrockPath reads the call's model reference and operation from its path,
// /model/{ref}/{op}; for a path that names no known operation it answers the caller
// and returns ok false.
func bedrockPath(w http.ResponseWriter, r *http.Request) (ref, op string, ok bool) {
	rest, found := strings.CutPrefix(r.URL.EscapedPath(), "/model/")
	i := strings.LastIndexByte(rest, '/')
	if !found || r.Method != http.MethodPost || i <= 0 {
		brError(w, http.StatusNotFound, "UnknownOperationException", "unknown operation")
		return "", "", false
	}
	op = rest[i+1:]
	var err error
	if ref, err = url.PathUnescape(rest[:i]); err != nil {
		brError(w, http.StatusBadRequest, "ValidationException", "invalid model identifier")
		return "", "", false
	}
	switch op {
	case "converse", "converse-stream", "invoke", "invoke-with-response-stream":
	default:
		brError(w, http.StatusNotFound, "UnknownOperationException", "unknown operation "+op)
		return "", "", false
	}
	return ref, op, true
}

// record counts the call: it takes one pending throttle, works out the usage of a call
// that is not throttled (capped by the request's max tokens for a scripted reply, with
// the prompt cache applied for a signed call to a known model), and returns the call,
// the faults in force when it came, and the body's scripted reply, if it has one.
func (b *BedrockRuntime) record(r *http.Request, op, model string, body []byte, signed bool) (BedrockCall, BedrockFaults, scriptedReply, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.faults
	throttled := f.ThrottleNext > 0
	if throttled {
		b.faults.ThrottleNext--
	}
	call := BedrockCall{Operation: op, ModelID: model, BodyBytes: len(body), Throttled: throttled, Signed: signed, ServiceTier: serviceTierOf(r, body)}
	reply, scripted := scriptFor(body)
	if !throttled {
		call.Usage = BedrockUsageFor(body)
		if scripted {
			call.Usage.OutputTokens = scriptedTokens(reply)
			if m, ok := maxTokensOf(body); ok && m < call.Usage.OutputTokens {
				call.Usage.OutputTokens = m
			}
		}
		if model != "" && signed {
			b.applyPromptCache(model, body, &call.Usage, time.Now())
		}
	}
	b.calls = append(b.calls, call)
	return call, f, reply, scripted
}

// streamLogger is stream's done for a logged call (nil when inv is): it hands logf the
// events sent, or the error code of a failed stream with no usage.
func streamLogger(inv *BedrockInvocation, logf func(*BedrockInvocation)) func(events []any, errorCode string) {
	if inv == nil {
		return nil
	}
	return func(events []any, errorCode string) {
		inv.Output, inv.ErrorCode = events, errorCode
		if errorCode != "" {
			inv.Usage = BedrockUsage{}
		}
		logf(inv)
	}
}

// converseBody is Converse's response: the reply's text or tool use, with its usage,
// latency and, when the request chose one, the service tier that served it.
func converseBody(reply scriptedReply, stop string, u BedrockUsage, latency time.Duration, tier string) map[string]any {
	content := map[string]any{"text": reply.text}
	if reply.tool != nil {
		content = map[string]any{"toolUse": map[string]any{"toolUseId": reply.tool.id, "name": reply.tool.name, "input": reply.tool.input}}
	}
	resp := map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": []any{content}}},
		"stopReason": stop,
		"usage":      converseUsage(u),
		"metrics":    map[string]any{"latencyMs": latency.Milliseconds()},
	}
	if tier != "" {
		resp["serviceTier"] = map[string]any{"type": tier} // the tier that served it
	}
	return resp
}

// setInvokeHeaders sets InvokeModel's usage (unless the model family reports only its
// own block), latency and service-tier headers.
func setInvokeHeaders(h http.Header, u BedrockUsage, latency time.Duration, tier string) {
	if !u.NativeOnly {
		h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.FormatInt(u.InputTokens, 10))
		h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.FormatInt(u.OutputTokens, 10))
		if u.CacheReadTokens > 0 {
			h.Set("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", strconv.FormatInt(u.CacheReadTokens, 10))
		}
		if u.allWrites() > 0 {
			h.Set("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", strconv.FormatInt(u.allWrites(), 10))
		}
	}
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(latency.Milliseconds(), 10))
	if tier != "" {
		h.Set("X-Amzn-Bedrock-Service-Tier", tier)
	}
}

func converseUsage(u BedrockUsage) map[string]any {
	m := map[string]any{"inputTokens": u.InputTokens, "outputTokens": u.OutputTokens, "totalTokens": u.InputTokens + u.OutputTokens + u.CacheReadTokens + u.allWrites()}
	if u.CacheReadTokens > 0 {
		m["cacheReadInputTokens"] = u.CacheReadTokens
	}
	if u.allWrites() > 0 {
		m["cacheWriteInputTokens"] = u.allWrites()
	}
	return m
}

// familyOf names the response format of a model: its provider prefix.
func familyOf(model string) string {
	switch p, _, _ := strings.Cut(model, "."); p {
	case "openai", "meta":
		return p
	case "amazon":
		if strings.HasPrefix(model, "amazon.nova") {
			return "nova"
		}
	}
	return "anthropic"
}

// anthropicUsage is Anthropic's usage object (input_tokens excludes cached tokens); out
// is its output count. The cache fields are always there, the 5-minute / 1-hour split
// when there were writes.
func anthropicUsage(u BedrockUsage, out int64) map[string]any {
	m := map[string]any{"input_tokens": u.InputTokens, "output_tokens": out,
		"cache_creation_input_tokens": u.allWrites(), "cache_read_input_tokens": u.CacheReadTokens}
	if u.allWrites() > 0 {
		m["cache_creation"] = map[string]any{"ephemeral_5m_input_tokens": u.CacheWriteTokens, "ephemeral_1h_input_tokens": u.CacheWrite1hTokens}
	}
	return m
}

func novaUsage(u BedrockUsage) map[string]any {
	return map[string]any{"inputTokens": u.InputTokens, "outputTokens": u.OutputTokens, "totalTokens": u.InputTokens + u.OutputTokens,
		"cacheReadInputTokenCount": u.CacheReadTokens, "cacheWriteInputTokenCount": u.allWrites()}
}

func openaiUsage(u BedrockUsage) map[string]any {
	return map[string]any{"prompt_tokens": u.InputTokens, "completion_tokens": u.OutputTokens, "total_tokens": u.InputTokens + u.OutputTokens}
}

// invokeBody is InvokeModel's response body in the model family's format; Anthropic's
// is the Messages response as Bedrock returns it (the scripted reply's text or tool use).
func invokeBody(model, msgID string, reply scriptedReply, stop string, u BedrockUsage) map[string]any {
	text := reply.text
	switch familyOf(model) {
	case "openai":
		return map[string]any{"id": "chatcmpl-local", "object": "chat.completion", "model": model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage":   openaiUsage(u)}
	case "nova":
		return map[string]any{"output": map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": text}}}},
			"stopReason": stop, "usage": novaUsage(u)}
	case "meta":
		return map[string]any{"generation": text, "prompt_token_count": u.InputTokens, "generation_token_count": u.OutputTokens, "stop_reason": "stop"}
	}
	return map[string]any{
		"id": msgID, "type": "message", "role": "assistant", "model": model,
		"content":     []any{anthropicBlock(reply, true)},
		"stop_reason": stop, "stop_sequence": nil, "usage": anthropicUsage(u, u.OutputTokens),
	}
}

// streamDelta is one InvokeModelWithResponseStream chunk carrying text; sofar is the
// output count once it is sent.
func streamDelta(fam, text string, u BedrockUsage, sofar int64, first bool) map[string]any {
	switch fam {
	case "openai":
		return map[string]any{"object": "chat.completion.chunk", "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": text}}}}
	case "nova":
		return map[string]any{"contentBlockDelta": map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": text}}}
	case "meta":
		m := map[string]any{"generation": text, "generation_token_count": sofar, "stop_reason": nil}
		if first {
			m["prompt_token_count"] = u.InputTokens
		}
		return m
	}
	return map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": text}}
}

// streamEnd is the last chunk of a stream, with the family's final usage.
func streamEnd(fam string, u BedrockUsage) map[string]any {
	switch fam {
	case "openai":
		return map[string]any{"object": "chat.completion.chunk", "choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}, "usage": openaiUsage(u)}
	case "nova":
		return map[string]any{"metadata": map[string]any{"usage": novaUsage(u)}}
	case "meta":
		return map[string]any{"generation": "", "generation_token_count": u.OutputTokens, "stop_reason": "stop"}
	}
	return map[string]any{"type": "message_stop"}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// stream writes the event stream; like Bedrock, it stops generating when the caller
// goes away. done, when not nil, gets the events sent (their payloads as each event
// type's member) before the last one goes out, or the error code of a failed stream.
func (b *BedrockRuntime) stream(w http.ResponseWriter, r *http.Request, op, model, msgID string, reply scriptedReply, u BedrockUsage, f BedrockFaults, done func(events []any, errorCode string)) {
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	if op == "invoke-with-response-stream" {
		w.Header().Set("X-Amzn-Bedrock-Content-Type", "application/json")
	}
	w.WriteHeader(http.StatusOK)
	s := &eventSender{w: w, enc: eventstream.NewEncoder(), op: op, delay: f.EventDelay, keep: done != nil}
	s.flusher, _ = w.(http.Flusher)
	// Event order as Bedrock sends it: ConverseStream's messageStart, contentBlockStart
	// (tool use only), contentBlockDelta..., contentBlockStop, messageStop, metadata;
	// Anthropic's message_start, content_block_start, content_block_delta...,
	// content_block_stop, message_delta, message_stop (which Bedrock extends with
	// amazon-bedrock-invocationMetrics); other families' chunks in their own format.
	fam := familyOf(model)
	switch {
	case op == "converse-stream":
		s.send("messageStart", map[string]any{"role": "assistant"})
		if reply.tool != nil {
			s.send("contentBlockStart", map[string]any{"contentBlockIndex": 0, "start": map[string]any{"toolUse": map[string]any{"toolUseId": reply.tool.id, "name": reply.tool.name}}})
		}
	case fam == "anthropic":
		s.send("chunk", map[string]any{"type": "message_start", "message": map[string]any{
			"id": msgID, "type": "message", "role": "assistant", "model": model,
			"content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": anthropicUsage(u, 1)}})
		s.send("chunk", map[string]any{"type": "content_block_start", "index": 0, "content_block": anthropicBlock(reply, false)})
	}
	pieces := streamPieces(reply, u.OutputTokens)
	deltas := 0
	for _, piece := range pieces {
		if r.Context().Err() != nil {
			return
		}
		if f.FailStreamAfter > 0 && deltas >= f.FailStreamAfter {
			s.fail(f, done)
			return
		}
		switch {
		case op == "converse-stream" && reply.tool != nil:
			s.send("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"toolUse": map[string]any{"input": piece}}})
		case op == "converse-stream":
			s.send("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": piece}})
		case fam != "anthropic":
			s.send("chunk", streamDelta(fam, piece, u, min(u.OutputTokens, int64(deltas+1)*BedrockStreamChunkTokens), deltas == 0))
		case reply.tool != nil:
			s.send("chunk", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "input_json_delta", "partial_json": piece}})
		default:
			s.send("chunk", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": piece}})
		}
		deltas++
	}
	if op == "converse-stream" {
		s.send("contentBlockStop", map[string]any{"contentBlockIndex": 0})
		s.send("messageStop", map[string]any{"stopReason": reply.stopReason()})
		last := map[string]any{"usage": converseUsage(u), "metrics": map[string]any{"latencyMs": f.Latency.Milliseconds()}}
		if done != nil {
			done(append(s.events, map[string]any{"metadata": last}), "")
		}
		s.send("metadata", last)
		return
	}
	if fam == "anthropic" {
		s.send("chunk", map[string]any{"type": "content_block_stop", "index": 0})
		s.send("chunk", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": reply.stopReason(), "stop_sequence": nil}, "usage": map[string]any{"output_tokens": u.OutputTokens}})
	}
	last := streamEnd(fam, u)
	if !u.NativeOnly {
		last["amazon-bedrock-invocationMetrics"] = invocationMetrics(u, f.Latency)
	}
	if done != nil {
		done(append(s.events, last), "")
	}
	s.send("chunk", last)
}

// eventSender writes one stream's events, keeping their payloads (as each event type's
// member for ConverseStream) for the invocation log when keep is set.
type eventSender struct {
	w       http.ResponseWriter
	flusher http.Flusher
	enc     *eventstream.Encoder
	op      string
	delay   time.Duration // the fault's delay after each event
	keep    bool
	events  []any
}

// send writes one event, as a base64 "chunk" for InvokeModelWithResponseStream.
func (s *eventSender) send(eventType string, payload any) {
	if s.keep {
		if s.op == "converse-stream" {
			s.events = append(s.events, map[string]any{eventType: payload})
		} else {
			s.events = append(s.events, payload)
		}
	}
	p, _ := json.Marshal(payload)
	if s.op == "invoke-with-response-stream" {
		p, _ = json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(p)})
		eventType = "chunk"
	}
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("event"))
	h.Set(":event-type", eventstream.StringValue(eventType))
	h.Set(":content-type", eventstream.StringValue("application/json"))
	_ = s.enc.Encode(s.w, eventstream.Message{Headers: h, Payload: p})
	if s.flusher != nil {
		s.flusher.Flush()
	}
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
}

// fail ends the stream with the injected mid-stream failure: a dropped connection or
// an in-stream modelStreamErrorException, after done has the events sent so far.
func (s *eventSender) fail(f BedrockFaults, done func(events []any, errorCode string)) {
	if done != nil {
		done(s.events, "ModelStreamErrorException")
	}
	if f.StreamFailure == BedrockStreamDrop {
		panic(http.ErrAbortHandler)
	}
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("exception"))
	h.Set(":exception-type", eventstream.StringValue("modelStreamErrorException"))
	h.Set(":content-type", eventstream.StringValue("application/json"))
	_ = s.enc.Encode(s.w, eventstream.Message{Headers: h, Payload: []byte(`{"message":"injected mid-stream failure"}`)})
}

// invocationMetrics is the amazon-bedrock-invocationMetrics member Bedrock adds to an
// InvokeModelWithResponseStream's last chunk.
func invocationMetrics(u BedrockUsage, latency time.Duration) map[string]any {
	metrics := map[string]any{"inputTokenCount": u.InputTokens, "outputTokenCount": u.OutputTokens, "invocationLatency": latency.Milliseconds(), "firstByteLatency": 0}
	if u.CacheReadTokens > 0 {
		metrics["cacheReadInputTokenCount"] = u.CacheReadTokens
	}
	if u.allWrites() > 0 {
		metrics["cacheWriteInputTokenCount"] = u.allWrites()
	}
	return metrics
}

// anthropicBlock is the reply's content block in Anthropic's shape; a streamed tool-use
// block starts with an empty input that input_json_delta events fill.
func anthropicBlock(r scriptedReply, whole bool) map[string]any {
	if r.tool != nil {
		input := any(map[string]any{})
		if whole {
			input = r.tool.input
		}
		return map[string]any{"type": "tool_use", "id": r.tool.id, "name": r.tool.name, "input": input}
	}
	if whole {
		return map[string]any{"type": "text", "text": r.text}
	}
	return map[string]any{"type": "text", "text": ""}
}

// streamPieces cuts the reply into stream deltas: BedrockStreamChunkTokens tokens of
// "ab " each for the default answer (so output tokens / 4 deltas), 3 bytes a token cut
// at character boundaries for a scripted one. An answer of 0 output tokens has no delta.
func streamPieces(r scriptedReply, outputTokens int64) []string {
	if outputTokens <= 0 {
		return nil
	}
	text := r.text
	if r.tool != nil {
		text = string(r.tool.input)
	}
	const size = 3 * BedrockStreamChunkTokens
	var out []string
	for len(text) > 0 {
		n := min(size, len(text))
		for n < len(text) && !utf8.RuneStart(text[n]) {
			n++
		}
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}

// messageID is an Anthropic message id derived from the request, so that the same
// request gets the same bytes back (the runtime is deterministic).
func messageID(body []byte) string {
	sum := sha256.Sum256(body)
	return fmt.Sprintf("msg_bdrk_%x", sum[:12])
}
