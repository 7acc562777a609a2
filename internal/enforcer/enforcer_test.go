package enforcer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const usd = governance.MicrosPerUSD

func header(md any, k string) string {
	if raw, ok := md.(*smithyhttp.Response); ok {
		return raw.Header.Get(k)
	}
	return ""
}

func userText(s string) []brtypes.Message {
	return []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: s}}}}
}

// The official SDK works unchanged for all four operations, in both auth modes, and
// every call is charged exactly what the emulator reported.
func TestOfficialSDKAllOperationsBothModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode enforcer.AuthMode
		full bool
	}{{enforcer.AuthIAM, false}, {enforcer.AuthAPIKey, false}, {enforcer.AuthIAM, true}} {
		mode := tc.mode
		name := string(mode)
		if tc.full {
			name += "/full-emulator"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpt{mode: mode, fullEmulator: tc.full}, teamConfig("sdk", 100*usd))
			c := e.sdk("sdk", 1)
			ctx := context.Background()
			model := sonnet // clients keep their model id; the enforcer routes to the profile

			out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(model), Messages: userText("hello [[tokens:7]]"),
				InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(50)}})
			if err != nil {
				t.Fatalf("Converse: %v", err)
			}
			if out.Usage == nil || *out.Usage.OutputTokens != 7 {
				t.Fatalf("Converse usage %+v", out.Usage)
			}
			raw := awsmiddleware.GetRawResponse(out.ResultMetadata)
			if header(raw, enforcer.HeaderTeam) != "sdk" || header(raw, enforcer.HeaderState) != "ok" || header(raw, enforcer.HeaderModel) != sonnet || header(raw, enforcer.HeaderSpendPercent) != "0" {
				t.Fatalf("headers: %v", raw.(*smithyhttp.Response).Header)
			}

			st, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(profileARN("sdk")), Messages: userText("stream [[tokens:10]]")})
			if err != nil {
				t.Fatalf("ConverseStream: %v", err)
			}
			text, gotUsage := "", false
			for ev := range st.GetStream().Events() {
				switch v := ev.(type) {
				case *brtypes.ConverseStreamOutputMemberContentBlockDelta:
					text += v.Value.Delta.(*brtypes.ContentBlockDeltaMemberText).Value
				case *brtypes.ConverseStreamOutputMemberMetadata:
					gotUsage = *v.Value.Usage.OutputTokens == 10
				}
			}
			if err := st.GetStream().Err(); err != nil || text != strings.Repeat("ab ", 10) || !gotUsage {
				t.Fatalf("ConverseStream text %q usage %v err %v", text, gotUsage, err)
			}

			inv, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(model), ContentType: aws.String("application/json"),
				Body: []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":30,"messages":[{"role":"user","content":"invoke [[tokens:5]]"}]}`)})
			if err != nil || !strings.Contains(string(inv.Body), strings.Repeat("ab ", 5)) {
				t.Fatalf("InvokeModel: %v %s", err, inv.Body)
			}

			ist, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(model), ContentType: aws.String("application/json"),
				Body: []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":30,"messages":[{"role":"user","content":"invoke stream [[tokens:9]]"}]}`)})
			if err != nil {
				t.Fatalf("InvokeModelWithResponseStream: %v", err)
			}
			chunks := 0
			for ev := range ist.GetStream().Events() {
				if _, ok := ev.(*brtypes.ResponseStreamMemberChunk); ok {
					chunks++
				}
			}
			if err := ist.GetStream().Err(); err != nil || chunks < 3 {
				t.Fatalf("InvokeModelWithResponseStream chunks %d err %v", chunks, err)
			}

			calls := e.emu.Calls()
			if len(calls) != 4 {
				t.Fatalf("emulator saw %d calls", len(calls))
			}
			for _, call := range calls {
				if call.ModelID != sonnet || !call.Signed {
					t.Fatalf("forwarded call %+v: want the team's profile, signed", call)
				}
			}
			rec := e.record("sdk")
			if rec.Spent != e.billed() || rec.Reserved != 0 || len(rec.Inflight) != 0 || rec.Requests != 4 {
				t.Fatalf("spent %d want %d; reserved %d; requests %d", rec.Spent, e.billed(), rec.Reserved, rec.Requests)
			}
			if rec.Headroom != rec.Cap-rec.Spent {
				t.Fatalf("headroom %d", rec.Headroom)
			}
			if strings.Contains(e.logs.String(), "hello") || strings.Contains(e.logs.String(), "key-sdk") || strings.Contains(e.logs.String(), "ab ab") {
				t.Fatal("a prompt, completion or key reached the logs")
			}
			if !strings.Contains(e.logs.String(), `"CloudWatchMetrics"`) {
				t.Fatal("no EMF metrics in the logs")
			}
		})
	}
}

// 64+ concurrent requests against a budget that covers only some: the enforcer admits
// exactly what the worst-case reservations allow and never overspends; a naive
// check-then-act control in the same test overspends.
func TestConcurrentRequestsNeverExceedTheCap(t *testing.T) {
	t.Parallel()
	const n = 72
	var arrived atomic.Int64
	gate := make(chan struct{})
	hold := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived.Add(1)
			<-gate
			next.ServeHTTP(w, r)
		})
	}
	body := converseBody("concurrent [[tokens:200]]", 400)
	// Reservation per request: (len(body)+1024) input tokens at the cache-write rate of
	// Sonnet (3.75) + 400 output tokens at 15 USD per million.
	p, _, _, _ := governance.DefaultPricing().Quote(sonnet, nil, "us")
	reservation := p.WorstCase(governance.InputTokenBound(len(body)), 400)
	limit := reservation*20 + reservation/2 // room for exactly 20 reservations
	cfg := teamConfig("conc", limit)
	cfg.DegradeModelID, cfg.DegradeProfileARN = "", ""
	e := newEnv(t, envOpt{upstream: hold}, cfg)

	var refused, admitted atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := e.post(context.Background(), "conc", sonnet, "converse", body, nil)
			switch {
			case resp == nil:
				t.Error("request failed")
			case resp.StatusCode == http.StatusOK:
				admitted.Add(1)
			case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("X-Amzn-Errortype") == "ThrottlingException":
				// The budget is held by in-flight reservations: retryable.
				refused.Add(1)
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	// Release Bedrock only once every request was either refused or is waiting upstream:
	// all reservations are taken before any settles.
	deadline := time.Now().Add(20 * time.Second)
	for arrived.Load()+refused.Load() < n && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	close(gate)
	wg.Wait()
	rec := e.record("conc")
	if admitted.Load() != 20 || refused.Load() != n-20 {
		t.Fatalf("admitted %d refused %d, want 20 and %d", admitted.Load(), refused.Load(), n-20)
	}
	if rec.Spent > limit || rec.Spent != e.billed() || rec.Reserved != 0 {
		t.Fatalf("spent %d (billed %d) limit %d reserved %d", rec.Spent, e.billed(), limit, rec.Reserved)
	}
	perCall := e.cost(sonnet, localaws.BedrockUsageFor([]byte(body)))
	t.Logf("enforcer: %d of %d admitted, spent %s of %s USD", admitted.Load(), n, rec.Spent, limit)
	// The refusals were retryable: once the burst settled, its room is back.
	if resp, _ := e.post(context.Background(), "conc", sonnet, "converse", body, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("retry after the burst: %d", resp.StatusCode)
	}

	// Control: check-then-act against the same store and Bedrock. Every request reads
	// the spend, finds room, and only then adds its cost.
	naiveSpent := naiveRun(t, e, n, body, perCall*20+perCall/2)
	if naiveSpent <= perCall*20+perCall/2 {
		t.Fatalf("the naive policy did not overspend (%d); the control proves nothing", naiveSpent)
	}
	t.Logf("naive check-then-act: spent %s against a limit of %s USD", naiveSpent, perCall*20+perCall/2)
}

// naiveRun admits n concurrent requests with a read-then-write policy on a counter item
// in dynalite and returns the spend it ends with.
func naiveRun(t *testing.T, e *env, n int, body string, limit governance.Micros) governance.Micros {
	ctx := context.Background()
	key := map[string]dynamodbAV{"pk": sAV("naive")}
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: map[string]dynamodbAV{"pk": sAV("naive"), "spent": nAV(0)}}); err != nil {
		t.Fatal(err)
	}
	var ready sync.WaitGroup
	ready.Add(n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key, ConsistentRead: aws.Bool(true)})
			ready.Done()
			if err != nil {
				t.Error(err)
				return
			}
			spent := governance.Micros(numOf(out.Item["spent"]))
			<-start // the model call takes time; others check meanwhile
			if spent >= limit {
				return
			}
			resp, err := http.Post(e.emuSrv.URL+"/model/"+strings.ReplaceAll(profileARN("conc"), "/", "%2F")+"/converse", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close()
			cost := e.cost(sonnet, localaws.BedrockUsageFor([]byte(body)))
			_, err = ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(e.table), Key: key,
				UpdateExpression: aws.String("ADD spent :c"), ExpressionAttributeValues: map[string]dynamodbAV{":c": nAV(int64(cost))}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	ready.Wait()
	close(start)
	wg.Wait()
	out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return governance.Micros(numOf(out.Item["spent"]))
}

// Notify once per threshold per period under concurrency, degrade switches the model,
// block returns a non-retried error through the official SDK.
func TestGraduatedResponse(t *testing.T) {
	t.Parallel()
	body := converseBody("grad [[tokens:1000]]", 1000)
	perSonnet := governance.Micros(0)
	{
		u := localaws.BedrockUsageFor([]byte(body))
		p, _, _, _ := governance.DefaultPricing().Quote(sonnet, nil, "us")
		perSonnet = p.Cost(governance.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens})
	}
	limit := perSonnet * 40
	e := newEnv(t, envOpt{}, teamConfig("grad", limit))
	ctx := context.Background()

	// 24 concurrent calls take spend past 50% (each costs 1/40 of the budget).
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := e.post(ctx, "grad", sonnet, "converse", body, nil); resp == nil || resp.StatusCode != http.StatusOK {
				t.Error("request refused below the notify threshold")
			}
		}()
	}
	wg.Wait()
	e.quiesce()
	if got := e.notes.list(); len(got) != 1 || !strings.Contains(got[0], "reached 50%") || !strings.HasPrefix(got[0], "arn:aws:sns:us-east-1:"+account+":bedgov-grad") {
		t.Fatalf("notifications after 60%%: %v", got)
	}
	resp, _ := e.post(ctx, "grad", sonnet, "converse", body, nil)
	if resp.Header.Get(enforcer.HeaderState) != "notified" || resp.Header.Get(enforcer.HeaderModel) != sonnet {
		t.Fatalf("state %s model %s", resp.Header.Get(enforcer.HeaderState), resp.Header.Get(enforcer.HeaderModel))
	}
	// Past 80%: degraded to the degrade profile (Haiku), and notified once for 80.
	for i := 0; i < 8; i++ {
		e.post(ctx, "grad", sonnet, "converse", body, nil)
	}
	resp, _ = e.post(ctx, "grad", sonnet, "converse", body, nil)
	if resp.Header.Get(enforcer.HeaderState) != "degraded" || resp.Header.Get(enforcer.HeaderModel) != haiku || resp.Header.Get(enforcer.HeaderProfile) != profileARN("grad-degraded") {
		t.Fatalf("not degraded: state %s model %s", resp.Header.Get(enforcer.HeaderState), resp.Header.Get(enforcer.HeaderModel))
	}
	calls := e.emu.Calls()
	if calls[len(calls)-1].ModelID != haiku {
		t.Fatalf("Bedrock saw %s", calls[len(calls)-1].ModelID)
	}
	e.quiesce()
	if got := e.notes.list(); len(got) != 2 || !strings.Contains(got[1], "reached 80%") {
		t.Fatalf("notifications: %v", got)
	}
	// Exhaust the budget with expensive calls straight to Sonnet's worst case.
	for i := 0; i < 400; i++ {
		r, _ := e.post(ctx, "grad", sonnet, "converse", converseBody("burn [[tokens:4000]]", 4000), nil)
		if r.StatusCode != http.StatusOK {
			break
		}
	}
	rec := e.record("grad")
	if rec.Spent > limit {
		t.Fatalf("overspent: %d > %d", rec.Spent, limit)
	}
	// Block: the SDK gets a typed error and does not retry it.
	before := e.hits.Load()
	_, err := e.sdk("grad", 3).Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: userText("more [[tokens:4000]]"),
		InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(4000)}})
	var sq *brtypes.ServiceQuotaExceededException
	if !errors.As(err, &sq) {
		t.Fatalf("blocked call: %v", err)
	}
	if e.hits.Load()-before != 1 {
		t.Fatalf("the SDK retried the block %d times", e.hits.Load()-before-1)
	}
	e.quiesce()
	if got := e.notes.list(); len(got) != 3 || !strings.Contains(got[2], "is blocked") {
		t.Fatalf("block notification: %v", got)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest || !strings.Contains(sq.ErrorMessage(), "USD") || !strings.Contains(sq.ErrorMessage(), "team grad") {
		t.Fatalf("block error: %v", err)
	}
	// Spend to the block threshold gives the canonical message and the third
	// notification.
	cfg := e.teams["grad"]
	cfg.Limit = rec.Spent // cut the budget to what is spent: blocked
	e.write(cfg)
	e.post(ctx, "grad", haiku, "converse", body, nil) // refused, no settle
	_, err = e.sdk("grad", 3).Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: userText("x")})
	want := fmt.Sprintf("monthly budget of %s USD exceeded for team grad", rec.Spent.Cents())
	if !errors.As(err, &sq) || sq.ErrorMessage() != want {
		t.Fatalf("block message %v, want %q", err, want)
	}
	e.quiesce()
	if got := e.notes.list(); len(got) != 3 {
		t.Fatalf("notified again in the same period: %v", got)
	}
}

// A cancelled stream is charged for what was generated before the cancel and releases
// the rest of its reservation.
func TestCancelledStreamBillsPartialUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("cancel", 100*usd))
	e.emu.SetFaults(localaws.BedrockFaults{EventDelay: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := e.sdk("cancel", 1).ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(sonnet),
		Messages: userText("long [[tokens:4000]]"), InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(4000)}})
	if err != nil {
		t.Fatal(err)
	}
	deltas := 0
	for ev := range st.GetStream().Events() {
		if _, ok := ev.(*brtypes.ConverseStreamOutputMemberContentBlockDelta); ok {
			deltas++
			if deltas == 5 {
				cancel()
				break
			}
		}
	}
	_ = st.GetStream().Close()
	var rec *governance.CapRecord
	for i := 0; i < 200; i++ {
		rec = e.record("cancel")
		if rec.Requests == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	full := e.billed() // what the whole stream would have cost
	if rec.Requests != 1 || rec.Reserved != 0 || len(rec.Inflight) != 0 {
		t.Fatalf("not settled: %+v", rec)
	}
	if rec.Spent == 0 || rec.Spent >= full {
		t.Fatalf("cancelled stream charged %d; full stream %d", rec.Spent, full)
	}
	e.quiesce()
	if !strings.Contains(e.logs.String(), `"cancelled":true`) {
		t.Fatal("cancellation not logged")
	}
}

// Bedrock throttling passes through as Bedrock's own retryable error and costs nothing;
// the SDK's retry (same invocation id) is served and counted once.
func TestBedrockThrottling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("thr", 100*usd))
	ctx := context.Background()
	e.emu.SetFaults(localaws.BedrockFaults{ThrottleNext: 1})
	_, err := e.sdk("thr", 1).Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: userText("hi")})
	var th *brtypes.ThrottlingException
	if !errors.As(err, &th) {
		t.Fatalf("want ThrottlingException, got %v", err)
	}
	if rec := e.record("thr"); rec.Spent != 0 || rec.Reserved != 0 || rec.Requests != 1 {
		t.Fatalf("throttled call charged: %+v", rec)
	}
	e.emu.SetFaults(localaws.BedrockFaults{ThrottleNext: 1})
	if _, err := e.sdk("thr", 3).Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: userText("hi [[tokens:3]]")}); err != nil {
		t.Fatalf("retried call: %v", err)
	}
	if rec := e.record("thr"); rec.Spent != e.billed() || rec.Requests != 3 {
		t.Fatalf("spent %d want %d, requests %d", rec.Spent, e.billed(), rec.Requests)
	}
}

// failingDB stands for an unreachable DynamoDB: a client pointed at a closed port.
func unreachableDB() *dynamodb.Client { return newDDB("http://127.0.0.1:1") }

// switchDB routes to dynalite until down is set.
type switchDB struct {
	governance.DynamoDB
	down atomic.Bool
	dead governance.DynamoDB
}

func (s *switchDB) pick() governance.DynamoDB {
	if s.down.Load() {
		return s.dead
	}
	return s.DynamoDB
}
func (s *switchDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return s.pick().GetItem(ctx, in, o...)
}
func (s *switchDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return s.pick().UpdateItem(ctx, in, o...)
}
func (s *switchDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return s.pick().PutItem(ctx, in, o...)
}
func (s *switchDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return s.pick().TransactWriteItems(ctx, in, o...)
}
func (s *switchDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return s.pick().BatchGetItem(ctx, in, o...)
}
func (s *switchDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return s.pick().Query(ctx, in, o...)
}

func TestLedgerDownFailsClosedOrOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	body := converseBody("x [[tokens:2]]", 10)
	// Cold: nothing is known, DynamoDB refuses connections -> 503, the SDK's error.
	sw := &switchDB{DynamoDB: ddb, dead: unreachableDB()}
	sw.down.Store(true)
	e := newEnv(t, envOpt{db: sw}, teamConfig("down", 100*usd))
	_, err := e.sdk("down", 1).Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: userText("x")})
	var su *brtypes.ServiceUnavailableException
	if !errors.As(err, &su) {
		t.Fatalf("cold, ledger down: %v", err)
	}
	// Warm cache, then DynamoDB goes away: the reservation cannot be made -> 503.
	sw.down.Store(false)
	if resp, _ := e.post(ctx, "down", sonnet, "converse", body, nil); resp.StatusCode != http.StatusOK {
		t.Fatal("warm-up failed")
	}
	sw.down.Store(true)
	resp, _ := e.post(ctx, "down", sonnet, "converse", body, nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("X-Amzn-Errortype") != "ServiceUnavailableException" {
		t.Fatalf("fail closed: %d", resp.StatusCode)
	}
	if len(e.emu.Calls()) != 1 {
		t.Fatal("a request reached Bedrock without a reservation")
	}

	// fail_open: forwarded uncounted, and every log line says so.
	sw2 := &switchDB{DynamoDB: ddb, dead: unreachableDB()}
	o := newEnv(t, envOpt{db: sw2, failOpen: true}, teamConfig("open", 100*usd))
	if resp, _ := o.post(ctx, "open", sonnet, "converse", body, nil); resp.StatusCode != http.StatusOK {
		t.Fatal("warm-up failed")
	}
	sw2.down.Store(true)
	resp, _ = o.post(ctx, "open", sonnet, "converse", body, nil)
	if resp.StatusCode != http.StatusOK || len(o.emu.Calls()) != 2 {
		t.Fatalf("fail open: %d", resp.StatusCode)
	}
	o.quiesce()
	if !strings.Contains(o.logs.String(), `"fail_open":true`) || !strings.Contains(o.logs.String(), `"FailOpenRequests":1`) {
		t.Fatalf("fail open not logged: %s", o.logs.String())
	}
}

// An SDK retry of an already billed call (same invocation id) is not forwarded or
// billed again; a retry of an unbilled attempt is served.
func TestReplayedInvocationCountedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("replay", 100*usd))
	ctx := context.Background()
	body := converseBody("once [[tokens:12]]", 50)
	id := "6f1c7a7e-5f44-4c8e-9d0e-2b8a4c1d9e01"
	resp, _ := e.post(ctx, "replay", sonnet, "converse", body, map[string]string{"Amz-Sdk-Invocation-Id": id, "Amz-Sdk-Request": "attempt=1; max=3"})
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	spent := e.record("replay").Spent
	resp, b := e.post(ctx, "replay", sonnet, "converse", body, map[string]string{"Amz-Sdk-Invocation-Id": id, "Amz-Sdk-Request": "attempt=2; max=3"})
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "ConflictException" || !strings.Contains(string(b), "already served") {
		t.Fatalf("replay: %d %s", resp.StatusCode, b)
	}
	if rec := e.record("replay"); rec.Spent != spent || rec.Requests != 1 || len(e.emu.Calls()) != 1 {
		t.Fatalf("replay counted: %+v", rec)
	}
}

// Rollover is exact at 00:00 UTC on the 1st.
func TestRolloverAtMidnightUTC(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("roll", 1*usd))
	ctx := context.Background()
	e.clock.set(time.Date(2026, 11, 30, 23, 59, 59, 999_000_000, time.UTC))
	for i := 0; i < 100; i++ {
		if resp, _ := e.post(ctx, "roll", sonnet, "converse", converseBody("x [[tokens:2000]]", 2000), nil); resp.StatusCode != http.StatusOK {
			break
		}
	}
	resp, _ := e.post(ctx, "roll", sonnet, "converse", converseBody("x", 2000), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("November not exhausted: %d", resp.StatusCode)
	}
	nov := e.record("roll")
	e.clock.set(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	resp, _ = e.post(ctx, "roll", sonnet, "converse", converseBody("x [[tokens:2]]", 10), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderSpendPercent) != "0" || resp.Header.Get(enforcer.HeaderState) != "ok" {
		t.Fatalf("December: %d %s", resp.StatusCode, resp.Header.Get(enforcer.HeaderState))
	}
	dec := e.record("roll")
	if dec.Period != "2026-12" || dec.PrevPeriod != "2026-11" || dec.PrevSpent != nov.Spent || dec.Spent >= nov.Spent {
		t.Fatalf("rollover: %+v", dec)
	}
}

// An override raises the limit until its expiry and is audited in the logs.
func TestOverrideWithExpiry(t *testing.T) {
	t.Parallel()
	cfg := teamConfig("ovr", usd/100)
	e := newEnv(t, envOpt{}, cfg)
	ctx := context.Background()
	body := converseBody("o [[tokens:20]]", 50)
	for i := 0; i < 50; i++ {
		if resp, _ := e.post(ctx, "ovr", sonnet, "converse", body, nil); resp.StatusCode != http.StatusOK {
			break
		}
	}
	// Refused, and the header gives the team's state as the record has it (a request
	// whose worst case does not fit does not make the team blocked).
	if resp, _ := e.post(ctx, "ovr", sonnet, "converse", body, nil); resp.StatusCode != http.StatusBadRequest ||
		resp.Header.Get(enforcer.HeaderState) != string(e.record("ovr").StandingAt(e.clock.now()).State) || resp.Header.Get(enforcer.HeaderSpendPercent) == "" {
		t.Fatalf("not refused: %d %v", resp.StatusCode, resp.Header)
	}
	cfg.Override = &governance.Override{Limit: usd, Expires: nov15.Add(48 * time.Hour), Reason: "quarter-end batch"}
	e.write(cfg)
	if resp, _ := e.post(ctx, "ovr", sonnet, "converse", body, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("override not honoured: %d", resp.StatusCode)
	}
	e.quiesce()
	if !strings.Contains(e.logs.String(), "quarter-end batch") {
		t.Fatal("override not audited")
	}
	e.clock.set(nov15.Add(48 * time.Hour))
	if resp, _ := e.post(ctx, "ovr", sonnet, "converse", body, nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("expired override honoured: %d", resp.StatusCode)
	}
}

// A key or principal of team A cannot spend team B's budget or reach its profiles.
func TestCrossTeamIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []enforcer.AuthMode{enforcer.AuthIAM, enforcer.AuthAPIKey} {
		e := newEnv(t, envOpt{mode: mode}, teamConfig("alpha", 10*usd), teamConfig("beta", 10*usd))
		body := converseBody("x", 10)
		for _, model := range []string{profileARN("beta"), strings.ReplaceAll(profileARN("beta"), "/", "%2F"), profileARN("beta-degraded"), "anthropic.claude-opus-4-20250514-v1:0"} {
			resp, b := e.post(ctx, "alpha", strings.ReplaceAll(model, ":", "%3A"), "converse", body, nil)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "may not invoke") {
				t.Fatalf("%s: alpha reached %s: %d %s", mode, model, resp.StatusCode, b)
			}
		}
		// Headers cannot pick a team: a spoofed principal or team header is ignored.
		resp, _ := e.post(ctx, "nobody", sonnet, "converse", body, map[string]string{trustHdr: roleARN("beta"), "X-Bedgov-Team": "beta"})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: unknown caller admitted: %d", mode, resp.StatusCode)
		}
		resp, _ = e.post(ctx, "alpha", sonnet, "converse", body, map[string]string{"X-Bedgov-Team": "beta"})
		if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderTeam) != "alpha" {
			t.Fatalf("%s: alpha's own call: %d %s", mode, resp.StatusCode, resp.Header.Get(enforcer.HeaderTeam))
		}
		if b := e.record("beta"); b.Spent != 0 || b.Requests != 0 {
			t.Fatalf("%s: beta charged: %+v", mode, b)
		}
		if a := e.record("alpha"); a.Spent == 0 {
			t.Fatalf("%s: alpha not charged", mode)
		}
	}
}

func TestOversizeBodyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("big", 10*usd))
	resp, _ := e.post(context.Background(), "big", sonnet, "converse", strings.Repeat("x", 21<<20), nil)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "ValidationException" {
		t.Fatalf("oversize: %d", resp.StatusCode)
	}
	if len(e.emu.Calls()) != 0 {
		t.Fatal("forwarded")
	}
}

// A stream that fails mid-way: an in-stream exception reaches the client through the
// SDK, and the call is charged for what was generated, the rest released.
func TestMidStreamFailure(t *testing.T) {
	t.Parallel()
	for _, mode := range []localaws.BedrockStreamFailure{localaws.BedrockStreamException, localaws.BedrockStreamDrop} {
		e := newEnv(t, envOpt{}, teamConfig("mid", 100*usd))
		e.emu.SetFaults(localaws.BedrockFaults{FailStreamAfter: 3, StreamFailure: mode})
		st, err := e.sdk("mid", 1).ConverseStream(context.Background(), &bedrockruntime.ConverseStreamInput{ModelId: aws.String(sonnet),
			Messages: userText("fail [[tokens:100]]"), InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(100)}})
		if err != nil {
			t.Fatal(err)
		}
		for range st.GetStream().Events() {
		}
		serr := st.GetStream().Err()
		var mse *brtypes.ModelStreamErrorException
		if mode == localaws.BedrockStreamException && !errors.As(serr, &mse) {
			t.Fatalf("%s: stream error %v", mode, serr)
		}
		if mode == localaws.BedrockStreamDrop && serr == nil {
			t.Fatalf("%s: a dropped stream looked complete", mode)
		}
		// Charged: the input bound (the stream ended before Bedrock reported input) and
		// the 3 deltas' text as output; never more than the reservation.
		rec := e.record("mid")
		p, _, _, _ := governance.DefaultPricing().Quote(sonnet, nil, "us")
		in := governance.InputTokenBound(e.emu.Calls()[0].BodyBytes)
		want := p.Cost(governance.Usage{InputTokens: in, OutputTokens: 3 * localaws.BedrockStreamChunkTokens * 3})
		if rec.Reserved != 0 || rec.Spent != want || rec.Spent >= p.WorstCase(in, 100) {
			t.Fatalf("%s: spent %d want %d, reserved %d", mode, rec.Spent, want, rec.Reserved)
		}
	}
}

// Degrading switches Converse to the degrade model; an InvokeModel body is model-native,
// so it is switched only within the same provider.
func TestDegradeKeepsInvokeBodiesReadable(t *testing.T) {
	t.Parallel()
	cfg := teamConfig("fam", 100*usd)
	cfg.DegradeModelID = "amazon.nova-lite-v1:0"
	e := newEnv(t, envOpt{}, cfg)
	ctx := context.Background()
	if resp, _ := e.post(ctx, "fam", sonnet, "converse", converseBody("spend [[tokens:2000]]", 2000), nil); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	spent := e.record("fam").Spent
	cfg.Limit = spent * 100 / 81 // 81% spent: degraded
	e.write(cfg)
	resp, _ := e.post(ctx, "fam", sonnet, "converse", converseBody("x [[tokens:2]]", 10), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderState) != "degraded" || resp.Header.Get(enforcer.HeaderModel) != "amazon.nova-lite-v1:0" {
		t.Fatalf("converse: %d %s %s", resp.StatusCode, resp.Header.Get(enforcer.HeaderState), resp.Header.Get(enforcer.HeaderModel))
	}
	resp, _ = e.post(ctx, "fam", sonnet, "invoke", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"x"}]}`, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(enforcer.HeaderState) != "degraded" || resp.Header.Get(enforcer.HeaderModel) != sonnet {
		t.Fatalf("invoke: %d %s %s", resp.StatusCode, resp.Header.Get(enforcer.HeaderState), resp.Header.Get(enforcer.HeaderModel))
	}
	if rec := e.record("fam"); rec.Spent != e.billed() {
		t.Fatalf("spent %d want %d", rec.Spent, e.billed())
	}
}

// The response reaches the client byte for byte as Bedrock sent it, event streams
// included.
func TestResponsesPassThroughByteForByte(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("bytes", 100*usd))
	ctx := context.Background()
	for _, tc := range []struct{ op, body string }{
		{"converse", converseBody("b [[tokens:33]]", 100)},
		{"converse-stream", converseBody("b [[tokens:33]]", 100)},
		{"invoke", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":40,"messages":[{"role":"user","content":"b [[tokens:21]]"}]}`},
		{"invoke-with-response-stream", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":40,"messages":[{"role":"user","content":"b [[tokens:21]]"}]}`},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.emuSrv.URL+"/model/"+strings.ReplaceAll(profileARN("bytes"), "/", "%2F")+"/"+tc.op, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261115/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		direct, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		via, b := e.post(ctx, "bytes", sonnet, tc.op, tc.body, nil)
		if via.StatusCode != http.StatusOK || !bytes.Equal(direct, b) || len(b) == 0 {
			t.Fatalf("%s: %d bytes through the enforcer differ from %d bytes direct", tc.op, len(b), len(direct))
		}
		if via.Header.Get("Content-Type") != resp.Header.Get("Content-Type") {
			t.Fatalf("%s: content type %q vs %q", tc.op, via.Header.Get("Content-Type"), resp.Header.Get("Content-Type"))
		}
	}
}

// replayDB sends every reservation, settlement and notification flag write twice, as
// when the first attempt was applied but its response was lost: the caller sees the
// second attempt's answer. The flag write's condition then fails. A transaction resent
// with its ClientRequestToken (the SDK's own retry) is answered as a success by the
// token, which makes the ledger's recognition trivial; newToken resends it without the
// token (a try under another token, as Reserve's next attempt or an operation that falls
// back from a group commit), whose conditions then fail on the ledger's own writes: the
// reservation's put on an item carrying its nonce, the settlement's delete on an item
// gone.
type replayDB struct {
	governance.DynamoDB
	newToken bool
	// refused counts the replayed transactions that were refused (with newToken); flags,
	// if not nil, the flag writes replayed.
	refused, flags *atomic.Int64
}

func (r replayDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if _, err := r.DynamoDB.TransactWriteItems(ctx, in, o...); err != nil {
		return nil, err
	}
	if r.newToken {
		again := *in
		again.ClientRequestToken = nil
		out, err := r.DynamoDB.TransactWriteItems(ctx, &again, o...)
		if err != nil {
			r.refused.Add(1)
		}
		return out, err
	}
	return r.DynamoDB.TransactWriteItems(ctx, in, o...)
}

func (r replayDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if ex := aws.ToString(in.UpdateExpression); strings.Contains(ex, "#ntf.#t = :flag") {
		if _, err := r.DynamoDB.UpdateItem(ctx, in, o...); err != nil {
			return nil, err
		}
		if r.flags != nil {
			r.flags.Add(1)
		}
	}
	return r.DynamoDB.UpdateItem(ctx, in, o...)
}

// TestLostReservationResponseIsRecognised: every ledger transaction and the notification
// flag write are applied twice. The transactions are resent with their token, so the
// replays succeed trivially (what is checked for them is that nothing counts twice); the
// flag write's replay is the lost answer the notifier must see through.
func TestLostReservationResponseIsRecognised(t *testing.T) {
	t.Parallel()
	flags := new(atomic.Int64)
	e := newEnv(t, envOpt{db: replayDB{DynamoDB: ddb, flags: flags}}, teamConfig("lost", 12_000))
	resp, b := e.post(context.Background(), "lost", sonnet, "converse", converseBody("x [[tokens:400]]", 400), map[string]string{"Amz-Sdk-Invocation-Id": "0d6c2b8e-1111-4c8e-9d0e-2b8a4c1d9e01"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	rec := e.record("lost")
	if rec.Reserved != 0 || len(rec.Inflight) != 0 || rec.Spent != e.billed() {
		t.Fatalf("reservation leaked or double counted: %+v", rec)
	}
	// The 50% notification's flag write was applied and answered as a failed
	// condition: the writer still knows it won, and notifies once.
	if governance.Percent(rec.Spent, rec.Limit) < 50 || len(e.notes.list()) != 1 {
		t.Fatalf("spent %d%%, notifications %v", governance.Percent(rec.Spent, rec.Limit), e.notes.list())
	}
	if flags.Load() == 0 {
		t.Fatal("no notification flag write was replayed: replayDB no longer recognises it")
	}
}

// A reservation and a settlement applied and then tried again under another token fail
// on their own writes (the reservation item carrying the nonce; the item already gone),
// and the ledger recognises both: the request is served, charged once, and nothing stays
// reserved. (The budget leaves room for the replayed slice update: the emulator reports
// only a transaction's first failed condition, so with the room condition failing too
// the reservation item's would not be reported.)
func TestReservationRetriedUnderAnotherTokenIsRecognised(t *testing.T) {
	t.Parallel()
	refused := new(atomic.Int64)
	e := newEnv(t, envOpt{db: replayDB{DynamoDB: ddb, newToken: true, refused: refused}}, teamConfig("lost-token", 100*usd))
	resp, b := e.post(context.Background(), "lost-token", sonnet, "converse", converseBody("x [[tokens:400]]", 400), map[string]string{"Amz-Sdk-Invocation-Id": "0d6c2b8e-2222-4c8e-9d0e-2b8a4c1d9e01"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	rec := e.record("lost-token")
	if rec.Reserved != 0 || len(rec.Inflight) != 0 || rec.Spent != e.billed() || rec.Spent == 0 || rec.Requests != 1 {
		t.Fatalf("reservation leaked or double counted: %+v", rec)
	}
	if n := refused.Load(); n != 2 {
		t.Fatalf("%d replayed transactions refused, want 2 (the reservation's and the settlement's)", n)
	}
}

// Threshold notifications reach SNS through the real SNS client (emulated SNS records
// them), once per threshold.
func TestNotificationsThroughSNS(t *testing.T) {
	t.Parallel()
	cfg := teamConfig("topic", 12_000)
	e := newEnv(t, envOpt{fullEmulator: true, realSNS: true}, cfg)
	ctx := context.Background()
	client := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.emuSrv.URL), Credentials: credentials.NewStaticCredentialsProvider(localaws.TestAccessKeyID, localaws.TestSecretAccessKey, ""),
		HTTPSignerV4: clockSigner{e.clock.now}}) // signed at the test's time, which the emulator checks
	topic, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bedgov-topic")})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SNSTopicARN = aws.ToString(topic.TopicArn)
	e.write(cfg)
	for i := 0; i < 2; i++ {
		if resp, b := e.post(ctx, "topic", sonnet, "converse", converseBody("x [[tokens:400]]", 400), nil); resp.StatusCode != http.StatusOK && i == 0 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	}
	e.quiesce()
	msgs := localaws.PublishedMessages(e.local.Store(), cfg.SNSTopicARN)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "reached 50%") || !strings.Contains(msgs[0].Message, "monthly budget of 0.01 USD") {
		t.Fatalf("published: %+v", msgs)
	}
}

// countingDB counts DynamoDB calls.
type countingDB struct {
	governance.DynamoDB
	n atomic.Int64
}

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.n.Add(1)
	return c.DynamoDB.GetItem(ctx, in, o...)
}
func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.n.Add(1)
	return c.DynamoDB.UpdateItem(ctx, in, o...)
}
func (c *countingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.n.Add(1)
	return c.DynamoDB.PutItem(ctx, in, o...)
}
func (c *countingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.n.Add(1)
	return c.DynamoDB.TransactWriteItems(ctx, in, o...)
}
func (c *countingDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.n.Add(1)
	return c.DynamoDB.BatchGetItem(ctx, in, o...)
}
func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.n.Add(1)
	return c.DynamoDB.Query(ctx, in, o...)
}

// With the team known, exactly one DynamoDB round trip happens before Bedrock is called.
func TestOneLedgerRoundTripOnTheCriticalPath(t *testing.T) {
	t.Parallel()
	db := &countingDB{DynamoDB: ddb}
	var before []int64
	var mu sync.Mutex
	e := newEnv(t, envOpt{db: db, upstream: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			before = append(before, db.n.Load())
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}}, teamConfig("rt", 10*usd))
	ctx := context.Background()
	var at []int64
	for i := 0; i < 3; i++ {
		e.quiesce()
		at = append(at, db.n.Load())
		if resp, _ := e.post(ctx, "rt", sonnet, "converse", converseBody("x [[tokens:3]]", 10), map[string]string{"Amz-Sdk-Invocation-Id": fmt.Sprintf("00000000-0000-4000-8000-00000000000%d", i)}); resp.StatusCode != http.StatusOK {
			t.Fatal(resp.StatusCode)
		}
	}
	e.quiesce()
	// Cold: identity, team record, its slices, reservation. Warm: the reservation only.
	if got := []int64{before[0] - at[0], before[1] - at[1], before[2] - at[2]}; got[0] != 4 || got[1] != 1 || got[2] != 1 {
		t.Fatalf("DynamoDB calls before Bedrock per request: %v, want [4 1 1]", got)
	}
}

// A refused request costs one DynamoDB round trip: the failed reservation returns the
// slice it found (ReturnValuesOnConditionCheckFailure), which, for a team of one slice,
// is all the ledger needs to say why.
func TestRefusalUsesTheRecordOfTheFailedCondition(t *testing.T) {
	t.Parallel()
	body := converseBody("x [[tokens:3]]", 1000)
	db := &countingDB{DynamoDB: ddb}
	e := newEnv(t, envOpt{db: db}, teamConfig("refuse", 1)) // a budget no request fits
	ctx := context.Background()
	if resp, _ := e.post(ctx, "refuse", sonnet, "converse", body, nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode) // warms the identity and team caches
	}
	e.quiesce()
	n := db.n.Load()
	resp, msg := e.post(ctx, "refuse", sonnet, "converse", body, nil)
	e.quiesce()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "ServiceQuotaExceededException" || !strings.Contains(string(msg), "less than this request's worst-case cost") {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), msg)
	}
	if got := db.n.Load() - n; got != 1 {
		t.Fatalf("%d DynamoDB calls for a refusal, want 1", got)
	}
}

// throttledSettleDB throttles the first `left` settlement writes, as DynamoDB does to a
// hot item over its write rate.
type throttledSettleDB struct {
	governance.DynamoDB
	left atomic.Int64
}

func (d *throttledSettleDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if len(in.TransactItems) == 2 && in.TransactItems[1].Delete != nil && d.left.Add(-1) >= 0 {
		return nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Throughput exceeds the current capacity for one or more global secondary indexes"}
	}
	return d.DynamoDB.TransactWriteItems(ctx, in, o...)
}

// A settlement throttled several times in a row still reaches the ledger: the cost is
// in spend and nothing stays reserved.
func TestThrottledSettlementIsRetried(t *testing.T) {
	t.Parallel()
	db := &throttledSettleDB{DynamoDB: ddb}
	db.left.Store(5)
	e := newEnv(t, envOpt{db: db}, teamConfig("settle", 100*usd))
	if resp, _ := e.post(context.Background(), "settle", sonnet, "converse", converseBody("x [[tokens:7]]", 50), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rec := e.record("settle")
	if db.left.Load() >= 0 || rec.Spent != e.billed() || rec.Spent == 0 || rec.Reserved != 0 || rec.Requests != 1 {
		t.Fatalf("throttles left %d, spent %d (billed %d), reserved %d, requests %d", db.left.Load(), rec.Spent, e.billed(), rec.Reserved, rec.Requests)
	}
}

// clockSigner signs at a clock's time (the emulator refuses a signature 15 minutes off
// its signing clock, which the harness sets to the test's).
type clockSigner struct{ now func() time.Time }

func (c clockSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, creds, r, payloadHash, service, region, c.now(), optFns...)
}
