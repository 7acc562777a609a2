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
	case opConverse, opChat:
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

// finishBody reads the Converse body's usage once the body is complete.
func (m *usageMeter) finishBody() {
	if m.op == opChat && !m.exact && len(m.jsonBuf) > 0 {
		m.chatBody()
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
	if c.Metrics != nil {
		m.usage = governance.Usage{InputTokens: c.Metrics.InputTokenCount, OutputTokens: c.Metrics.OutputTokenCount,
			CacheReadTokens: c.Metrics.CacheReadInputTokenCount, CacheWriteTokens: c.Metrics.CacheWriteInputTokenCount}
		m.exact = true
		return
	}
	if c.Message.Usage.InputTokens > 0 {
		m.seenIn = c.Message.Usage.InputTokens
	}
	m.seenOut += int64(len(b))
}

// billed is what the call is charged: the exact usage when Bedrock reported it;
// nothing when Bedrock refused the call (an error status, or a stream whose first event
// was an exception); otherwise, for a call cut short after Bedrock accepted it, an
// estimate that errs high: the input bound (or the input count the stream reported) and
// the generated bytes seen as output tokens. The bool reports an exact count.
func (m *usageMeter) billed(status int, inputBound int64) (governance.Usage, bool) {
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
