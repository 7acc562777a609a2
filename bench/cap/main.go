// Command cap measures how exact bedgov's hard cap is under load, and how much load one
// team's cap record takes. It runs everything on loopback: dynalite as DynamoDB behind
// the emulator's DynamoDB front (which meters consumed capacity per partition key and
// throttles a key past 1,000 write units a second, as DynamoDB does), the emulator's
// deterministic Bedrock Runtime (with a fixed model latency), and the real enforcer
// handler (iam mode, a trusted front standing for the function URL).
//
// Exactness: many concurrent clients send requests for one team whose spend already
// stands at 95% of its budget, through the enforcer and, in the same run against the
// same dynalite and Bedrock, through a naive check-then-act proxy (read the spend, admit
// if below the limit, forward, then add the cost). The runs alternate and repeat. For
// each it reports overspend (final spend above the limit) and false blocks (refused
// requests that the room left at the end could still have paid for).
//
// Throughput: one team with an ample budget, a sweep of client concurrency; for each
// level the admitted request rate, the ledger's DynamoDB calls, conditional-check
// failures, SDK retries, throttles and the cap record's size (DynamoDB bills a write by
// the item's size, and one item sustains at most 1,000 write units per second), and
// what the metered front observed on the team's cap record: writes and write units per
// admitted request, the largest write, and the writes it throttled.
//
// Run from the repository (it finds tools/node for dynalite): go run ./bench/cap
// (-h lists the knobs; CAP_DEBUG=1 prints every answer counted as "other").
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

const (
	account   = "111122223333"
	model     = "anthropic.claude-3-5-sonnet-20241022-v2:0"
	principal = "X-Bench-Principal"
)

var (
	clients      = flag.Int("clients", 256, "concurrent clients in the exactness runs")
	requests     = flag.Int("requests", 10000, "requests per exactness run")
	repeat       = flag.Int("repeat", 3, "exactness runs of each policy (interleaved)")
	admitRoom    = flag.Int("room", 1500, "requests the 5% of budget left can pay for (sets the budget)")
	outTokens    = flag.Int("tokens", 200, "output tokens Bedrock returns per request")
	maxTokens    = flag.Int("max-tokens", 400, "maxTokens each request asks for (the reservation's output part)")
	modelLatency = flag.Duration("model-latency", 20*time.Millisecond, "Bedrock's time per call")
	retries      = flag.Int("retries", 2, "client retries of a ThrottlingException (the SDK's default is 2)")
	backoff      = flag.Duration("backoff", 20*time.Millisecond, "client retry backoff base (full jitter, doubling)")
	sweep        = flag.String("sweep", "1,4,16,64,256", "client concurrencies of the throughput sweep (empty: none)")
	sweepFor     = flag.Duration("sweep-for", 3*time.Second, "time per sweep level")
	sweepLatency = flag.Duration("sweep-latency", 0, "Bedrock's time per call in the sweep (0: -model-latency); calls in flight = clients, reservations held ~ rate x latency")
	exact        = flag.Bool("exactness", true, "run the exactness runs")
	inProc       = flag.Bool("in-process", false, "sweep: clients call the enforcer, and the enforcer Bedrock, in process (no loopback connection); DynamoDB stays on loopback. Thousands of calls in flight over three loopback hops pass the open-file limit")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cap:", err)
		os.Exit(1)
	}
}

// rig is the shared setup: dynalite, one table, the emulated Bedrock.
type rig struct {
	emu     *localaws.Server // the metered DynamoDB front
	br      *localaws.BedrockRuntime
	db      *counting
	table   string
	bedrock *httptest.Server
	handler http.Handler // the last enforcerServer's handler, for in-process clients
	pricing *governance.PricingTable
	seq     int
}

func run() error {
	ctx := context.Background()
	p, err := dynalite.Start(ctx)
	if err != nil {
		return err
	}
	defer p.Stop()
	// The production client's settings (the SDK's standard retryer), dynalite's endpoint;
	// a counting transport sees every HTTP attempt, retries included.
	// A pool as large as the clients: with the default of 2 idle connections per host,
	// hundreds of concurrent calls would churn loopback ports instead of measuring.
	attempts := &attemptCounter{next: &http.Transport{MaxIdleConnsPerHost: 1024}}
	emu := localaws.New(localaws.WithDynamoDB(p.Endpoint))
	front := httptest.NewServer(emu)
	defer front.Close()
	raw := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(front.URL),
		Credentials: credentials.NewStaticCredentialsProvider(localaws.TestAccessKeyID, localaws.TestSecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: attempts},
	})
	r := &rig{emu: emu, db: &counting{DynamoDB: raw, attempts: attempts}, table: "bench-cap", pricing: governance.DefaultPricing()}
	if _, err := raw.CreateTable(ctx, governance.CreateTableInput(r.table)); err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond)
	br := localaws.NewBedrockRuntime(nil)
	br.SetFaults(localaws.BedrockFaults{Latency: *modelLatency})
	r.br = br
	r.bedrock = httptest.NewServer(br)
	defer r.bedrock.Close()

	body := requestBody()
	price, _, _, err := r.pricing.Quote(model, nil, "us")
	if err != nil {
		return err
	}
	u := localaws.BedrockUsageFor(body)
	cost := price.Cost(governance.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens})
	reserve := price.WorstCase(governance.InputTokenBound(len(body)), int64(*maxTokens))
	limit := cost * governance.Micros(*admitRoom) * 20 // 5% of it pays for admitRoom requests
	fmt.Printf("cap: %d clients, %d requests per run, spend at 95%% of %s USD; request cost %s USD, reservation %s USD (maxTokens %d); model latency %s; client retries of ThrottlingException %d (backoff %s)\n",
		*clients, *requests, limit.Cents(), cost, reserve, *maxTokens, *modelLatency, *retries, *backoff)
	fmt.Println("cap: policy    run  admitted  blocked  deferred  other  spent/limit      overspend USD  false blocks  req/s")
	for i := 1; *exact && i <= *repeat; i++ {
		for _, naive := range []bool{false, true} {
			res, err := r.exactness(ctx, naive, limit, cost, body)
			if err != nil {
				return err
			}
			name := "enforcer"
			if naive {
				name = "naive"
			}
			fmt.Printf("cap: %-8s  %3d  %8d  %7d  %8d  %5d  %7.3f%%  %14s  %12d  %5.0f\n", name, i, res.ok, res.blocked, res.deferred, res.other,
				100*float64(res.spent)/float64(limit), max(res.spent-limit, 0), res.falseBlocks, res.rate)
		}
	}
	if *sweep != "" {
		if *sweepLatency > 0 {
			br.SetFaults(localaws.BedrockFaults{Latency: *sweepLatency})
		} else {
			*sweepLatency = *modelLatency
		}
		fmt.Printf("sweep: one team, ample budget, model latency %s, %s per level; per admitted request: ledger calls, DynamoDB HTTP attempts; cap record size mean/max, the record's write units per request (computed from its size) and the request rate 1,000 WCU/s allows; then as metered by the emulator's DynamoDB front on the cap record: writes and write units per admitted request, the largest write, writes throttled\n", *sweepLatency, *sweepFor)
		fmt.Println("sweep: clients  req/s  p50 ms  p99 ms  calls/req  attempts/req  cond-fail/req  refused  5xx  inflight mean/max  record KB mean/max  record WCU/req  ceiling req/s | metered: writes/req  WCU/req  max WCU/write  throttled")
		for _, s := range strings.Split(*sweep, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return err
			}
			if err := r.throughput(ctx, n, body, price); err != nil {
				return err
			}
		}
	}
	return nil
}

func requestBody() []byte {
	b, _ := json.Marshal(map[string]any{
		"messages":        []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": fmt.Sprintf("Summarise the ticket. [[tokens:%d]]", *outTokens)}}}},
		"inferenceConfig": map[string]any{"maxTokens": *maxTokens},
	})
	return b
}

// newTeam writes a fresh team's cap record (and its identity) and sets its spend.
func (r *rig) newTeam(ctx context.Context, prefix string, limit, spent governance.Micros) (string, error) {
	r.seq++
	team := fmt.Sprintf("%s-%d", prefix, r.seq)
	cfg := governance.CapConfig{
		Team: team, Limit: limit, Thresholds: governance.DefaultThresholds,
		ModelID: model, ProfileARN: "arn:aws:bedrock:us-east-1:" + account + ":application-inference-profile/" + team,
		PriceGroup: "us", Principals: []string{roleARN(team)},
	}
	if _, err := governance.WriteCapConfig(ctx, r.db, r.table, cfg, time.Now()); err != nil {
		return "", err
	}
	if spent > 0 {
		// Spend already counted this month, as settlements would have left it.
		_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(r.table), Key: map[string]types.AttributeValue{governance.AttrPK: &types.AttributeValueMemberS{Value: governance.TeamKey(team)}},
			UpdateExpression:          aws.String("SET #sp = #sp + :s, #hr = #hr - :s, #ohr = #ohr - :s"),
			ExpressionAttributeNames:  map[string]string{"#sp": governance.AttrSpent, "#hr": governance.AttrHeadroom, "#ohr": governance.AttrOverrideHeadroom},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(spent), 10)}},
		})
		if err != nil {
			return "", err
		}
	}
	return team, nil
}

func roleARN(team string) string { return "arn:aws:iam::" + account + ":role/" + team }

// enforcerServer serves the real handler behind a front that stands for the function
// URL's IAM authorizer: the caller's access key id names its role. The wait function
// returns once every request has returned from the handler (a client has its whole
// response before the handler has settled) and detached work is done.
func (r *rig) enforcerServer() (*httptest.Server, func(), error) {
	deps := enforcer.Deps{DB: r.db, Credentials: credentials.NewStaticCredentialsProvider("AKIDENFORCER", "secret", "")}
	if *inProc {
		deps.Transport = inProcess{r.br}
	}
	h, err := enforcer.New(enforcer.Config{Table: r.table, AuthMode: enforcer.AuthIAM, Region: "us-east-1",
		BedrockEndpoint: r.bedrock.URL, TrustedPrincipalHeader: principal}, deps)
	if err != nil {
		return nil, nil, err
	}
	var active sync.WaitGroup
	r.handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		active.Add(1)
		defer active.Done()
		req.Header.Set(principal, roleARN(req.Header.Get("X-Bench-Team")))
		h.ServeHTTP(w, req)
	})
	srv := httptest.NewServer(r.handler)
	return srv, func() { active.Wait(); h.Wait() }, nil
}

// naiveServer is the control: check, then act. It reads the team's spend, admits the
// request if the spend is below the limit, forwards it, and adds the cost Bedrock
// reports. It speaks the same errors as the enforcer, so the clients are the same.
func (r *rig) naiveServer(team string, limit governance.Micros, price governance.Price) *httptest.Server {
	key := map[string]types.AttributeValue{governance.AttrPK: &types.AttributeValueMemberS{Value: governance.TeamKey(team)}}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rec, err := governance.ReadCapRecord(req.Context(), r.db, r.table, team)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if rec.Spent >= limit {
			w.Header().Set("X-Amzn-ErrorType", "ServiceQuotaExceededException")
			http.Error(w, `{"message":"budget exceeded"}`, http.StatusTooManyRequests)
			return
		}
		fwd, _ := http.NewRequestWithContext(req.Context(), http.MethodPost, r.bedrock.URL+"/model/"+model+"/converse", bytes.NewReader(body))
		fwd.Header.Set("Content-Type", "application/json")
		fwd.Header.Set("Authorization", "Bearer naive") // a credential, unsigned: exactness is the point here
		resp, err := client.Do(fwd)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var usage struct {
			Usage struct{ InputTokens, OutputTokens int64 } `json:"usage"`
		}
		_ = json.Unmarshal(out, &usage)
		c := price.Cost(governance.Usage{InputTokens: usage.Usage.InputTokens, OutputTokens: usage.Usage.OutputTokens})
		_, err = r.db.UpdateItem(req.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(r.table), Key: key,
			UpdateExpression:          aws.String("SET #sp = #sp + :c"),
			ExpressionAttributeNames:  map[string]string{"#sp": governance.AttrSpent},
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(c), 10)}}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(out)
	}))
}

type outcome int

const (
	admitted outcome = iota
	blocked          // ServiceQuotaExceededException: the budget cannot pay for it
	deferred         // ThrottlingException after the client's retries
	other
)

// client sends requests as an SDK would: a fresh invocation id per request, kept across
// retries; ThrottlingException retried with full-jitter backoff.
type client struct {
	http *http.Client
	url  string
	team string
	body []byte
}

func (c *client) send(ctx context.Context, n int64) (outcome, time.Duration) {
	id := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n)
	start := time.Now()
	for attempt := 1; ; attempt++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/model/"+model+"/converse", bytes.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Bench-Team", c.team)
		req.Header.Set("Amz-Sdk-Invocation-Id", id)
		req.Header.Set("Amz-Sdk-Request", fmt.Sprintf("attempt=%d; max=%d", attempt, *retries+1))
		resp, err := c.http.Do(req)
		if err != nil {
			return other, time.Since(start)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		switch typ := resp.Header.Get("X-Amzn-ErrorType"); {
		case resp.StatusCode == http.StatusOK:
			return admitted, time.Since(start)
		case typ == "ServiceQuotaExceededException":
			return blocked, time.Since(start)
		case typ == "ThrottlingException" && attempt <= *retries:
			time.Sleep(time.Duration(rand.Int64N(int64(*backoff) << attempt))) //nolint:gosec // retry jitter, not a secret
		case typ == "ThrottlingException":
			return deferred, time.Since(start)
		default:
			if os.Getenv("CAP_DEBUG") != "" {
				fmt.Fprintln(os.Stderr, "cap: unexpected answer", resp.StatusCode, typ)
			}
			return other, time.Since(start)
		}
	}
}

type result struct {
	ok, blocked, deferred, other int
	spent                        governance.Micros
	falseBlocks                  int
	rate                         float64
}

func (r *rig) exactness(ctx context.Context, naive bool, limit, cost governance.Micros, body []byte) (result, error) {
	prefix := "exact"
	if naive {
		prefix = "naive"
	}
	team, err := r.newTeam(ctx, prefix, limit, limit*95/100)
	if err != nil {
		return result{}, err
	}
	var srv *httptest.Server
	wait := func() {}
	if naive {
		price, _, _, _ := r.pricing.Quote(model, nil, "us")
		srv = r.naiveServer(team, limit, price)
	} else if srv, wait, err = r.enforcerServer(); err != nil {
		return result{}, err
	}
	defer srv.Close()
	c := &client{http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}, url: srv.URL, team: team, body: body}
	var next atomic.Int64
	var counts [4]atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := next.Add(1); n <= int64(*requests); n = next.Add(1) {
				o, _ := c.send(ctx, n)
				counts[o].Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	wait()
	rec, err := governance.ReadCapRecord(ctx, r.db, r.table, team)
	if err != nil {
		return result{}, err
	}
	res := result{ok: int(counts[admitted].Load()), blocked: int(counts[blocked].Load()), deferred: int(counts[deferred].Load()),
		other: int(counts[other].Load()), spent: rec.Spent, rate: float64(*requests) / elapsed.Seconds()}
	if left := limit - rec.Spent; left > 0 {
		res.falseBlocks = min(res.blocked+res.deferred, int(left/cost))
	}
	if !naive && rec.Reserved != 0 {
		return res, fmt.Errorf("team %s: %s USD still reserved after the run", team, rec.Reserved)
	}
	return res, nil
}

// throughput runs n clients for the sweep time against a team that never runs out.
func (r *rig) throughput(ctx context.Context, n int, body []byte, price governance.Price) error {
	team, err := r.newTeam(ctx, "sweep", 1_000_000_000*governance.Micros(1_000_000), 0)
	if err != nil {
		return err
	}
	srv, wait, err := r.enforcerServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	c := &client{http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}, url: srv.URL, team: team, body: body}
	if *inProc {
		c.http = &http.Client{Transport: inProcess{r.handler}}
	}
	// Warm the identity and team caches and the connections.
	for i := 0; i < min(n, 16); i++ {
		c.send(ctx, int64(i))
	}
	wait()
	r.db.reset()
	r.emu.ResetDynamoDBUsage()
	var mu sync.Mutex
	var lat []time.Duration
	var counts [4]atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(*sweepFor)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var mine []time.Duration
			for k := int64(0); time.Now().Before(deadline); k++ {
				o, d := c.send(ctx, int64(i)<<32|k)
				counts[o].Add(1)
				if o == admitted {
					mine = append(mine, d)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	wait()
	s := r.db.snapshot()
	ok := float64(counts[admitted].Load())
	if ok == 0 {
		return fmt.Errorf("sweep %d: nothing admitted", n)
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	// DynamoDB bills an UpdateItem by the larger of the item's sizes before and after,
	// in 1 KB units. The reservation and the settlement both write the cap record, and
	// one item takes at most 1,000 write units per second: that is the team's ceiling
	// (the idempotency record, under 1 KB, is another item).
	wcu := 2 * float64((s.maxBytes+1023)/1024)
	var hot localaws.PartitionUsage
	for _, u := range r.emu.DynamoDBUsage() {
		if u.Table == r.table && u.PartitionKey == "S:"+governance.TeamKey(team) {
			hot = u
		}
	}
	fmt.Printf("sweep: %7d  %5.0f  %6.1f  %6.1f  %9.2f  %12.2f  %13.3f  %7d  %3d  %8.1f/%-4d  %8.2f/%-6.2f  %14.0f  %13.0f | %7.2f  %7.2f  %13.0f  %9d\n",
		n, ok/elapsed.Seconds(), pct(0.5), pct(0.99), float64(s.calls)/ok, float64(s.attempts)/ok, float64(s.condFailed)/ok,
		counts[blocked].Load()+counts[deferred].Load(), counts[other].Load(), s.meanInflight, s.maxInflight,
		s.meanBytes/1024, float64(s.maxBytes)/1024, wcu, 1000/wcu,
		float64(hot.Writes)/ok, hot.WriteUnits/ok, hot.MaxWriteUnits, hot.Throttled)
	return nil
}

// inProcess serves a request with a handler in the same process: a round trip without
// a connection.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}

// counting wraps the ledger's DynamoDB client: calls, failed conditions, and the cap
// record's size and in-flight reservations as each write returns them.
type counting struct {
	governance.DynamoDB
	attempts *attemptCounter

	calls, condFailed, samples, sumBytes, maxBytes, sumInflight, maxInflight atomic.Int64
}

type stats struct {
	calls, attempts, condFailed int64
	meanBytes, meanInflight     float64
	maxBytes                    int64
	maxInflight                 int
}

func (c *counting) reset() {
	for _, v := range []*atomic.Int64{&c.calls, &c.condFailed, &c.samples, &c.sumBytes, &c.maxBytes, &c.sumInflight, &c.maxInflight, &c.attempts.n} {
		v.Store(0)
	}
}

func (c *counting) snapshot() stats {
	s := stats{calls: c.calls.Load(), attempts: c.attempts.n.Load(), condFailed: c.condFailed.Load(), maxBytes: c.maxBytes.Load(), maxInflight: int(c.maxInflight.Load())}
	if n := c.samples.Load(); n > 0 {
		s.meanBytes, s.meanInflight = float64(c.sumBytes.Load())/float64(n), float64(c.sumInflight.Load())/float64(n)
	}
	return s
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.calls.Add(1)
	return c.DynamoDB.GetItem(ctx, in, o...)
}

func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.calls.Add(1)
	return c.DynamoDB.PutItem(ctx, in, o...)
}

func (c *counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.calls.Add(1)
	out, err := c.DynamoDB.UpdateItem(ctx, in, o...)
	if governance.IsConditionFailed(err) {
		c.condFailed.Add(1)
	}
	if err == nil && len(out.Attributes) > 0 {
		size := int64(itemSize(out.Attributes))
		inflight := int64(0)
		if m, ok := out.Attributes[governance.AttrInflight].(*types.AttributeValueMemberM); ok {
			inflight = int64(len(m.Value))
		}
		c.samples.Add(1)
		c.sumBytes.Add(size)
		c.sumInflight.Add(inflight)
		storeMax(&c.maxBytes, size)
		storeMax(&c.maxInflight, inflight)
	}
	return out, err
}

func storeMax(v *atomic.Int64, x int64) {
	for cur := v.Load(); x > cur && !v.CompareAndSwap(cur, x); cur = v.Load() {
	}
}

// itemSize approximates DynamoDB's item size: attribute names plus values (strings by
// length, numbers about one byte per two digits plus one, maps and lists three bytes
// plus their elements and one byte each).
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(v.Value, "-0"))+1)/2 + 1
	case *types.AttributeValueMemberM:
		return 3 + itemSize(v.Value) + len(v.Value)
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	}
	return 0
}

// attemptCounter counts HTTP requests to DynamoDB, the SDK's retries included.
type attemptCounter struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (a *attemptCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	a.n.Add(1)
	return a.next.RoundTrip(r)
}
