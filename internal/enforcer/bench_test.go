package enforcer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// memDB answers the handler's DynamoDB calls from memory. It is for measuring the
// handler's own CPU and allocations only; ledger semantics are tested against dynalite.
type memDB struct {
	team   map[string]dynamodbAV
	slices []map[string]dynamodbAV
}

// newMemDB holds the items governance.CreateCapRecordInput writes for cfg.
func newMemDB(cfg governance.CapConfig) *memDB {
	m := &memDB{}
	for i, it := range governance.CreateCapRecordInput("t", cfg, nov15).TransactItems {
		if i == 0 {
			m.team = it.Put.Item
		} else {
			m.slices = append(m.slices, it.Put.Item)
		}
	}
	return m
}

func (m *memDB) BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]dynamodbAV{"t": m.slices}}, nil
}
func (m *memDB) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return &dynamodb.TransactWriteItemsOutput{}, nil
}
func (m *memDB) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return &dynamodb.QueryOutput{}, nil
}

func (m *memDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if k := keyString(in.Key); strings.HasPrefix(k, "team#") {
		return &dynamodb.GetItemOutput{Item: m.team}, nil
	} else if strings.HasPrefix(k, "principal#") || strings.HasPrefix(k, "apikey#") {
		return &dynamodb.GetItemOutput{Item: map[string]dynamodbAV{"team": sAV("bench")}}, nil
	}
	return &dynamodb.GetItemOutput{}, nil
}

func keyString(k map[string]dynamodbAV) string {
	if s, ok := k["pk"].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (m *memDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return &dynamodb.UpdateItemOutput{Attributes: m.team}, nil
}
func (m *memDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, nil
}
func (m *memDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return &dynamodb.DeleteItemOutput{}, nil
}

// cannedBedrock answers every forwarded call with a fixed Converse response.
type cannedBedrock struct{ body []byte }

func (c cannedBedrock) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(c.body)))
	return &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)), Request: r}, nil
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkHandlerConverse measures the handler's CPU and allocations per request,
// network excluded (in-memory ledger answers, canned Bedrock response).
func BenchmarkHandlerConverse(b *testing.B) {
	for _, mode := range []enforcer.AuthMode{enforcer.AuthIAM, enforcer.AuthAPIKey} {
		b.Run(string(mode), func(b *testing.B) {
			cfg := teamConfig("bench", 1_000_000*usd)
			resp := []byte(`{"output":{"message":{"role":"assistant","content":[{"text":"hello there"}]}},"stopReason":"end_turn","usage":{"inputTokens":30,"outputTokens":3,"totalTokens":33},"metrics":{"latencyMs":100}}`)
			h, err := enforcer.New(enforcer.Config{Table: "t", AuthMode: mode, Region: "us-east-1", BedrockEndpoint: "https://bedrock.invalid", TrustedPrincipalHeader: trustHdr},
				enforcer.Deps{DB: newMemDB(cfg), Transport: cannedBedrock{resp}, Clock: func() time.Time { return nov15 },
					Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(converseBody("Summarise the quarterly report in three bullet points.", 300))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodPost, "http://enforcer/model/"+sonnet+"/converse", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if mode == enforcer.AuthAPIKey {
					req.Header.Set("Authorization", "Bearer key-bench")
				} else {
					req.Header.Set(trustHdr, roleARN("bench"))
				}
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.h.Get(enforcer.HeaderTeam) != "bench" {
					b.Fatalf("not served: %v", w.h)
				}
			}
		})
	}
}

// BenchmarkAddedLatency compares, in one run, calls straight to the emulator's Bedrock
// with the same calls through the plain server (dynalite ledger), and one DynamoDB round
// trip on its own, interleaved: Converse to the end of the response, and ConverseStream
// to the first byte of its body. It reports p50 and p99 of each and what the enforcer
// adds at each quantile.
func BenchmarkAddedLatency(b *testing.B) {
	e := newEnv(b, envOpt{detach: true}, teamConfig("lat", 1_000_000*usd), teamConfig("rt", 1_000_000*usd))
	ctx := context.Background()
	body := converseBody("latency [[tokens:8]]", 50)
	// Each kind of call has its own connections. An HTTP/1.1 server reads the next
	// request on a connection only when the handler of the previous one has returned,
	// and the enforcer's returns after it settles, past the end of the response; a
	// call right behind it on the same connection would wait for that settlement, which
	// no real client sees (a function URL serves each request on its own).
	clients := map[string]*http.Client{}
	clientFor := func(url string) *http.Client {
		if c, ok := clients[url]; ok {
			return c
		}
		c := &http.Client{Transport: e.srv.Client().Transport.(*http.Transport).Clone()}
		clients[url] = c
		return c
	}
	direct := e.emuSrv.URL + "/model/" + strings.ReplaceAll(profileARN("lat"), "/", "%2F") + "/"
	via := e.srv.URL + "/model/" + sonnet + "/"
	// do times one call: to the last byte of the body, or to its first with firstByte.
	do := func(url string, firstByte bool) time.Duration {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID-lat/20261115/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=x")
		start := time.Now()
		resp, err := clientFor(url).Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var took time.Duration
		if firstByte {
			one := make([]byte, 1)
			if _, err := io.ReadFull(resp.Body, one); err != nil {
				b.Fatal(err)
			}
			took = time.Since(start)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if !firstByte {
			took = time.Since(start)
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return took
	}
	// The round trip the target counts is the one on the critical path: the reservation
	// itself, made here on a second team's cap record of the same shape (and settled
	// after, untimed), with the SDK client the enforcer uses.
	n := 0
	ddbRoundTrip := func() time.Duration {
		n++
		h := &governance.Hold{Team: "rt", Slot: fmt.Sprintf("rt-%d", n), Amount: usd / 100, Expires: nov15.Add(time.Hour).Unix(), Nonce: "n"}
		start := time.Now()
		if _, err := ddb.TransactWriteItems(ctx, governance.ReserveInput(e.table, h, 1, "2026-11", false, nov15, 0, 0)); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		if _, err := governance.Settle(ctx, ddb, e.table, h, h.Amount/2, sonnet, governance.Usage{InputTokens: 10, OutputTokens: 8}, false); err != nil {
			b.Fatal(err)
		}
		return took
	}
	for i := 0; i < 20; i++ { // warm connections and caches
		do(direct+"converse", false)
		do(via+"converse", false)
		do(direct+"converse-stream", true)
		do(via+"converse-stream", true)
	}
	// One call at a time: each enforced call's settlement (detached, as in the plain
	// server) is waited for before the next call starts, outside the timing, so that a
	// reservation never queues behind the previous call's settlement in dynalite, a
	// single Node process that serves one write at a time.
	settled := func(t time.Duration) time.Duration { e.h.Wait(); return t }
	var d, v, sd, sv, r []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d = append(d, do(direct+"converse", false))
		v = append(v, settled(do(via+"converse", false)))
		sd = append(sd, do(direct+"converse-stream", true))
		sv = append(sv, settled(do(via+"converse-stream", true)))
		r = append(r, ddbRoundTrip())
	}
	b.StopTimer()
	e.h.Wait()
	for _, x := range [][]time.Duration{d, v, sd, sv, r} {
		slices.Sort(x)
	}
	q := func(x []time.Duration, f float64) float64 {
		return float64(x[min(len(x)-1, int(f*float64(len(x))))].Microseconds())
	}
	for _, p := range []struct {
		name string
		f    float64
	}{{"p50", 0.50}, {"p99", 0.99}} {
		b.ReportMetric(q(r, p.f), p.name+"-dynamodb-rt-µs")
		b.ReportMetric(q(v, p.f)-q(d, p.f), p.name+"-added-µs")
		b.ReportMetric(q(sv, p.f)-q(sd, p.f), p.name+"-stream-ttfb-added-µs")
	}
	b.ReportMetric(q(d, 0.5), "p50-direct-µs")
	b.ReportMetric(q(sd, 0.5), "p50-stream-ttfb-direct-µs")
}

// FuzzHandler drives the whole handler (in-memory ledger answers, canned Bedrock) with
// arbitrary paths, bodies and headers: it must answer every request without panicking.
func FuzzHandler(f *testing.F) {
	cfg := teamConfig("fuzz", 1_000_000*usd)
	resp := []byte(`{"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},"usage":{"inputTokens":3,"outputTokens":1}}`)
	h, err := enforcer.New(enforcer.Config{Table: "t", AuthMode: enforcer.AuthAPIKey, Region: "us-east-1", BedrockEndpoint: "https://bedrock.invalid", MaxBodyBytes: 1 << 16},
		enforcer.Deps{DB: newMemDB(cfg), Transport: cannedBedrock{resp}, Clock: func() time.Time { return nov15 }})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("/model/"+sonnet+"/converse", []byte(converseBody("hi", 10)), "Bearer key-fuzz", "attempt=2; max=3")
	f.Add("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Ffuzz/invoke", []byte(`{"max_tokens":-1}`), "Bearer x", "")
	f.Add("/model//converse-stream", []byte(`{`), "", "attempt=x")
	f.Fuzz(func(t *testing.T, path string, body []byte, auth, attempt string) {
		req := httptest.NewRequest(http.MethodPost, "http://enforcer/", bytes.NewReader(body))
		req.URL.Path, req.URL.RawPath = path, ""
		if u, err := url.Parse("http://enforcer" + path); err == nil && strings.HasPrefix(path, "/") {
			req.URL = u
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Amz-Sdk-Request", attempt)
		req.Header.Set("Amz-Sdk-Invocation-Id", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == 0 {
			t.Fatal("no answer")
		}
	})
}

// gate holds every response of the upstream once `after` bytes of it are written, until
// release is closed; held counts the responses waiting there.
type gate struct {
	after   int
	release chan struct{}
	held    atomic.Int64
}

type gatedWriter struct {
	http.ResponseWriter
	g       *gate
	written int
	waited  bool
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	if !w.waited && w.written+len(p) > w.g.after {
		w.waited = true
		w.g.held.Add(1)
		<-w.g.release
	}
	w.written += len(p)
	return w.ResponseWriter.Write(p)
}

func (w *gatedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// BenchmarkStreamMemory holds n ConverseStream responses open mid-stream, after a set
// number of bytes has passed through, and reports the live heap and goroutine stacks
// per stream: straight to the emulator's Bedrock and through the enforcer, in the same
// run. The enforcer's share is the difference. That it stays the same whether 64 KiB or
// 4 MiB of each response has passed shows that nothing buffers a whole response. One
// measurement per configuration whatever b.N is: run it with -benchtime 1x.
func BenchmarkStreamMemory(b *testing.B) {
	const n = 100
	for _, after := range []int{64 << 10, 4 << 20} {
		for _, via := range []string{"direct", "enforcer"} {
			b.Run(fmt.Sprintf("%s/%dKiB-through", via, after>>10), func(b *testing.B) {
				heap, stack := streamMemory(b, n, after, via == "enforcer")
				b.ReportMetric(float64(heap)/n/1024, "heap-KiB/stream")
				b.ReportMetric(float64(stack)/n/1024, "stack-KiB/stream")
			})
		}
	}
}

func streamMemory(b *testing.B, n, after int, viaEnforcer bool) (heap, stack int64) {
	g := &gate{after: after, release: make(chan struct{})}
	e := newEnv(b, envOpt{upstream: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&gatedWriter{ResponseWriter: w, g: g}, r)
		})
	}}, teamConfig("mem", 1_000_000_000*usd))
	// About 43 bytes of event stream per output token: 120,000 tokens is ~5 MB, more
	// than either hold point. The clients hang up once measured.
	body := converseBody("stream [[tokens:120000]]", 120000)
	url := e.emuSrv.URL + "/model/" + strings.ReplaceAll(profileARN("mem"), "/", "%2F") + "/converse-stream"
	if viaEnforcer {
		url = e.srv.URL + "/model/" + sonnet + "/converse-stream"
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	measure := func() (int64, int64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc), int64(ms.StackInuse)
	}
	heap0, stack0 := measure()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID-mem/20261115/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=x")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}()
	}
	for deadline := time.Now().Add(60 * time.Second); g.held.Load() < int64(n); {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d streams reached the hold point", g.held.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // what Bedrock wrote reaches the clients
	heap1, stack1 := measure()
	if p := os.Getenv("BEDGOV_STREAM_HEAP_PROFILE"); p != "" && viaEnforcer {
		if f, err := os.Create(p); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
	cancel()
	close(g.release)
	wg.Wait()
	e.quiesce()
	client.CloseIdleConnections()
	return heap1 - heap0, stack1 - stack0
}
