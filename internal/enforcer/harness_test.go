package enforcer_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// Every ledger test runs against dynalite (a real DynamoDB implementation) and the
// emulator's deterministic Bedrock Runtime, through the real handler.

var (
	ddb      *dynamodb.Client
	dynaURL  string
	tableSeq atomic.Int64
)

func TestMain(m *testing.M) {
	p, err := dynalite.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynalite:", err)
		os.Exit(1)
	}
	// The ledger reaches dynalite through the emulator's DynamoDB front, as everywhere:
	// it adds what dynalite lacks (transactions, consumed capacity, throttling) and
	// checks signatures and requests against AWS's models.
	front := httptest.NewServer(localaws.New(localaws.WithDynamoDB(p.Endpoint)))
	dynaURL = front.URL
	ddb = newDDB(front.URL)
	code := m.Run()
	front.Close()
	p.Stop()
	os.Exit(code)
}

func newDDB(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider(localaws.TestAccessKeyID, localaws.TestSecretAccessKey, ""),
		RetryMaxAttempts: 1,
	})
}

const (
	account  = "111122223333"
	sonnet   = "anthropic.claude-3-7-sonnet-20250219-v1:0"
	haiku    = "anthropic.claude-3-haiku-20240307-v1:0"
	trustHdr = "X-Test-Verified-Principal"
)

func profileARN(name string) string {
	return "arn:aws:bedrock:us-east-1:" + account + ":application-inference-profile/" + name
}

func roleARN(team string) string { return "arn:aws:iam::" + account + ":role/" + team + "-app" }

// clock is a settable clock for the handler.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) now() time.Time  { return *c.t.Load() }
func (c *clock) set(t time.Time) { c.t.Store(&t) }

// published records SNS notifications.
type published struct {
	mu   sync.Mutex
	msgs []string
}

func (p *published) Publish(_ context.Context, topic, subject, msg string) error {
	p.mu.Lock()
	p.msgs = append(p.msgs, topic+" | "+subject)
	p.mu.Unlock()
	return nil
}

func (p *published) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type env struct {
	t       testing.TB
	table   string
	clock   *clock
	emu     *localaws.BedrockRuntime
	emuSrv  *httptest.Server
	local   *localaws.Server // the whole emulator, with fullEmulator
	h       *enforcer.Handler
	srv     *httptest.Server
	notes   *published
	logs    *syncBuf
	hits    atomic.Int64 // requests that reached the enforcer
	active  atomic.Int64 // requests the handler has not returned from
	mode    enforcer.AuthMode
	pricing *governance.PricingTable
	teams   map[string]governance.CapConfig
}

type envOpt struct {
	detach       bool
	fullEmulator bool
	realSNS      bool // with fullEmulator: notify through the SNS client and the emulated SNS
	mode         enforcer.AuthMode
	failOpen     bool
	db           governance.DynamoDB
	upstream     func(http.Handler) http.Handler
	pricing      *governance.PricingTable // default: the embedded catalog
}

var nov15 = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

func teamConfig(name string, limit governance.Micros) governance.CapConfig {
	return governance.CapConfig{
		Team: name, Limit: limit, Thresholds: governance.DefaultThresholds,
		ModelID: sonnet, ProfileARN: profileARN(name),
		DegradeModelID: haiku, DegradeProfileARN: profileARN(name + "-degraded"),
		PriceGroup: "us", Principals: []string{roleARN(name)},
		APIKeyHash:  governance.HashAPIKey("key-" + name),
		SNSTopicARN: "arn:aws:sns:us-east-1:" + account + ":bedgov-" + name,
	}
}

func newEnv(t testing.TB, o envOpt, teams ...governance.CapConfig) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{}, notes: &published{}, logs: &syncBuf{}, mode: o.mode, pricing: governance.DefaultPricing(), teams: map[string]governance.CapConfig{}}
	if o.pricing != nil {
		e.pricing = o.pricing
	}
	if e.mode == "" {
		e.mode = enforcer.AuthIAM
	}
	e.clock.set(nov15)
	e.table = fmt.Sprintf("enforcer-%d", tableSeq.Add(1))
	ctx := context.Background()
	if _, err := ddb.CreateTable(ctx, governance.CreateTableInput(e.table)); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		out, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(e.table)})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			break
		}
		if i > 400 {
			t.Fatal("table not active")
		}
		time.Sleep(5 * time.Millisecond)
	}
	profiles := map[string]string{}
	for _, c := range teams {
		e.write(c)
		profiles[c.ProfileARN] = c.ModelID
		profiles[c.DegradeProfileARN] = c.DegradeModelID
	}
	e.emu = localaws.NewBedrockRuntime(func(ref string) string { return profiles[ref] })
	var up http.Handler = e.emu
	if o.fullEmulator {
		// The whole emulator: SigV4 routing, the Bedrock catalog, application profiles
		// in its store, and the runtime registered as its bedrock-runtime operations.
		// The enforcer's key is one the emulator issued (it verifies signatures).
		// The enforcer signs with the test's clock.
		srv := localaws.New(localaws.WithAccessKey("AKIDENFORCER", "enforcer-secret", "arn:aws:iam::123456789012:role/bedgov-enforcer"),
			localaws.WithSigningClock(e.clock.now))
		for arn, model := range profiles {
			srv.Store().Put(localaws.KindInferenceProfile, arn, localaws.InferenceProfile{
				Arn: arn, ID: arn[strings.LastIndexByte(arn, '/')+1:], Region: "us-east-1", Type: "APPLICATION", Status: "ACTIVE",
				ModelArns: []string{localaws.FoundationModelARN("us-east-1", model)},
			})
		}
		enforcerRole(t, srv, e.table, teams)
		e.emu = localaws.BedrockRuntimeOf(srv)
		e.local = srv
		up = srv
	}
	if o.upstream != nil {
		up = o.upstream(up)
	}
	e.emuSrv = httptest.NewServer(up)
	t.Cleanup(e.emuSrv.Close)
	var notifier enforcer.Notifier = e.notes
	if o.realSNS {
		notifier = enforcer.SNSNotifier{Client: sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.emuSrv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDENFORCER", "enforcer-secret", ""), HTTPSignerV4: clockSigner{e.clock.now}})}
	}
	var db governance.DynamoDB = ddb
	if o.db != nil {
		db = o.db
	}
	h, err := enforcer.New(enforcer.Config{
		Table: e.table, AuthMode: e.mode, FailOpen: o.failOpen, Region: "us-east-1",
		BedrockEndpoint: e.emuSrv.URL, TrustedPrincipalHeader: trustHdr, DetachSettle: o.detach, Pricing: e.pricing,
	}, enforcer.Deps{
		DB: db, Notifier: notifier, Clock: e.clock.now, Log: e.logs,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDENFORCER", "enforcer-secret", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	// The trusted front: in iam mode it stands for the function URL's AWS_IAM
	// authorizer, mapping the caller's access key to its role and dropping any
	// principal header the client sent.
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		e.active.Add(1)
		defer e.active.Add(-1)
		r.Header.Del(trustHdr)
		if akid := accessKeyOf(r.Header.Get("Authorization")); strings.HasPrefix(akid, "AKID-") {
			r.Header.Set(trustHdr, "arn:aws:sts::"+account+":assumed-role/"+strings.TrimPrefix(akid, "AKID-")+"-app/session")
		}
		h.ServeHTTP(w, r)
	})
	if e.mode == enforcer.AuthAPIKey {
		e.srv = httptest.NewTLSServer(front)
	} else {
		e.srv = httptest.NewServer(front)
	}
	t.Cleanup(e.srv.Close)
	return e
}

func accessKeyOf(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	akid, _, _ := strings.Cut(rest, "/")
	return akid
}

func (e *env) write(c governance.CapConfig) *governance.CapRecord {
	e.t.Helper()
	rec, err := governance.WriteCapConfig(context.Background(), ddb, e.table, c, e.clock.now())
	if err != nil {
		e.t.Fatal(err)
	}
	e.teams[c.Team] = c
	return rec
}

// quiesce waits until every request has returned from the handler: a client may have
// its whole response (Content-Length) before the handler has settled.
func (e *env) quiesce() {
	for i := 0; e.active.Load() > 0 && i < 2000; i++ {
		time.Sleep(time.Millisecond)
	}
	e.h.Wait()
}

func (e *env) record(team string) *governance.CapRecord {
	e.t.Helper()
	e.quiesce()
	r, err := governance.ReadCapRecord(context.Background(), ddb, e.table, team)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// sdk returns an official Bedrock Runtime client for team pointed at the enforcer.
func (e *env) sdk(team string, retries int) *bedrockruntime.Client {
	o := bedrockruntime.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID-"+team, "secret", ""),
		RetryMaxAttempts: retries,
	}
	if e.mode == enforcer.AuthAPIKey {
		o.Credentials = nil
		o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: "key-" + team}}
		o.AuthSchemePreference = []string{"httpBearerAuth"}
	}
	return bedrockruntime.New(o)
}

// reply is a response read to the end.
type reply struct {
	StatusCode int
	Header     http.Header
}

// post sends a raw request as team (no SDK), for concurrency tests and edge cases.
func (e *env) post(ctx context.Context, team, model, op, body string, hdr map[string]string) (*reply, []byte) {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/model/"+model+"/"+op, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if e.mode == enforcer.AuthAPIKey {
		req.Header.Set("Authorization", "Bearer key-"+team)
	} else {
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID-"+team+"/20261115/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=x")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		return nil, nil
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return &reply{resp.StatusCode, resp.Header}, b
}

// cost is what a call with this body costs on model, by the emulator's usage rules.
func (e *env) cost(model string, u localaws.BedrockUsage) governance.Micros {
	p, _, _, err := e.pricing.Quote(model, nil, "us")
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Cost(governance.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, CacheReadTokens: u.CacheReadTokens, CacheWriteTokens: u.CacheWriteTokens})
}

// billed sums the expected cost of every successful emulator call.
func (e *env) billed() governance.Micros {
	var sum governance.Micros
	for _, c := range e.emu.Calls() {
		if !c.Throttled {
			sum += e.cost(c.ModelID, c.Usage)
		}
	}
	return sum
}

func converseBody(prompt string, maxTokens int) string {
	b, _ := json.Marshal(map[string]any{
		"messages":        []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": prompt}}}},
		"inferenceConfig": map[string]any{"maxTokens": maxTokens},
	})
	return string(b)
}

var _ = tls.Config{}

type dynamodbAV = types.AttributeValue

func sAV(s string) dynamodbAV { return &types.AttributeValueMemberS{Value: s} }
func nAV(n int64) dynamodbAV  { return &types.AttributeValueMemberN{Value: fmt.Sprint(n)} }
func numOf(av dynamodbAV) int64 {
	if n, ok := av.(*types.AttributeValueMemberN); ok {
		v, _ := strconv.ParseInt(n.Value, 10, 64)
		return v
	}
	return 0
}

// enforcerRole creates the enforcer's IAM role in the emulator with the policies bedgov
// gives it (its role policy and each team's invoke policy), so the emulator's IAM
// evaluation of its Bedrock and SNS calls decides as AWS would.
func enforcerRole(t testing.TB, srv *localaws.Server, table string, teams []governance.CapConfig) {
	t.Helper()
	const account = "123456789012"
	inline := map[string]string{}
	doc, err := governance.EnforcerRolePolicy("aws", "us-east-1", account, "arn:aws:dynamodb:us-east-1:"+account+":table/"+table,
		"arn:aws:logs:us-east-1:"+account+":log-group:/aws/lambda/bedgov-enforcer")
	if err != nil {
		t.Fatal(err)
	}
	inline["bedgov-enforcer"] = doc
	for _, c := range teams {
		var routes []governance.ProfileRoute
		for profile, model := range map[string]string{c.ProfileARN: c.ModelID, c.DegradeProfileARN: c.DegradeModelID} {
			if profile != "" {
				routes = append(routes, governance.ProfileRoute{ProfileARN: profile, ModelARNs: []string{localaws.FoundationModelARN("us-east-1", model)}})
			}
		}
		if len(routes) == 0 {
			continue
		}
		doc, err := governance.InvokePolicy(c.Team, routes)
		if err != nil {
			t.Fatal(err)
		}
		inline["bedgov-"+c.Team+"-invoke"] = doc
	}
	srv.Store().Put(localaws.KindRole, "bedgov-enforcer", localaws.IAMPrincipal{
		Kind: "role", Name: "bedgov-enforcer", ARN: "arn:aws:iam::" + account + ":role/bedgov-enforcer", Path: "/",
		InlinePolicies: inline, Created: time.Now(),
	})
}
