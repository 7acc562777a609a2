package enforcer

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// usageMeter watches a response on its way to the client and works out what Bedrock
// billed. Exact counts come from the place Bedrock reports them: the Converse body's
// usage, InvokeModel's token-count headers, ConverseStream's metadata event,
// InvokeModelWithResponseStream's amazon-bedrock-invocationMetrics. When a stream ends
// before that report (client cancelled, upstream failed), the meter has an estimate
// of what was generated so far: output text bytes seen (an upper bound on tokens).
type usageMeter struct {
	op      operation
	exact   bool
	usage   governance.Usage
	seenOut int64 // bytes of generated text seen in a stream
	seenIn  int64 // input tokens reported early in a stream (Anthropic message_start)
	// native is the usage a model family reports in its own body or stream (Anthropic
	// message_start + message_delta, OpenAI's usage, Nova's, Llama's counts), used when
	// Bedrock's own report (headers, invocation metrics) is missing; nativeOut says an
	// output count was seen.
	native    governance.Usage
	nativeIn  bool
	nativeOut bool
	// ttlSplit: the report said which cache writes were 1-hour ones.
	ttlSplit bool
	// complete: the response body was read to its end (not cut, not cancelled).
	complete bool
	split    *governance.Usage // a 5-minute / 1-hour split seen in a native body or stream
	// streamErr is the first in-stream exception type (throttlingException, ...).
	streamErr string

	jsonBuf []byte // non-streaming body, bounded
	dec     esDecoder
	sseBuf  []byte // a Chat Completions stream's partial line (openai.go)
}

// maxJSONUsageBody bounds how much of a non-streaming response the meter keeps to read
// its usage; the copy to the client is not bounded by it.
const maxJSONUsageBody = 4 << 20

func newUsageMeter(op operation) *usageMeter {
	m := &usageMeter{op: op}
	m.dec.onMessage = m.onEvent
	return m
}

// atBoundary reports whether the stream seen so far ends exactly after a whole message.
// A Chat Completions stream (Server-Sent Events) has no exception event to end it with.
func (m *usageMeter) atBoundary() bool {
	return m.op != opChatStream && m.dec.err == nil && len(m.dec.buf) == 0
}

// fromHeaders reads InvokeModel's token-count headers.
func (m *usageMeter) fromHeaders(h http.Header) {
	if m.op != opInvoke {
		return
	}
	in, ok1 := headerInt(h, "X-Amzn-Bedrock-Input-Token-Count")
	out, ok2 := headerInt(h, "X-Amzn-Bedrock-Output-Token-Count")
	if !ok1 && !ok2 {
		return
	}
	cr, _ := headerInt(h, "X-Amzn-Bedrock-Cache-Read-Input-Token-Count")
	cw, _ := headerInt(h, "X-Amzn-Bedrock-Cache-Write-Input-Token-Count")
	m.usage = governance.Usage{InputTokens: in, OutputTokens: out, CacheReadTokens: cr, CacheWriteTokens: cw}
	m.exact = true
}

func headerInt(h http.Header, k string) (int64, bool) {
	v := h.Get(k)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

// Write is fed every response byte sent to the client.
func (m *usageMeter) Write(p []byte) (int, error) {
	switch m.op {
	case opConverseStream, opInvokeStream:
		return m.dec.Write(p)
	case opChatStream:
		m.writeSSE(p)
	case opConverse, opInvoke, opChat:
		if len(m.jsonBuf)+len(p) <= maxJSONUsageBody {
			m.jsonBuf = append(m.jsonBuf, p...)
		}
	}
	return len(p), nil
}

type converseUsage struct {
	InputTokens           int64 `json:"inputTokens"`
	OutputTokens          int64 `json:"outputTokens"`
	CacheReadInputTokens  int64 `json:"cacheReadInputTokens"`
	CacheWriteInputTokens int64 `json:"cacheWriteInputTokens"`
}

func (u converseUsage) toUsage() governance.Usage {
	return governance.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, CacheReadTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheWriteInputTokens}
}

// finishBody reads the usage of a whole body once it is complete: Converse's usage, or,
// for InvokeModel, the model family's own usage block (its totals when Bedrock's
// token-count headers are missing, its 5-minute / 1-hour cache split either way).
func (m *usageMeter) finishBody() {
	if m.op == opChat && !m.exact && len(m.jsonBuf) > 0 {
		m.chatBody()
		return
	}
	if m.op == opInvoke && len(m.jsonBuf) > 0 {
		m.readNative(m.jsonBuf)
		m.jsonBuf = nil
		if !m.exact && m.nativeIn && m.nativeOut {
			m.usage, m.exact = m.native, true
		}
		m.applySplit()
		return
	}
	if m.op != opConverse || m.exact || len(m.jsonBuf) == 0 {
		return
	}
	var body struct {
		Usage *converseUsage `json:"usage"`
	}
	if json.Unmarshal(m.jsonBuf, &body) == nil && body.Usage != nil {
		m.usage = body.Usage.toUsage()
		m.exact = true
	}
	m.jsonBuf = nil
}

func (m *usageMeter) onEvent(e *esMessage) {
	if e.MessageType == "exception" || e.MessageType == "error" {
		if m.streamErr == "" {
			m.streamErr = e.ExceptionType
			if m.streamErr == "" {
				m.streamErr = "error"
			}
		}
		return
	}
	switch e.EventType {
	case "metadata": // ConverseStream
		var md struct {
			Usage *converseUsage `json:"usage"`
		}
		if json.Unmarshal(e.Payload, &md) == nil && md.Usage != nil {
			m.usage = md.Usage.toUsage()
			m.exact = true
		}
	case "contentBlockDelta": // ConverseStream
		var d struct {
			Delta struct {
				Text    string `json:"text"`
				ToolUse struct {
					Input string `json:"input"`
				} `json:"toolUse"`
				ReasoningContent struct {
					Text string `json:"text"`
				} `json:"reasoningContent"`
			} `json:"delta"`
		}
		if json.Unmarshal(e.Payload, &d) == nil {
			m.seenOut += int64(len(d.Delta.Text) + len(d.Delta.ToolUse.Input) + len(d.Delta.ReasoningContent.Text))
		}
	case "chunk": // InvokeModelWithResponseStream
		var c struct {
			Bytes []byte `json:"bytes"` // base64 in JSON; decoded by encoding/json
		}
		if json.Unmarshal(e.Payload, &c) != nil {
			return
		}
		m.onChunk(c.Bytes)
	}
}

// onChunk reads one model-native chunk of InvokeModelWithResponseStream.
func (m *usageMeter) onChunk(b []byte) {
	var c struct {
		Metrics *struct {
			InputTokenCount           int64 `json:"inputTokenCount"`
			OutputTokenCount          int64 `json:"outputTokenCount"`
			CacheReadInputTokenCount  int64 `json:"cacheReadInputTokenCount"`
			CacheWriteInputTokenCount int64 `json:"cacheWriteInputTokenCount"`
		} `json:"amazon-bedrock-invocationMetrics"`
		Message struct {
			Usage struct {
				InputTokens int64 `json:"input_tokens"`
			} `json:"usage"`
		} `json:"message"`
	}
	if json.Unmarshal(b, &c) != nil {
		m.seenOut += int64(len(b))
		return
	}
	m.readNative(b)
	if c.Metrics != nil {
		m.usage = governance.Usage{InputTokens: c.Metrics.InputTokenCount, OutputTokens: c.Metrics.OutputTokenCount,
			CacheReadTokens: c.Metrics.CacheReadInputTokenCount, CacheWriteTokens: c.Metrics.CacheWriteInputTokenCount}
		m.exact = true
		m.applySplit()
		return
	}
	if c.Message.Usage.InputTokens > 0 {
		m.seenIn = c.Message.Usage.InputTokens
	}
	m.seenOut += int64(len(b))
}

// nativeUsage is every usage block the model families on Bedrock write in their own
// response bodies and stream chunks:
//
//	Anthropic  usage {input_tokens, output_tokens, cache_read_input_tokens,
//	           cache_creation_input_tokens, cache_creation {ephemeral_5m_input_tokens,
//	           ephemeral_1h_input_tokens}}, in the body, message_start's message and
//	           message_delta (whose output_tokens is the running total)
//	OpenAI     usage {prompt_tokens, completion_tokens} (gpt-oss)
//	Nova       usage {inputTokens, outputTokens, cacheReadInputTokenCount,
//	           cacheWriteInputTokenCount}; in streams under metadata
//	Llama      prompt_token_count, generation_token_count at the top level
type nativeUsage struct {
	InputTokens        *int64 `json:"input_tokens"`
	OutputTokens       *int64 `json:"output_tokens"`
	CacheReadInput     *int64 `json:"cache_read_input_tokens"`
	CacheCreationInput *int64 `json:"cache_creation_input_tokens"`
	CacheCreation      *struct {
		FiveMinutes int64 `json:"ephemeral_5m_input_tokens"`
		OneHour     int64 `json:"ephemeral_1h_input_tokens"`
	} `json:"cache_creation"`
	PromptTokens     *int64 `json:"prompt_tokens"`
	CompletionTokens *int64 `json:"completion_tokens"`
	NovaInput        *int64 `json:"inputTokens"`
	NovaOutput       *int64 `json:"outputTokens"`
	NovaCacheRead    *int64 `json:"cacheReadInputTokenCount"`
	NovaCacheWrite   *int64 `json:"cacheWriteInputTokenCount"`
}

type nativeDoc struct {
	Usage   *nativeUsage `json:"usage"`
	Message *struct {
		Usage *nativeUsage `json:"usage"`
	} `json:"message"`
	Metadata *struct {
		Usage *nativeUsage `json:"usage"`
	} `json:"metadata"`
	PromptTokenCount     *int64 `json:"prompt_token_count"`
	GenerationTokenCount *int64 `json:"generation_token_count"`
}

// readNative folds one body or chunk's native usage into m.native: counts are
// reported once (or as running totals), so a later value replaces an earlier one.
func (m *usageMeter) readNative(b []byte) {
	var d nativeDoc
	if json.Unmarshal(b, &d) != nil {
		return
	}
	if d.PromptTokenCount != nil {
		m.native.InputTokens, m.nativeIn = *d.PromptTokenCount, true
	}
	if d.GenerationTokenCount != nil {
		m.native.OutputTokens, m.nativeOut = *d.GenerationTokenCount, true
	}
	for i, u := range []*nativeUsage{d.Usage, msgUsage(d), metaUsage(d)} {
		if u == nil {
			continue
		}
		if i == 1 {
			// Anthropic's message_start: its output_tokens is a placeholder, the count
			// comes in message_delta.
			u.OutputTokens = nil
		}
		set := func(dst *int64, v *int64, flag *bool) {
			if v != nil {
				*dst = *v
				if flag != nil {
					*flag = true
				}
			}
		}
		set(&m.native.InputTokens, u.InputTokens, &m.nativeIn)
		set(&m.native.InputTokens, u.PromptTokens, &m.nativeIn)
		set(&m.native.InputTokens, u.NovaInput, &m.nativeIn)
		set(&m.native.OutputTokens, u.OutputTokens, &m.nativeOut)
		set(&m.native.OutputTokens, u.CompletionTokens, &m.nativeOut)
		set(&m.native.OutputTokens, u.NovaOutput, &m.nativeOut)
		set(&m.native.CacheReadTokens, u.CacheReadInput, nil)
		set(&m.native.CacheReadTokens, u.NovaCacheRead, nil)
		set(&m.native.CacheWriteTokens, u.CacheCreationInput, nil)
		set(&m.native.CacheWriteTokens, u.NovaCacheWrite, nil)
		if u.CacheCreation != nil {
			m.split = &governance.Usage{CacheWriteTokens: u.CacheCreation.FiveMinutes, CacheWrite1hTokens: u.CacheCreation.OneHour}
		}
	}
	if m.nativeIn && m.native.InputTokens > 0 {
		m.seenIn = m.native.InputTokens
	}
}

func msgUsage(d nativeDoc) *nativeUsage {
	if d.Message == nil {
		return nil
	}
	return d.Message.Usage
}

func metaUsage(d nativeDoc) *nativeUsage {
	if d.Metadata == nil {
		return nil
	}
	return d.Metadata.Usage
}

// applySplit divides the reported cache writes into 5-minute and 1-hour ones when a
// native report gave the split; writes beyond the split's sum stay 5-minute ones.
func (m *usageMeter) applySplit() {
	if m.split == nil || !m.exact {
		return
	}
	oneHour := min(m.split.CacheWrite1hTokens, m.usage.CacheWriteTokens)
	m.usage.CacheWrite1hTokens += oneHour
	m.usage.CacheWriteTokens -= oneHour
	m.ttlSplit = true
	m.split = nil
}

// billed is what the call is charged: the exact usage when Bedrock reported it;
// nothing when Bedrock refused the call (an error status, or a stream whose first event
// was an exception); otherwise, for a call cut short after Bedrock accepted it, an
// estimate that errs high: the input bound (or the input count the stream reported) and
// the generated bytes seen as output tokens. The bool reports an exact count.
func (m *usageMeter) billed(status int, inputBound int64) (governance.Usage, bool) {
	if !m.exact && m.complete && m.nativeIn && m.nativeOut && m.streamErr == "" && (m.op == opInvokeStream || m.op == opInvoke) {
		// No Bedrock report, but the model's own: Anthropic's message_start and
		// message_delta, or a final OpenAI / Nova / Llama usage block.
		m.usage, m.exact = m.native, true
		m.applySplit()
	}
	if m.exact {
		return m.usage, true
	}
	if status != http.StatusOK {
		return governance.Usage{}, true
	}
	switch m.op {
	case opConverseStream, opInvokeStream, opChatStream:
		if m.streamErr != "" && m.seenOut == 0 {
			return governance.Usage{}, false
		}
		in := inputBound
		if m.seenIn > 0 {
			in = m.seenIn
		}
		return governance.Usage{InputTokens: in, OutputTokens: m.seenOut}, false
	}
	// A 200 non-streaming response without usage (cut short or unreadable): the model
	// ran, charge the input bound and nothing generated that we can see.
	return governance.Usage{InputTokens: inputBound}, false
}
