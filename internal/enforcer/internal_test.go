package enforcer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path, model string
		op          operation
		ok          bool
	}{
		{"/model/anthropic.claude-3-haiku-20240307-v1:0/converse", "anthropic.claude-3-haiku-20240307-v1:0", opConverse, true},
		{"/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", "anthropic.claude-3-haiku-20240307-v1:0", opConverseStream, true},
		{"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fabc/invoke", "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc", opInvoke, true},
		{"/model/arn:aws:bedrock:us-east-1:1:application-inference-profile/abc/invoke-with-response-stream", "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc", opInvokeStream, true},
		{"/model/x/delete", "", opUnknown, false},
		{"/model//converse", "", opUnknown, false},
		{"/model/converse", "", opUnknown, false},
		{"/models/x/converse", "", opUnknown, false},
		{"/model/%zz/converse", "", opUnknown, false},
		{"/model/a%0Ab/converse", "", opUnknown, false},
	} {
		m, op, err := parsePath(tc.path)
		if (err == nil) != tc.ok || m != tc.model || op != tc.op {
			t.Errorf("parsePath(%q) = %q %v %v", tc.path, m, op, err)
		}
	}
}

func TestMaxOutputTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want int64
		ok   bool
	}{
		{`{"messages":[],"inferenceConfig":{"maxTokens":512}}`, 512, true},
		{`{"max_tokens":300,"anthropic_version":"bedrock-2023-05-31"}`, 300, true},
		{`{"inferenceConfig":{"max_new_tokens":77}}`, 77, true},
		{`{"max_gen_len":64}`, 64, true},
		{`{"textGenerationConfig":{"maxTokenCount":99}}`, 99, true},
		{`{"max_tokens":10,"inferenceConfig":{"maxTokens":20}}`, 20, true},
		{`{"messages":[]}`, 0, true},
		{`{"max_tokens":-1}`, 0, false},
		{`{"max_tokens":1.5}`, 0, false},
		{`[1,2]`, 0, false},
		{`not json`, 0, false},
	} {
		got, err := maxOutputTokens([]byte(tc.body))
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("maxOutputTokens(%s) = %d, %v", tc.body, got, err)
		}
	}
	if attemptOf("attempt=2; max=3") != 2 || attemptOf("") != 1 || attemptOf("attempt=x") != 1 {
		t.Error("attemptOf")
	}
	if !invocationIDOK("6f1c7a7e-5f44-4c8e-9d0e-2b8a4c1d9e01") || invocationIDOK("a b") || invocationIDOK("") {
		t.Error("invocationIDOK")
	}
}

// sdkEncode encodes with the SDK's own event-stream encoder: the decoder here is checked
// against an independent implementation.
func sdkEncode(t testing.TB, eventType string, payload []byte) []byte {
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("event"))
	h.Set(":event-type", eventstream.StringValue(eventType))
	h.Set(":content-type", eventstream.StringValue("application/json"))
	h.Set("x-int", eventstream.Int32Value(7))
	h.Set("x-bool", eventstream.BoolValue(true))
	h.Set("x-ts", eventstream.Int64Value(1))
	var buf bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&buf, eventstream.Message{Headers: h, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func converseStreamFixture(t testing.TB) []byte {
	var s []byte
	s = append(s, sdkEncode(t, "messageStart", []byte(`{"role":"assistant"}`))...)
	s = append(s, sdkEncode(t, "contentBlockDelta", []byte(`{"contentBlockIndex":0,"delta":{"text":"hello "},"p":"abcdefgh"}`))...)
	s = append(s, sdkEncode(t, "contentBlockDelta", []byte(`{"contentBlockIndex":0,"delta":{"text":"world"}}`))...)
	s = append(s, sdkEncode(t, "messageStop", []byte(`{"stopReason":"end_turn"}`))...)
	s = append(s, sdkEncode(t, "metadata", []byte(`{"usage":{"inputTokens":11,"outputTokens":3,"totalTokens":19,"cacheReadInputTokens":4,"cacheWriteInputTokens":1},"metrics":{"latencyMs":5}}`))...)
	return s
}

func invokeStreamFixture(t testing.TB) []byte {
	chunk := func(v string) []byte {
		p, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString([]byte(v))})
		return sdkEncode(t, "chunk", p)
	}
	var s []byte
	s = append(s, chunk(`{"type":"message_start","message":{"usage":{"input_tokens":21}}}`)...)
	s = append(s, chunk(`{"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}`)...)
	s = append(s, chunk(`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":21,"outputTokenCount":9,"invocationLatency":3,"firstByteLatency":1}}`)...)
	return s
}

func TestUsageMeterStreams(t *testing.T) {
	t.Parallel()
	for _, chunk := range []int{1, 3, 7, 64, 1 << 20} {
		m := newUsageMeter(opConverseStream)
		s := converseStreamFixture(t)
		for len(s) > 0 {
			n := min(chunk, len(s))
			_, _ = m.Write(s[:n])
			s = s[n:]
		}
		u, exact := m.billed(http.StatusOK, 1000)
		if !exact || u.InputTokens != 11 || u.OutputTokens != 3 || u.CacheReadTokens != 4 || u.CacheWriteTokens != 1 || m.seenOut != int64(len("hello world")) {
			t.Fatalf("chunk %d: %+v exact=%v seen=%d", chunk, u, exact, m.seenOut)
		}
	}
	m := newUsageMeter(opInvokeStream)
	_, _ = m.Write(invokeStreamFixture(t))
	if u, exact := m.billed(http.StatusOK, 1000); !exact || u.InputTokens != 21 || u.OutputTokens != 9 {
		t.Fatalf("invoke stream: %+v %v", u, exact)
	}
	// Cut before the metrics: estimate from what was seen, input from message_start.
	full := invokeStreamFixture(t)
	m = newUsageMeter(opInvokeStream)
	_, _ = m.Write(full[:len(full)-10])
	if u, exact := m.billed(http.StatusOK, 1000); exact || u.InputTokens != 21 || u.OutputTokens == 0 {
		t.Fatalf("cut invoke stream: %+v %v", u, exact)
	}
	// Converse stream cut before metadata: input bound + text seen.
	cs := converseStreamFixture(t)
	m = newUsageMeter(opConverseStream)
	_, _ = m.Write(cs[:len(cs)-20])
	if u, exact := m.billed(http.StatusOK, 1000); exact || u.InputTokens != 1000 || u.OutputTokens != 11 {
		t.Fatalf("cut converse stream: %+v %v", u, exact)
	}
	// Throttled (error status): nothing.
	if u, _ := newUsageMeter(opConverse).billed(http.StatusTooManyRequests, 1000); u != (u.Add(u)) {
		t.Fatalf("throttled: %+v", u)
	}
	// An exception as the first event: nothing generated, nothing billed.
	m = newUsageMeter(opConverseStream)
	_, _ = m.Write(appendMessage(nil, [][2]string{{":message-type", "exception"}, {":exception-type", "throttlingException"}}, []byte(`{}`)))
	if u, _ := m.billed(http.StatusOK, 1000); u.InputTokens != 0 || m.streamErr != "throttlingException" {
		t.Fatalf("in-stream throttle: %+v %q", u, m.streamErr)
	}
}

func TestUsageMeterBodies(t *testing.T) {
	t.Parallel()
	m := newUsageMeter(opConverse)
	_, _ = m.Write([]byte(`{"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},"usage":{"inputTokens":5,`))
	_, _ = m.Write([]byte(`"outputTokens":6,"totalTokens":11}}`))
	m.finishBody()
	if u, exact := m.billed(200, 99); !exact || u.InputTokens != 5 || u.OutputTokens != 6 {
		t.Fatalf("converse: %+v", u)
	}
	m = newUsageMeter(opInvoke)
	h := http.Header{}
	h.Set("X-Amzn-Bedrock-Input-Token-Count", "12")
	h.Set("X-Amzn-Bedrock-Output-Token-Count", "34")
	h.Set("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", "5")
	m.fromHeaders(h)
	if u, exact := m.billed(200, 99); !exact || u.InputTokens != 12 || u.OutputTokens != 34 || u.CacheReadTokens != 5 {
		t.Fatalf("invoke: %+v", u)
	}
}

func TestAppendMessageRoundTrip(t *testing.T) {
	t.Parallel()
	b := appendMessage(nil, [][2]string{{":event-type", "metadata"}, {":message-type", "event"}}, []byte("{}"))
	var m esMessage
	if err := decodeMessage(b, &m); err != nil || m.EventType != "metadata" || string(m.Payload) != "{}" {
		t.Fatalf("%v %+v", err, m)
	}
	// The SDK's decoder reads what appendMessage writes.
	msg, err := eventstream.NewDecoder().Decode(bytes.NewReader(b), nil)
	if err != nil || msg.Headers.Get(":event-type").String() != "metadata" {
		t.Fatalf("sdk decode: %v", err)
	}
	b[len(b)-1] ^= 0xff
	if err := decodeMessage(b, &m); err == nil {
		t.Fatal("bad CRC accepted")
	}
}

// FuzzEventStreamDecoder: no input panics the decoder, and any split of a valid stream
// decodes to the same events as the whole.
func FuzzEventStreamDecoder(f *testing.F) {
	f.Add(converseStreamFixture(f), uint8(5))
	f.Add(invokeStreamFixture(f), uint8(1))
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(3))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		var whole, parts []string
		d1 := esDecoder{onMessage: func(m *esMessage) { whole = append(whole, m.EventType+string(m.Payload)) }}
		_, _ = d1.Write(data)
		d2 := esDecoder{onMessage: func(m *esMessage) { parts = append(parts, m.EventType+string(m.Payload)) }}
		step := int(split) + 1
		for i := 0; i < len(data); i += step {
			_, _ = d2.Write(data[i:min(i+step, len(data))])
		}
		if len(whole) != len(parts) {
			t.Fatalf("split changed the events: %d vs %d", len(whole), len(parts))
		}
		for i := range whole {
			if whole[i] != parts[i] {
				t.Fatalf("event %d differs", i)
			}
		}
		m := newUsageMeter(opConverseStream)
		_, _ = m.Write(data)
		_, _ = m.billed(200, 10)
		m = newUsageMeter(opInvokeStream)
		_, _ = m.Write(data)
		_, _ = m.billed(200, 10)
	})
}

// FuzzRequestParsing: path and body parsing never panic; oversize model ids are refused.
func FuzzRequestParsing(f *testing.F) {
	f.Add("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", []byte(`{"inferenceConfig":{"maxTokens":5}}`))
	f.Add("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fx/invoke", []byte(`{"max_tokens":99999999999999999999}`))
	f.Add("/model/a/b/c/invoke-with-response-stream", []byte(`{"max_gen_len":"12"}`))
	f.Add("/model/%/converse", []byte(`{"inferenceConfig":null,"textGenerationConfig":{"maxTokenCount":-3}}`))
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		id, op, err := parsePath(path)
		if err == nil && (id == "" || len(id) > maxModelIDLen || op == opUnknown) {
			t.Fatalf("accepted %q -> %q %v", path, id, op)
		}
		n, err := maxOutputTokens(body)
		if err == nil && n < 0 {
			t.Fatalf("negative max tokens %d", n)
		}
		m := newUsageMeter(opConverse)
		_, _ = m.Write(body)
		m.finishBody()
		_, _ = m.billed(200, 1)
	})
}

// maxOutputTokens is the request path's output bound of a whole body (decodeRequest,
// then requestLimits.maxOutputTokens), as serve reads it.
func maxOutputTokens(body []byte) (int64, error) {
	f, err := decodeRequest(body)
	if err != nil {
		return 0, err
	}
	return f.maxOutputTokens(body)
}
