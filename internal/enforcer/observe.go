package enforcer

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Decisions recorded per request (the Decision metric dimension).
const (
	decAdmitted     = "admitted"
	decDegraded     = "degraded"
	decBlocked      = "blocked"
	decDeferred     = "deferred" // refused until in-flight reservations settle
	decDenied       = "denied"
	decRejected     = "rejected"
	decFailedClosed = "failed_closed"
	decFailOpen     = "fail_open"
	decReplay       = "replay"
	decInFlight     = "in_flight"
	// decUnpriced: a model or billing dimension bedgov cannot price (or the model does
	// not offer), refused before it reaches Bedrock.
	decUnpriced = "unpriced"
)

// requestLog is the one line written per request: a structured JSON log record that is
// also a CloudWatch embedded-metric-format document, so the same line gives logs and
// per-team metrics. It never contains a prompt, a completion or a key.
type requestLog struct {
	AWS          *emf    `json:"_aws,omitempty"`
	Time         string  `json:"time"`
	Level        string  `json:"level"`
	Msg          string  `json:"msg"`
	Team         string  `json:"Team,omitempty"`
	Decision     string  `json:"Decision"`
	Operation    string  `json:"operation,omitempty"`
	Model        string  `json:"model,omitempty"`
	Profile      string  `json:"profile_arn,omitempty"`
	Status       int     `json:"status"`
	State        string  `json:"state,omitempty"`
	Period       string  `json:"period,omitempty"`
	InvocationID string  `json:"invocation_id,omitempty"`
	Attempt      int     `json:"attempt,omitempty"`
	Principal    string  `json:"principal,omitempty"`
	Error        string  `json:"error,omitempty"`
	FailOpen     bool    `json:"fail_open,omitempty"`
	UsageExact   bool    `json:"usage_exact,omitempty"`
	Cancelled    bool    `json:"cancelled,omitempty"`
	Override     string  `json:"override,omitempty"`
	Reserved     int64   `json:"reserved_micros,omitempty"`
	Dims         string  `json:"billing_dimensions,omitempty"`
	Requests     int     `json:"Requests"`
	CostMicroUSD int64   `json:"CostMicroUSD"`
	InputTokens  int64   `json:"InputTokens"`
	OutputTokens int64   `json:"OutputTokens"`
	SpendPercent int64   `json:"SpendPercent"`
	FailOpenN    int     `json:"FailOpenRequests"`
	LatencyMs    float64 `json:"LatencyMs"`
}

type emf struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

var emfMetrics = []emfMetric{
	{"Requests", "Count"}, {"CostMicroUSD", "None"}, {"InputTokens", "Count"}, {"OutputTokens", "Count"},
	{"SpendPercent", "Percent"}, {"FailOpenRequests", "Count"}, {"LatencyMs", "Milliseconds"},
}

// emitter serialises log lines to one writer (stdout: Lambda ships it to CloudWatch Logs,
// which extracts the metrics).
type emitter struct {
	mu  sync.Mutex
	w   io.Writer
	dir []emfDirective
}

func newEmitter(w io.Writer, namespace string) *emitter {
	return &emitter{w: w, dir: []emfDirective{{Namespace: namespace, Dimensions: [][]string{{"Team"}, {"Team", "Decision"}}, Metrics: emfMetrics}}}
}

func (e *emitter) request(l *requestLog, now time.Time) {
	l.Time = now.UTC().Format(time.RFC3339Nano)
	if l.Level == "" {
		l.Level = "INFO"
	}
	if l.Msg == "" {
		l.Msg = "request"
	}
	if l.FailOpen {
		l.FailOpenN = 1
	}
	if l.Team != "" {
		l.AWS = &emf{Timestamp: now.UnixMilli(), CloudWatchMetrics: e.dir}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return
	}
	e.write(b)
}

// event writes a plain structured log line (notifications, overrides, ledger trouble).
func (e *emitter) event(now time.Time, level, msg string, kv ...any) {
	m := make(map[string]any, len(kv)/2+3)
	m["time"], m["level"], m["msg"] = now.UTC().Format(time.RFC3339Nano), level, msg
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	e.write(b)
}

func (e *emitter) write(b []byte) {
	e.mu.Lock()
	_, _ = e.w.Write(append(b, '\n'))
	e.mu.Unlock()
}
