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
// Both run for each slice count of -slices (CapConfig.Slices: the team's counters split
// over that many slice items, each reservation its own item; layout 2).
//
// Throughput: one team with an ample budget, a sweep of client concurrency for each
// slice count; for each level the admitted request rate, latency, refusals, the ledger's
// DynamoDB calls, failed conditions and transaction conflicts, and what the metered front
// observed: write units per admitted request on the hottest item (the slice with the
// most) and on all items, the largest write to a slice, and the writes it throttled
// (DynamoDB bills a write by the item's size, transactional writes twice, and one item
// sustains at most 1,000 write units per second).
//
// Run from the repository (it finds tools/node for dynalite): go run ./bench/cap
// (-h lists the knobs; CAP_DEBUG=1 prints every answer counted as "other").
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
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
	"github.com/aws/smithy-go"

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
	sliceList    = flag.String("slices", "1", "the team's slice counts (CapConfig.Slices, 1..64), comma-separated; every run is made for each")
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
	log     logCounter // the enforcers' log: settlements given up
}

// logCounter counts the enforcer's "settlement failed" events (a settlement throttled or
// in conflict past its retries: the reservation stays until it expires and is charged
// in full), and prints every ERROR event under CAP_DEBUG.
type logCounter struct{ settleFailed atomic.Int64 }

func (l *logCounter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"settlement failed`)) {
		l.settleFailed.Add(1)
	}
	if os.Getenv("CAP_DEBUG") != "" && bytes.Contains(p, []byte(`"ERROR"`)) {
		_, _ = os.Stderr.Write(p)
	}
	return len(p), nil
}

func run() error {
	ctx := context.Background()
	r, stop, err := newRig(ctx)
	if err != nil {
		return err
	}
	defer stop()

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
	sliceCounts, err := parseList(*sliceList)
	if err != nil {
		return fmt.Errorf("-slices: %w", err)
	}
	fmt.Println("cap: policy    slices  run  admitted  blocked  deferred  5xx  other  spent/limit      overspend USD  false blocks  conflicts/req  req/s  throttled  left reserved USD (items)")
	if err := r.exactnessRuns(ctx, sliceCounts, limit, cost, body); err != nil {
		return err
	}
	if *sweep != "" {
		return r.sweepRuns(ctx, sliceCounts, body)
	}
	return nil
}

// newRig starts dynalite behind the emulator's DynamoDB front, creates the table and
// serves the emulated Bedrock; stop ends them.
func newRig(ctx context.Context) (r *rig, stop func(), err error) {
	p, err := dynalite.Start(ctx)
	if err != nil {
		return nil, nil, err
	}
	// The production client's settings (the SDK's standard retryer), dynalite's endpoint;
	// a counting transport sees every HTTP attempt, retries included.
	// A pool as large as the clients: with the default of 2 idle connections per host,
	// hundreds of concurrent calls would churn loopback ports instead of measuring.
	attempts := &attemptCounter{next: &http.Transport{MaxIdleConnsPerHost: 1024}}
	emu := localaws.New(localaws.WithDynamoDB(p.Endpoint))
	front := httptest.NewServer(emu)
	raw := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(front.URL),
		Credentials: credentials.NewStaticCredentialsProvider(localaws.TestAccessKeyID, localaws.TestSecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: attempts},
	})
	r = &rig{emu: emu, db: &counting{DynamoDB: raw, attempts: attempts, reservesOn: map[string]int64{}}, table: "bench-cap", pricing: governance.DefaultPricing()}
	if _, err := raw.CreateTable(ctx, governance.CreateTableInput(r.table)); err != nil {
		front.Close()
		p.Stop()
		return nil, nil, err
	}
	time.Sleep(50 * time.Millisecond)
	br := localaws.NewBedrockRuntime(nil)
	br.SetFaults(localaws.BedrockFaults{Latency: *modelLatency})
	r.br = br
	r.bedrock = httptest.NewServer(br)
	return r, func() { r.bedrock.Close(); front.Close(); p.Stop() }, nil
}

// exactnessRuns makes the -repeat exactness runs of each slice count and of the naive
// control.
func (r *rig) exactnessRuns(ctx context.Context, sliceCounts []int, limit, cost governance.Micros, body []byte) error {
	for i := 1; *exact && i <= *repeat; i++ {
		// The naive control has no slices: it runs once per repeat, after the enforcer's.
		for k, n := range append(sliceCounts, 0) {
			naive := k == len(sliceCounts)
			res, err := r.exactness(ctx, naive, n, limit, cost, body)
			if err != nil {
				return err
			}
			name, sl := "enforcer", strconv.Itoa(n)
			if naive {
				name, sl = "naive", "-"
			}
			fmt.Printf("cap: %-8s  %6s  %3d  %8d  %7d  %8d  %3d  %5d  %7.3f%%  %14s  %12d  %13.3f  %5.0f  %9d  %s (%d)\n", name, sl, i, res.ok, res.blocked, res.deferred, res.unavailable, res.other,
				100*float64(res.spent)/float64(limit), max(res.spent-limit, 0), res.falseBlocks, res.conflicts, res.rate, res.throttled, res.held, res.holds)
		}
	}
	return nil
}

// sweepRuns is the throughput sweep: each -sweep client concurrency for each slice count.
func (r *rig) sweepRuns(ctx context.Context, sliceCounts []int, body []byte) error {
	if *sweepLatency > 0 {
		r.br.SetFaults(localaws.BedrockFaults{Latency: *sweepLatency})
	} else {
		*sweepLatency = *modelLatency
	}
	levels, err := parseList(*sweep)
	if err != nil {
		return fmt.Errorf("-sweep: %w", err)
	}
	fmt.Printf("sweep: one team, ample budget, model latency %s, %s per level. Refusals: blocked/deferred/5xx/other (all false: the budget is ample). Per admitted request: ledger calls, DynamoDB HTTP attempts, failed conditions, transaction conflicts (cancellations for TransactionConflict), throttling errors the ledger saw. Metered by the emulator's DynamoDB front: write units on the hottest slice per admitted request, and per request made on that slice; on all items (table; the reservations index, not metered, adds 2 per request); the largest slice written (bytes) and largest write to a slice (WCU); writes throttled; then the ceilings 1,000 WCU/s per item implies: one slice, and the team (its hottest slice saturating first)\n", *sweepLatency, *sweepFor)
	fmt.Println("sweep: slices  clients  req/s  p50 ms  p99 ms  blk/def/5xx/oth  calls/req  attempts/req  cond-fail/req  conflicts/req  throttle-err/req | hot WCU/req  hot WCU/req-on-it  all WCU/req  slice max B  max WCU/write  throttled | ceiling slice  team | overspend  false refusals  settles given up  left reserved USD")
	for _, sl := range sliceCounts {
		for _, n := range levels {
			if err := r.throughput(ctx, sl, n, body); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func requestBody() []byte {
	b, _ := json.Marshal(map[string]any{
		"messages":        []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": fmt.Sprintf("Summarise the ticket. [[tokens:%d]]", *outTokens)}}}},
		"inferenceConfig": map[string]any{"maxTokens": *maxTokens},
	})
	return b
}

// newTeam writes a fresh team's cap record over `slices` slices (and its identity) and
// sets its spend, spread over the slices as settlements would have left it.
func (r *rig) newTeam(ctx context.Context, prefix string, slices int, limit, spent governance.Micros) (string, error) {
	r.seq++
	team := fmt.Sprintf("%s-%d", prefix, r.seq)
	cfg := governance.CapConfig{
		Team: team, Limit: limit, Thresholds: governance.DefaultThresholds,
		ModelID: model, ProfileARN: "arn:aws:bedrock:us-east-1:" + account + ":application-inference-profile/" + team,
		PriceGroup: "us", Principals: []string{roleARN(team)}, Slices: slices,
	}
	if _, err := governance.WriteCapConfig(ctx, r.db, r.table, cfg, time.Now()); err != nil {
		return "", err
	}
	// Spend already counted this month: each slice has spent its share of it (the
	// remainder on the first, as the cap's shares are cut), so each has 5% of its share left.
	for i := range slices {
		s := spent / governance.Micros(slices)
		if i < int(spent%governance.Micros(slices)) {
			s++
		}
		if s == 0 {
			continue
		}
		_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(r.table), Key: map[string]types.AttributeValue{governance.AttrPK: &types.AttributeValueMemberS{Value: governance.SliceKey(team, i)}},
			UpdateExpression:          aws.String("SET #sp = #sp + :s, #hr = #hr - :s, #ohr = #ohr - :s"),
			ConditionExpression:       aws.String("attribute_exists(#sp)"),
			ExpressionAttributeNames:  map[string]string{"#sp": governance.AttrSpent, "#hr": governance.AttrHeadroom, "#ohr": governance.AttrOverrideHeadroom},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(s), 10)}},
		})
		if err != nil {
			return "", fmt.Errorf("set the spend of slice %d of team %s: %w", i, team, err)
		}
	}
	return team, nil
}

// naiveKey is the naive control's own counter item: it shares nothing with the ledger.
func naiveKey(team string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{governance.AttrPK: &types.AttributeValueMemberS{Value: "bench-naive#" + team}}
}

// naiveSpent reads the naive control's counter.
func (r *rig) naiveSpent(ctx context.Context, team string) (governance.Micros, error) {
	out, err := r.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(r.table), Key: naiveKey(team), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, err
	}
	n, ok := out.Item[governance.AttrSpent].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("naive counter of %s: no spend", team)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	return governance.Micros(v), err
}

func roleARN(team string) string { return "arn:aws:iam::" + account + ":role/" + team }

// enforcerServer serves the real handler behind a front that stands for the function
// URL's IAM authorizer: the caller's access key id names its role. The wait function
// returns once every request has returned from the handler (a client has its whole
// response before the handler has settled) and detached work is done.
func (r *rig) enforcerServer() (*httptest.Server, func(), error) {
	deps := enforcer.Deps{DB: r.db, Credentials: credentials.NewStaticCredentialsProvider("AKIDENFORCER", "secret", ""), Log: &r.log}
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
	key := naiveKey(team)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		spent, err := r.naiveSpent(req.Context(), team)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if spent >= limit {
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
	admitted    outcome = iota
	blocked             // ServiceQuotaExceededException: the budget cannot pay for it
	deferred            // ThrottlingException after the client's retries
	unavailable         // a 5xx (fail closed: the ledger could not be written)
	other
	outcomes
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
		case resp.StatusCode >= 500:
			return unavailable, time.Since(start)
		default:
			if os.Getenv("CAP_DEBUG") != "" {
				fmt.Fprintln(os.Stderr, "cap: unexpected answer", resp.StatusCode, typ)
			}
			return other, time.Since(start)
		}
	}
}

type result struct {
	ok, blocked, deferred, unavailable, other int
	spent                                     governance.Micros
	falseBlocks                               int
	held                                      governance.Micros // still reserved at the end: settlements given up
	holds                                     int               // reservation items left
	throttled                                 int64             // writes the metered front throttled
	conflicts                                 float64           // per request sent
	rate                                      float64
}

// exactness runs -requests requests through the enforcer (a team over `slices` slices)
// or the naive control, the team's spend at 95% of limit.
func (r *rig) exactness(ctx context.Context, naive bool, slices int, limit, cost governance.Micros, body []byte) (result, error) {
	var team string
	var err error
	var srv *httptest.Server
	wait := func() {}
	if naive {
		r.seq++
		team = fmt.Sprintf("naive-%d", r.seq)
		_, err = r.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: map[string]types.AttributeValue{
			governance.AttrPK: naiveKey(team)[governance.AttrPK], governance.AttrSpent: &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(limit*95/100), 10)}}})
		if err != nil {
			return result{}, err
		}
		price, _, _, _ := r.pricing.Quote(model, nil, "us")
		srv = r.naiveServer(team, limit, price)
	} else {
		if team, err = r.newTeam(ctx, "exact", slices, limit, limit*95/100); err != nil {
			return result{}, err
		}
		if srv, wait, err = r.enforcerServer(); err != nil {
			return result{}, err
		}
	}
	defer srv.Close()
	c := &client{http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}, url: srv.URL, team: team, body: body}
	r.db.reset()
	r.emu.ResetDynamoDBUsage()
	var next atomic.Int64
	var counts [outcomes]atomic.Int64
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
	res := result{ok: int(counts[admitted].Load()), blocked: int(counts[blocked].Load()), deferred: int(counts[deferred].Load()),
		unavailable: int(counts[unavailable].Load()), other: int(counts[other].Load()), rate: float64(*requests) / elapsed.Seconds(),
		conflicts: float64(r.db.snapshot().conflicts) / float64(*requests)}
	for _, u := range r.emu.DynamoDBUsage() {
		if u.Table == r.table {
			res.throttled += u.Throttled
		}
	}
	if naive {
		res.spent, err = r.naiveSpent(ctx, team)
		if err != nil {
			return res, err
		}
	} else {
		rec, err := governance.ReadCapRecord(ctx, r.db, r.table, team)
		if err != nil {
			return result{}, err
		}
		res.spent, res.held = rec.Spent, rec.Reserved
		left, err := governance.QueryReservations(ctx, r.db, r.table, team, math.MaxInt64)
		if err != nil {
			return res, err
		}
		res.holds = len(left)
	}
	// A false block: a refusal (blocked, deferred, 5xx) that the room left at the end
	// could have paid for.
	if left := limit - res.spent; left > 0 {
		res.falseBlocks = min(res.blocked+res.deferred+res.unavailable, int(left/cost))
	}
	return res, nil
}

// throughput runs n clients for the sweep time against a team over nSlices slices that
// never runs out.
func (r *rig) throughput(ctx context.Context, nSlices, n int, body []byte) error {
	limit := 1_000_000_000 * governance.Micros(1_000_000)
	team, err := r.newTeam(ctx, "sweep", nSlices, limit, 0)
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
	r.log.settleFailed.Store(0)
	lat, counts, elapsed := load(ctx, c, n)
	wait()
	s := r.db.snapshot()
	ok := float64(counts[admitted].Load())
	if ok == 0 {
		return fmt.Errorf("sweep %d: nothing admitted", n)
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	hot, all, maxSliceWrite, throttled := r.metered(team)
	onHot := float64(s.reservesOn[strings.TrimPrefix(hot.PartitionKey, "S:")])
	rec, err := governance.ReadCapRecord(ctx, r.db, r.table, team)
	if err != nil {
		return err
	}
	maxSlice := 0
	for _, p := range rec.Parts {
		maxSlice = max(maxSlice, p.Size)
	}
	hotPerReq := hot.WriteUnits / ok
	perOnHot := hot.WriteUnits / max(onHot, 1)
	refused := counts[blocked].Load() + counts[deferred].Load() + counts[unavailable].Load()
	fmt.Printf("sweep: %6d  %7d  %5.0f  %6.1f  %6.1f  %4d/%d/%d/%d  %9.2f  %12.2f  %13.3f  %13.3f  %16.3f | %11.2f  %17.2f  %11.2f  %11d  %13.0f  %9d | %13.0f  %5.0f | %9s  %14d  %16d  %s\n",
		nSlices, n, ok/elapsed.Seconds(), pct(0.5), pct(0.99),
		counts[blocked].Load(), counts[deferred].Load(), counts[unavailable].Load(), counts[other].Load(),
		float64(s.calls)/ok, float64(s.attempts)/ok, float64(s.condFailed)/ok, float64(s.conflicts)/ok, float64(s.throttles)/ok,
		hotPerReq, perOnHot, all/ok, maxSlice, maxSliceWrite, throttled,
		1000/perOnHot, 1000/hotPerReq, max(rec.Spent-limit, 0), refused, r.log.settleFailed.Load(), rec.Reserved)
	return nil
}

// load runs n clients sending requests for -sweep-for; it returns the admitted requests'
// latencies, the count of each outcome and the time the load took.
func load(ctx context.Context, c *client, n int) (lat []time.Duration, counts *[outcomes]atomic.Int64, elapsed time.Duration) {
	var mu sync.Mutex
	counts = new([outcomes]atomic.Int64)
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
	return lat, counts, time.Since(start)
}

// metered is what the metered front saw: the hottest of team's slices (most write
// units) and the largest write to a slice, and the write units and throttled writes of
// every item of the table (only this level's team wrote since the reset).
func (r *rig) metered(team string) (hot localaws.PartitionUsage, all, maxSliceWrite float64, throttled int64) {
	slicePK := "S:" + strings.TrimSuffix(governance.SliceKey(team, 0), "0") // every slice key of the team starts so
	for _, u := range r.emu.DynamoDBUsage() {
		if u.Table != r.table {
			continue
		}
		all += u.WriteUnits
		throttled += u.Throttled
		if strings.HasPrefix(u.PartitionKey, slicePK) {
			if u.WriteUnits > hot.WriteUnits {
				hot = u
			}
			maxSliceWrite = max(maxSliceWrite, u.MaxWriteUnits)
		}
	}
	return hot, all, maxSliceWrite, throttled
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

// counting wraps the ledger's DynamoDB client: calls, failed conditions (of a single-item
// write, or a transaction cancelled with ConditionalCheckFailed), transaction conflicts
// (cancelled with TransactionConflict, or TransactionConflictException), throttling
// errors, and the reservations made on each slice.
type counting struct {
	governance.DynamoDB
	attempts *attemptCounter

	calls, condFailed, conflicts, throttles atomic.Int64
	mu                                      sync.Mutex
	reservesOn                              map[string]int64 // slice key -> reservations made on it
}

type stats struct {
	calls, attempts, condFailed, conflicts, throttles int64
	reservesOn                                        map[string]int64
}

func (c *counting) reset() {
	for _, v := range []*atomic.Int64{&c.calls, &c.condFailed, &c.conflicts, &c.throttles, &c.attempts.n} {
		v.Store(0)
	}
	c.mu.Lock()
	c.reservesOn = map[string]int64{}
	c.mu.Unlock()
}

func (c *counting) snapshot() stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return stats{calls: c.calls.Load(), attempts: c.attempts.n.Load(), condFailed: c.condFailed.Load(), conflicts: c.conflicts.Load(),
		throttles: c.throttles.Load(), reservesOn: maps.Clone(c.reservesOn)}
}

// note counts one call and what its error says.
func (c *counting) note(err error) {
	c.calls.Add(1)
	if err == nil {
		return
	}
	var tce *types.TransactionCanceledException
	var tc *types.TransactionConflictException
	var tip *types.TransactionInProgressException
	var api smithy.APIError
	switch {
	case errors.As(err, &tce):
		cond, conflict, throttle := false, false, false
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				cond = true
			case "TransactionConflict":
				conflict = true
			case "ThrottlingError", "ProvisionedThroughputExceeded":
				throttle = true
			}
		}
		count(&c.condFailed, cond)
		count(&c.conflicts, conflict)
		count(&c.throttles, throttle)
	case errors.As(err, &tc), errors.As(err, &tip):
		c.conflicts.Add(1)
	case governance.IsConditionFailed(err):
		c.condFailed.Add(1)
	case errors.As(err, &api) && (api.ErrorCode() == "ProvisionedThroughputExceededException" || api.ErrorCode() == "ThrottlingException"):
		c.throttles.Add(1)
	}
}

func count(v *atomic.Int64, b bool) {
	if b {
		v.Add(1)
	}
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := c.DynamoDB.GetItem(ctx, in, o...)
	c.note(err)
	return out, err
}

func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := c.DynamoDB.PutItem(ctx, in, o...)
	c.note(err)
	return out, err
}

func (c *counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := c.DynamoDB.UpdateItem(ctx, in, o...)
	c.note(err)
	return out, err
}

func (c *counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	out, err := c.DynamoDB.DeleteItem(ctx, in, o...)
	c.note(err)
	return out, err
}

func (c *counting) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := c.DynamoDB.BatchGetItem(ctx, in, o...)
	c.note(err)
	return out, err
}

func (c *counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.DynamoDB.Query(ctx, in, o...)
	c.note(err)
	return out, err
}

// TransactWriteItems also counts the reservations made on each slice: the puts of
// reservation items in a transaction led by the slice's update that succeeded, alone
// (governance.ReserveInput) or grouped with others' reservations and settlements (the
// Committer's shared transactions).
func (c *counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := c.DynamoDB.TransactWriteItems(ctx, in, o...)
	c.note(err)
	if err != nil || len(in.TransactItems) < 2 || in.TransactItems[0].Update == nil {
		return out, err
	}
	puts := int64(0)
	for _, it := range in.TransactItems[1:] {
		if it.Put != nil {
			puts++
		}
	}
	if k, ok := in.TransactItems[0].Update.Key[governance.AttrPK].(*types.AttributeValueMemberS); ok && puts > 0 {
		c.mu.Lock()
		c.reservesOn[k.Value] += puts
		c.mu.Unlock()
	}
	return out, err
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
