package enforcer_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// The Lambda entry point: the same handler behind lambdaurl's streaming adapter takes
// the caller from the function URL's AWS_IAM authorizer and never from a header.
func TestLambdaFunctionURLIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("lam", 10*usd), teamConfig("other", 10*usd))
	invoke := lambdaurl.Wrap(e.h)
	call := func(callerARN string, hdr map[string]string) (int, http.Header, string) {
		ev := &events.LambdaFunctionURLRequest{
			RawPath: "/model/" + sonnet + "/converse", Body: converseBody("from lambda [[tokens:6]]", 20),
			Headers: map[string]string{"content-type": "application/json"},
			RequestContext: events.LambdaFunctionURLRequestContext{
				DomainName: "abc.lambda-url.us-east-1.on.aws",
				HTTP:       events.LambdaFunctionURLRequestContextHTTPDescription{Method: http.MethodPost},
			},
		}
		for k, v := range hdr {
			ev.Headers[k] = v
		}
		if callerARN != "" {
			ev.RequestContext.Authorizer = &events.LambdaFunctionURLRequestContextAuthorizerDescription{
				IAM: &events.LambdaFunctionURLRequestContextAuthorizerIAMDescription{UserARN: callerARN},
			}
		}
		resp, err := invoke(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		h := http.Header{}
		for k, v := range resp.Headers {
			h.Set(k, v)
		}
		return resp.StatusCode, h, string(b)
	}
	status, h, body := call("arn:aws:sts::"+account+":assumed-role/lam-app/i-0abc", nil)
	if status != http.StatusOK || h.Get("X-Bedgov-Team") != "lam" || !strings.Contains(body, `"outputTokens":6`) {
		t.Fatalf("lambda call: %d %v %s", status, h, body)
	}
	// Without the authorizer context a header naming another team's role is ignored.
	status, _, _ = call("", map[string]string{trustHdr: roleARN("other")})
	if status != http.StatusForbidden {
		t.Fatalf("header trusted in Lambda: %d", status)
	}
	if rec := e.record("lam"); rec.Spent == 0 || rec.Reserved != 0 {
		t.Fatalf("lambda call not settled: %+v", rec)
	}
	if rec := e.record("other"); rec.Spent != 0 {
		t.Fatal("other team charged")
	}
}

// A reservation left by a crashed process expires and is charged in full by the next
// request that meets it: the dead process may have been billed up to its worst case,
// so its hold turns into spend and the budget it held does not come back.
func TestCrashedReservationIsChargedInFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("crash", usd/10))
	ctx := context.Background()
	// A process reserved almost the whole budget and died.
	held := usd/10 - 10 // micro-USD: less than any request's worst case
	dead := &governance.Hold{Team: "crash", Slot: "dead-process", Amount: held, Expires: nov15.Add(15 * time.Minute).Unix(), Nonce: "x"}
	if err := governance.Reserve(ctx, ddb, e.table, e.record("crash"), dead, nov15); err != nil {
		t.Fatal(err)
	}
	body := converseBody("x [[tokens:5]]", 10)
	if resp, b := e.post(ctx, "crash", sonnet, "converse", body, nil); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "held by requests in flight") {
		t.Fatalf("budget held by the live reservation: %d %s", resp.StatusCode, b)
	}
	e.clock.set(nov15.Add(20 * 60e9)) // past its expiry
	resp, b := e.post(ctx, "crash", sonnet, "converse", body, nil)
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(b), "in flight") || !strings.Contains(string(b), "worst-case cost") {
		t.Fatalf("after the expired charge the team should be refused for good: %d %s", resp.StatusCode, b)
	}
	rec := e.record("crash")
	if rec.Reserved != 0 || rec.Spent != held || e.billed() != 0 {
		t.Fatalf("after the expired charge: %+v (billed %d)", rec, e.billed())
	}
	if !strings.Contains(e.logs.String(), "charged expired reservation in full") {
		t.Fatal("charge not logged")
	}
}

// Behind a function URL with AWS_IAM auth, callers sign for the service "lambda": an
// SDK client only changes its endpoint and its signing name. The front here checks the
// signature's scope as the function URL does.
func TestIAMModeClientsSignForTheFunctionURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("furl", 10*usd))
	functionURL := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Authorization"), "/us-east-1/lambda/aws4_request") {
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"Message":"Forbidden"}`))
			return
		}
		// The function URL has authenticated the caller: hand the request on with it.
		r.Header.Set(trustHdr, "arn:aws:sts::"+account+":assumed-role/furl-app/s")
		e.h.ServeHTTP(w, r)
	}))
	defer functionURL.Close()
	opts := func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(functionURL.URL)
		o.Region = "us-east-1"
		o.RetryMaxAttempts = 1
		o.Credentials = credentials.NewStaticCredentialsProvider("AKID-furl", "secret", "")
	}
	msgs := []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "x"}}}}
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: msgs}
	if _, err := bedrockruntime.New(bedrockruntime.Options{}, opts).Converse(context.Background(), in); err == nil {
		t.Fatal("a client signing for bedrock passed the function URL")
	}
	if _, err := bedrockruntime.New(bedrockruntime.Options{}, opts, bedrockruntime.WithSigV4SigningName("lambda")).Converse(context.Background(), in); err != nil {
		t.Fatalf("client signing for lambda: %v", err)
	}
}
