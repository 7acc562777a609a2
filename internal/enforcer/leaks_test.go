package enforcer_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// slowBody makes Bedrock's responses arrive in small flushed pieces, so that a client can
// go away while the enforcer is still reading one.
func slowBody(piece int, pause time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&trickle{ResponseWriter: w, piece: piece, pause: pause}, r)
		})
	}
}

type trickle struct {
	http.ResponseWriter
	piece int
	pause time.Duration
}

func (t *trickle) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(t.piece, len(p))
		m, err := t.ResponseWriter.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		if f, ok := t.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		p = p[k:]
		time.Sleep(t.pause)
	}
	return n, nil
}

func (t *trickle) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// rawCall sends one request over its own TCP connection and returns the connection
// once the response's status line and the first `read` bytes after it have arrived.
func (e *env) rawCall(team, model, op, body string, read int) net.Conn {
	e.t.Helper()
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = fmt.Fprintf(conn, "POST /model/%s/%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID-%s/20261115/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=x\r\nContent-Length: %d\r\n\r\n%s",
		model, op, addr, team, len(body), body)
	if read > 0 {
		br := bufio.NewReaderSize(conn, 1)
		line, err := br.ReadString('\n')
		if err != nil || !strings.Contains(line, "200") {
			e.t.Fatalf("status line %q: %v", line, err)
		}
		for i := 0; i < read; i++ {
			if _, err := br.ReadByte(); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return conn
}

// settled waits until team's record shows n settled requests and nothing reserved.
func (e *env) settled(team string, n int64) *governance.CapRecord {
	e.t.Helper()
	var rec *governance.CapRecord
	for i := 0; i < 500; i++ {
		rec = e.record(team)
		if rec.Requests >= n && rec.Reserved == 0 {
			return rec
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("not settled: %+v", rec)
	return nil
}

// Class 1: a non-streaming response cut off by the client (connection reset after part
// of the body) is still charged what Bedrock billed for the whole answer: the enforcer
// keeps reading Bedrock's response for its usage after the client has gone.
func TestCutNonStreamingResponseChargedInFull(t *testing.T) {
	t.Parallel()
	for _, detach := range []bool{false, true} {
		t.Run(fmt.Sprintf("detach=%t", detach), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpt{detach: detach, upstream: slowBody(512, 2*time.Millisecond)}, teamConfig("cut", 100*usd))
			conn := e.rawCall("cut", sonnet, "converse", converseBody("long answer [[tokens:6000]]", 8000), 600)
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // a reset, not a graceful close
			}
			_ = conn.Close()
			rec := e.settled("cut", 1)
			billed := e.billed()
			t.Logf("cut non-streaming response: charged %s of %s USD billed", rec.Spent, billed)
			if rec.Spent < billed {
				t.Fatalf("cut non-streaming response: charged %s USD of %s USD billed", rec.Spent, billed)
			}
		})
	}
	// Under Lambda the response goes out through lambdaurl's pipe: the client going away
	// ends the pipe, and the invocation's context may end with it.
	t.Run("lambda", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOpt{upstream: slowBody(512, 2*time.Millisecond)}, teamConfig("cutl", 100*usd))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		resp, err := lambdaurl.Wrap(e.h)(ctx, &events.LambdaFunctionURLRequest{
			RawPath: "/model/" + sonnet + "/converse", Body: converseBody("long answer [[tokens:6000]]", 8000),
			Headers: map[string]string{"content-type": "application/json"},
			RequestContext: events.LambdaFunctionURLRequestContext{
				DomainName: "abc.lambda-url.us-east-1.on.aws",
				HTTP:       events.LambdaFunctionURLRequestContextHTTPDescription{Method: http.MethodPost},
				Authorizer: &events.LambdaFunctionURLRequestContextAuthorizerDescription{
					IAM: &events.LambdaFunctionURLRequestContextAuthorizerIAMDescription{UserARN: roleARN("cutl")}},
			},
		})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("lambda call: %v %+v", err, resp)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 600)); err != nil {
			t.Fatal(err)
		}
		cancel()
		_ = resp.Body.(io.Closer).Close()
		rec := e.settled("cutl", 1)
		t.Logf("cut non-streaming response under Lambda: charged %s of %s USD billed", rec.Spent, e.billed())
		if rec.Spent < e.billed() {
			t.Fatalf("cut non-streaming response under Lambda: charged %s USD of %s USD billed", rec.Spent, e.billed())
		}
	})
}

// Class 2: a call abandoned before Bedrock's response headers (client timeout) was sent
// and ran: it is charged what it can have cost (its usage when Bedrock's answer can
// still be read, else the reservation). A call that never reached Bedrock is free.
func TestAbandonedBeforeHeadersIsCharged(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"converse", "invoke", "converse-stream", "invoke-with-response-stream"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			// The client gives up once Bedrock has the request, before its answer starts.
			arrived := make(chan struct{}, 1)
			signal := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case arrived <- struct{}{}:
					default:
					}
					next.ServeHTTP(w, r)
				})
			}
			e := newEnv(t, envOpt{upstream: signal}, teamConfig("gone", 100*usd))
			e.emu.SetFaults(localaws.BedrockFaults{Latency: 300 * time.Millisecond})
			body := converseBody("slow [[tokens:500]]", 1000)
			if strings.HasPrefix(op, "invoke") {
				body = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":1000,"messages":[{"role":"user","content":"slow [[tokens:500]]"}]}`
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { <-arrived; time.Sleep(20 * time.Millisecond); cancel() }()
			if resp, _ := e.post(ctx, "gone", sonnet, op, body, nil); resp != nil {
				t.Fatalf("the client should have timed out, got %d", resp.StatusCode)
			}
			rec := e.settled("gone", 1)
			billed := e.billed()
			t.Logf("%s abandoned before headers: charged %s of %s USD billed", op, rec.Spent, billed)
			if billed == 0 || rec.Spent < billed {
				t.Fatalf("%s abandoned before headers: charged %s USD of %s USD billed", op, rec.Spent, billed)
			}
		})
	}
	t.Run("never-sent", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOpt{}, teamConfig("unsent", 100*usd))
		e.emuSrv.Close() // Bedrock refuses the connection: the call provably never ran
		resp, _ := e.post(context.Background(), "unsent", sonnet, "converse", converseBody("x", 100), nil)
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("unreachable Bedrock: %+v", resp)
		}
		if rec := e.settled("unsent", 1); rec.Spent != 0 {
			t.Fatalf("a call that never reached Bedrock was charged %s USD", rec.Spent)
		}
	})
}

// Class 3: after a model change the cached team view (up to IdentityCacheTTL old) no
// longer matches the record the reservation returns. The request is priced and routed
// from the same view: a dearer model is reserved at its own price (and refused when its
// worst case does not fit), and a model without a price is never forwarded.
func TestModelChangePricesAndRoutesFromOneView(t *testing.T) {
	t.Parallel()
	const opus = "anthropic.claude-opus-4-20250514-v1:0"
	body := converseBody("after the change [[tokens:4000]]", 4000)
	pricing := governance.DefaultPricing()
	ps, _, _, _ := pricing.Quote(sonnet, nil, "us")
	po, _, _, _ := pricing.Quote(opus, nil, "us")
	in := governance.InputTokenBound(len(body))
	// A budget the Sonnet worst case fits in and the Opus one does not.
	limit := (ps.WorstCase(in, 4000) + po.WorstCase(in, 4000)) / 2
	cfg := teamConfig("switch", limit)
	cfg.DegradeModelID, cfg.DegradeProfileARN = "", ""
	e := newEnv(t, envOpt{}, cfg)
	profiles := map[string]string{profileARN("switch"): sonnet, profileARN("switch-opus"): opus, profileARN("switch-free"): "anthropic.claude-free-v1:0"}
	e.emu.Models = func(ref string) string { return profiles[ref] }
	ctx := context.Background()
	if resp, _ := e.post(ctx, "switch", sonnet, "converse", converseBody("warm the cache [[tokens:1]]", 10), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("warm-up: %d", resp.StatusCode)
	}
	e.quiesce()

	cfg.ModelID, cfg.ProfileARN = opus, profileARN("switch-opus")
	e.write(cfg)
	// The client still names the model it used before the change.
	resp, _ := e.post(ctx, "switch", sonnet, "converse", body, nil)
	e.quiesce()
	calls := e.emu.Calls()
	if resp.StatusCode == http.StatusOK || len(calls) != 1 {
		last := calls[len(calls)-1]
		t.Fatalf("after a change to a dearer model: status %d, %d calls (last on %s), spent %s of a %s USD limit",
			resp.StatusCode, len(calls), last.ModelID, e.record("switch").Spent, limit)
	}

	// Opus is now in the cached view; the record moves on to a model without a price.
	cfg.Limit = 1000 * usd
	e.write(cfg)
	if resp, msg := e.post(ctx, "switch", opus, "converse", converseBody("warm [[tokens:1]]", 10), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("opus: %d %s", resp.StatusCode, msg)
	}
	e.quiesce()
	cfg.ModelID, cfg.ProfileARN = "anthropic.claude-free-v1:0", profileARN("switch-free")
	e.write(cfg)
	resp, msg := e.post(ctx, "switch", opus, "converse", converseBody("free? [[tokens:5]]", 10), nil)
	e.quiesce()
	if n := len(e.emu.Calls()); resp.StatusCode == http.StatusOK || n != 2 {
		rec := e.record("switch")
		t.Fatalf("a model without a price: status %d, forwarded %d calls, spent %s: %s", resp.StatusCode, n-2, rec.Spent, msg)
	}
	if rec := e.record("switch"); rec.Reserved != 0 {
		t.Fatalf("after the refusals: %+v", rec)
	}
}

// settlingNeighbourDB plays, on dynalite, the race of class 10 once: just before the
// first reservation of the test's request, another request in flight holds all of the
// team's room, so the request's condition fails; that request settles (releases) before
// the failed request reads the record, which then shows no reservation and enough room.
type settlingNeighbourDB struct {
	governance.DynamoDB
	table string
	fired atomic.Bool
}

func (d *settlingNeighbourDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	first := in.TransactItems[0].Update
	if first == nil || !strings.HasPrefix(aws.ToString(first.ConditionExpression), "#per = :per AND #ver") || d.fired.Swap(true) {
		return d.DynamoDB.TransactWriteItems(ctx, in, o...)
	}
	team := in.TransactItems[1].Put.Item[governance.AttrTeam].(*types.AttributeValueMemberS).Value
	rec, err := governance.ReadCapRecord(ctx, d.DynamoDB, d.table, team)
	if err != nil {
		return nil, err
	}
	nb := &governance.Hold{Team: team, Slot: "neighbour", Amount: rec.Headroom, Expires: nov15.Add(time.Minute).Unix(), Nonce: "n"}
	if err := governance.Reserve(ctx, d.DynamoDB, d.table, rec, nb, nov15); err != nil {
		return nil, err
	}
	out, err := d.DynamoDB.TransactWriteItems(ctx, in, o...)
	if _, rerr := governance.Settle(ctx, d.DynamoDB, d.table, nb, 0, "", governance.Usage{}, true); rerr != nil {
		return nil, rerr
	}
	return out, err
}

// Class 10: near the cap, a reservation whose condition failed while other calls held
// the room, followed by a read of a record that has room again, is tried again: the
// request that fits is admitted and no "blocked" notice goes out.
func TestFittingRequestIsNotRefusedAfterARace(t *testing.T) {
	t.Parallel()
	cfg := teamConfig("race", 200*usd)
	cfg.DegradeModelID, cfg.DegradeProfileARN = "", ""
	db := &settlingNeighbourDB{DynamoDB: ddb}
	e := newEnv(t, envOpt{db: db}, cfg)
	db.table = e.table
	db.fired.Store(true) // not yet
	// Spend 90 % of the budget (past the degrade threshold, where a refusal notifies).
	if err := governance.LateCharge(context.Background(), ddb, e.table, "race", 0, 180*usd, sonnet, governance.Usage{}); err != nil {
		t.Fatal(err)
	}
	db.fired.Store(false)
	resp, msg := e.post(context.Background(), "race", sonnet, "converse", converseBody("fits [[tokens:10]]", 1000), nil)
	e.quiesce()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a request that fits was refused: %d %s", resp.StatusCode, msg)
	}
	if !db.fired.Load() {
		t.Fatal("the race was not played: no reservation transaction matched settlingNeighbourDB's")
	}
	for _, n := range e.notes.list() {
		if strings.Contains(n, "blocked") {
			t.Fatalf("announced blocked on a record that admits the request: %v", n)
		}
	}
	if rec := e.record("race"); rec.Reserved != 0 || rec.Spent != 180*usd+e.billed() {
		t.Fatalf("after the race: %+v", rec)
	}
}

// Class 4 through the handler: a body whose limit keys the reservation and the model
// would read differently is refused before anything is reserved or forwarded.
func TestAmbiguousBodyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("keys", 100*usd))
	for _, body := range []string{
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":8000,"MAX_TOKENS":10,"messages":[{"role":"user","content":"x [[tokens:8000]]"}]}`,
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":8000,"max_tokens":10,"messages":[{"role":"user","content":"x [[tokens:8000]]"}]}`,
	} {
		resp, msg := e.post(context.Background(), "keys", sonnet, "invoke", body, nil)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "ValidationException" || !strings.Contains(string(msg), "max_tokens") {
			t.Fatalf("ambiguous body: %d %s", resp.StatusCode, msg)
		}
	}
	if n := len(e.emu.Calls()); n != 0 {
		t.Fatalf("%d ambiguous bodies forwarded", n)
	}
	if rec := e.record("keys"); rec.Reserved != 0 || rec.Spent != 0 {
		t.Fatalf("ambiguous bodies reserved or charged: %+v", rec)
	}
}

// Class 9: a front that appends the principal header instead of replacing it (or a
// client that sends it when the front adds its own) leaves several values; the first
// one was taken, so a caller could choose a team. A repeated identity header is refused.
func TestRepeatedIdentityHeaderRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("victim", 100*usd), teamConfig("caller", 100*usd))
	// An appending front: the client's header stays, the verified one is added after it.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Add(trustHdr, roleARN("caller"))
		e.h.ServeHTTP(w, r)
	}))
	defer front.Close()
	for _, hdr := range []http.Header{
		{trustHdr: {roleARN("victim")}},
		{trustHdr: {roleARN("victim") + ", " + roleARN("caller")}},
	} {
		req, _ := http.NewRequest(http.MethodPost, front.URL+"/model/"+sonnet+"/converse", strings.NewReader(converseBody("whose budget? [[tokens:5]]", 10)))
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := front.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get(enforcer.HeaderTeam) != "" {
			t.Fatalf("repeated principal header: %d team %q %s", resp.StatusCode, resp.Header.Get(enforcer.HeaderTeam), msg)
		}
	}
	if rec := e.record("victim"); rec.Spent != 0 || len(e.emu.Calls()) != 0 {
		t.Fatalf("the victim team was charged %s USD (%d calls)", rec.Spent, len(e.emu.Calls()))
	}

	// api_key mode: a repeated Authorization header is refused the same way.
	k := newEnv(t, envOpt{mode: enforcer.AuthAPIKey}, teamConfig("victim", 100*usd), teamConfig("caller", 100*usd))
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/model/"+sonnet+"/converse", strings.NewReader(converseBody("x", 10)))
	req.Header["Authorization"] = []string{"Bearer key-victim", "Bearer key-caller"}
	resp, err := k.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("repeated Authorization header: %d", resp.StatusCode)
	}
}

// bodies records the request bodies Bedrock receives, by model reference.
type bodies struct {
	mu  sync.Mutex
	got map[string][]string
}

func (b *bodies) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		b.mu.Lock()
		if b.got == nil {
			b.got = map[string][]string{}
		}
		b.got[r.URL.EscapedPath()] = append(b.got[r.URL.EscapedPath()], string(body))
		b.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (b *bodies) last(suffix string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range b.got {
		if strings.HasSuffix(k, suffix) {
			return v[len(v)-1]
		}
	}
	return ""
}

// degradeTo brings team to 81 % of its limit (past the degrade threshold).
func (e *env) degradeTo(cfg governance.CapConfig) {
	e.t.Helper()
	if err := governance.LateCharge(context.Background(), ddb, e.table, cfg.Team, 0, cfg.Limit*81/100, cfg.ModelID, governance.Usage{}); err != nil {
		e.t.Fatal(err)
	}
}

// Class 6: degrading keeps a request readable by the degrade model. An InvokeModel body
// goes only to a model of the same request format (Nova and Titan are both "amazon."
// but read different schemas), and a request is fitted to the degrade model's maximum
// output (Haiku 3: 4,096; Sonnet 3.5: 8,192), which Bedrock would otherwise refuse.
func TestDegradeSpeaksTheDegradeModelsFormat(t *testing.T) {
	t.Parallel()
	const nova, titan = "amazon.nova-pro-v1:0", "amazon.titan-text-express-v1"
	pricing, err := governance.DefaultPricing().WithOverrides(map[string]governance.PriceOverride{titan: {InputPerMTok: "0.2", OutputPerMTok: "0.6", MaxOutputTokens: 8192}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := teamConfig("fmt", 100*usd)
	cfg.ModelID, cfg.DegradeModelID = nova, titan
	var seen bodies
	e := newEnv(t, envOpt{pricing: pricing, upstream: seen.wrap}, cfg)
	e.degradeTo(cfg)
	ctx := context.Background()
	resp, msg := e.post(ctx, "fmt", nova, "invoke", `{"messages":[{"role":"user","content":[{"text":"x [[tokens:3]]"}]}],"inferenceConfig":{"maxTokens":50}}`, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderModel) != nova || resp.Header.Get(enforcer.HeaderState) != "degraded" {
		t.Fatalf("a Nova InvokeModel body at the degrade threshold: %d, sent to %s (state %s): %s", resp.StatusCode, resp.Header.Get(enforcer.HeaderModel), resp.Header.Get(enforcer.HeaderState), msg)
	}

	cfg2 := teamConfig("fit", 100*usd) // Sonnet 3.5 v2, degrading to Haiku 3
	e2 := newEnv(t, envOpt{upstream: seen.wrap}, cfg2)
	e2.degradeTo(cfg2)
	for _, tc := range []struct{ op, body, key string }{
		{"invoke", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":8000,"messages":[{"role":"user","content":"x [[tokens:3]]"}]}`, "max_tokens"},
		{"converse", converseBody("x [[tokens:3]]", 8000), "maxTokens"},
	} {
		resp, msg := e2.post(ctx, "fit", sonnet, tc.op, tc.body, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderModel) != haiku {
			t.Fatalf("%s: %d on %s: %s", tc.op, resp.StatusCode, resp.Header.Get(enforcer.HeaderModel), msg)
		}
		sent := seen.last("fit-degraded/" + tc.op)
		if !strings.Contains(sent, `"`+tc.key+`":4096`) || strings.Contains(sent, "8000") {
			t.Fatalf("%s sent to Haiku 3 with %s above its 4,096 maximum: %s", tc.op, tc.key, sent)
		}
	}
}

// Class 11: the response headers say what the data source, the plan review and the
// report say (governance.CapRecord.StandingAt) for the same record and time. A team
// without a degrade model at 99 % was "degraded" there and "blocked" in the headers.
func TestOneStateEverywhere(t *testing.T) {
	t.Parallel()
	for _, withDegrade := range []bool{false, true} {
		cfg := teamConfig(fmt.Sprintf("state-%t", withDegrade), 100*usd)
		if !withDegrade {
			cfg.DegradeModelID, cfg.DegradeProfileARN = "", ""
		}
		e := newEnv(t, envOpt{}, cfg)
		if err := governance.LateCharge(context.Background(), ddb, e.table, cfg.Team, 0, 99*usd, sonnet, governance.Usage{}); err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{converseBody("small [[tokens:5]]", 10), converseBody(strings.Repeat("large ", 60_000), 8000)} {
			resp, msg := e.post(context.Background(), cfg.Team, sonnet, "converse", body, nil)
			want := e.record(cfg.Team).StandingAt(e.clock.now()).State
			if got := resp.Header.Get(enforcer.HeaderState); got != string(want) {
				t.Errorf("degrade model %t: %d with X-Bedgov-State %q, the record's state is %q: %s", withDegrade, resp.StatusCode, got, want, msg)
			}
		}
		rec := e.record(cfg.Team)
		if st := rec.StandingAt(e.clock.now()).State; withDegrade && st != governance.StateDegraded || !withDegrade && st != governance.StateNotified {
			t.Errorf("degrade model %t: at 99 %% the team is %q", withDegrade, st)
		}
	}
}
