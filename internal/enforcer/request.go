package enforcer

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

type operation uint8

const (
	opUnknown operation = iota
	opConverse
	opConverseStream
	opInvoke
	opInvokeStream
	opChat       // OpenAI-compatible Chat Completions (openai.go)
	opChatStream // the same with "stream": true
)

var opNames = [...]string{"", "Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream", "ChatCompletions", "ChatCompletionsStream"}

func (o operation) String() string { return opNames[o] }

func (o operation) suffix() string {
	switch o {
	case opConverse:
		return "converse"
	case opConverseStream:
		return "converse-stream"
	case opInvoke:
		return "invoke"
	case opInvokeStream:
		return "invoke-with-response-stream"
	}
	return ""
}

func (o operation) streaming() bool {
	return o == opConverseStream || o == opInvokeStream || o == opChatStream
}

const maxModelIDLen = 2048

var errBadPath = errors.New("unknown operation")

// parsePath splits /model/{modelId}/{operation}. escapedPath is the request's escaped
// path: model ids that are ARNs arrive with ':' and '/' percent-encoded.
func parsePath(escapedPath string) (string, operation, error) {
	if escapedPath == chatPath {
		return "", opChat, nil // the model and "stream" are in the body: chatRoute
	}
	rest, ok := strings.CutPrefix(escapedPath, "/model/")
	if !ok {
		return "", opUnknown, errBadPath
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return "", opUnknown, errBadPath
	}
	var op operation
	switch rest[i+1:] {
	case "converse":
		op = opConverse
	case "converse-stream":
		op = opConverseStream
	case "invoke":
		op = opInvoke
	case "invoke-with-response-stream":
		op = opInvokeStream
	default:
		return "", opUnknown, errBadPath
	}
	id, err := url.PathUnescape(rest[:i])
	if err != nil || id == "" || len(id) > maxModelIDLen || strings.ContainsAny(id, "\x00\r\n") {
		return "", opUnknown, errors.New("invalid model identifier")
	}
	return id, op, nil
}

// requestLimits are the fields of a request body that bound its output.
type requestLimits struct {
	InferenceConfig *struct {
		MaxTokens    json.Number `json:"maxTokens"`
		MaxNewTokens json.Number `json:"max_new_tokens"`
	} `json:"inferenceConfig"`
	MaxTokens            json.Number `json:"max_tokens"`            // Anthropic, Mistral, Cohere, OpenAI
	MaxCompletionTokens  json.Number `json:"max_completion_tokens"` // OpenAI Chat Completions
	MaxGenLen            json.Number `json:"max_gen_len"`           // Meta Llama
	TextGenerationConfig *struct {
		MaxTokenCount json.Number `json:"maxTokenCount"` // Amazon Titan
	} `json:"textGenerationConfig"`
	// Converse passes additionalModelRequestFields to the model as its own parameters:
	// a max_tokens there may be what the model reads.
	AdditionalModelRequestFields *struct {
		MaxTokens json.Number `json:"max_tokens"`
	} `json:"additionalModelRequestFields"`
}

var errBadBody = errors.New("the request body is not a JSON object")

// requestFields are the top-level body fields the request path reads, decoded from the
// body once: its output bounds, billing dimensions and guardrail fields. requestLimits
// alone is what checkKeys checks. Only requestLimits' fields can fail to decode (the
// others are raw), so a body that decodes here is one maxOutputTokens accepted before.
type requestFields struct {
	requestLimits
	dimFields
	guardrailFields
}

// decodeRequest decodes a request body's requestFields.
func decodeRequest(body []byte) (*requestFields, error) {
	var f requestFields
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, errBadBody
	}
	return &f, nil
}

// bodyTree decodes a body into a generic tree on first use and keeps it, for the walks
// that need the whole body (content blocks, cache checkpoints): a body is decoded so at
// most once however many of them run.
func bodyTree(body []byte) func() (any, error) {
	var v any
	var err error
	done := false
	return func() (any, error) {
		if !done {
			err, done = json.Unmarshal(body, &v), true
		}
		return v, err
	}
}

// maxOutputTokens reads the largest output bound a request body sets (0 when it sets
// none). Converse bodies use inferenceConfig.maxTokens; InvokeModel bodies are
// model-native and the known spellings are all read, the largest wins. body is the
// body l was decoded from.
func (l *requestLimits) maxOutputTokens(body []byte) (int64, error) {
	if err := checkKeys(body); err != nil {
		return 0, err
	}
	var max int64
	take := func(n json.Number) error {
		if n == "" {
			return nil
		}
		v, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || v < 0 {
			return errors.New("max tokens must be a non-negative integer")
		}
		if v > max {
			max = v
		}
		return nil
	}
	var errs []error
	if l.InferenceConfig != nil {
		errs = append(errs, take(l.InferenceConfig.MaxTokens), take(l.InferenceConfig.MaxNewTokens))
	}
	if l.TextGenerationConfig != nil {
		errs = append(errs, take(l.TextGenerationConfig.MaxTokenCount))
	}
	if l.AdditionalModelRequestFields != nil {
		errs = append(errs, take(l.AdditionalModelRequestFields.MaxTokens))
	}
	errs = append(errs, take(l.MaxTokens), take(l.MaxGenLen), take(l.MaxCompletionTokens))
	return max, errors.Join(errs...)
}

// invocationIDOK accepts the SDKs' invocation ids (UUIDs) and similar tokens; anything
// else is replaced by a generated id and gets no idempotency.
func invocationIDOK(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// attemptOf reads the attempt number from the SDKs' "amz-sdk-request: attempt=2; max=3"
// header; 1 when absent or unreadable.
func attemptOf(h string) int {
	for _, part := range strings.Split(h, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k == "attempt" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return 1
}
