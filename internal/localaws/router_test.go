package localaws_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// rawRequest sends a hand-made request and returns the status and body.
func rawRequest(t *testing.T, method, url, auth, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if scope, ok := strings.CutPrefix(auth, "sigv4:"); ok {
		// Signed for real with the emulator's test key: it verifies signatures.
		service, region, _ := strings.Cut(scope, ":")
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: localaws.TestAccessKeyID, SecretAccessKey: localaws.TestSecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
			t.Fatal(err)
		}
	} else if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, string(b)
}

// sigv4 asks rawRequest to sign the request for service and region.
func sigv4(service, region string) string { return "sigv4:" + service + ":" + region }

func TestRouterRejectsUnsignedAndUnknownServices(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	ts := httptest.NewServer(s)
	defer ts.Close()

	status, body := rawRequest(t, "POST", ts.URL+"/", "", "Action=GetCallerIdentity&Version=2011-06-15", nil)
	if status != http.StatusForbidden || !strings.Contains(body, "MissingAuthenticationToken") {
		t.Fatalf("unsigned: %d %s", status, body)
	}
	status, body = rawRequest(t, "GET", ts.URL+"/?Action=DescribeInstances", sigv4("ec2", "us-east-1"), "", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "UnknownServiceException") {
		t.Fatalf("ec2: %d %s", status, body)
	}
	// A bearer token is accepted on runtime paths only.
	status, _ = rawRequest(t, "GET", ts.URL+"/foundation-models", "Bearer abc", "", nil)
	if status != http.StatusForbidden {
		t.Fatalf("bearer on control plane: %d", status)
	}
	calls := s.Calls()
	if len(calls) != 3 || calls[0].Status != 403 || calls[1].Service != "ec2" || calls[1].ErrorCode != "UnknownServiceException" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestRouterSplitsBedrockControlPlaneAndRuntime(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	ts := httptest.NewServer(s)
	defer ts.Close()
	body := `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	hdr := map[string]string{"Content-Type": "application/json"}

	status, out := rawRequest(t, "POST", ts.URL+"/model/anthropic.claude-3-haiku-20240307-v1:0/converse", "Bearer bedrock-api-key-test", body, hdr)
	if status != http.StatusOK || !strings.Contains(out, `"usage"`) {
		t.Fatalf("bearer converse: %d %s", status, out)
	}
	status, out = rawRequest(t, "POST", ts.URL+"/model/anthropic.claude-3-haiku-20240307-v1:0/converse", sigv4("bedrock", "eu-west-1"), body, hdr)
	if status != http.StatusOK {
		t.Fatalf("sigv4 converse: %d %s", status, out)
	}
	status, out = rawRequest(t, "GET", ts.URL+"/foundation-models", sigv4("bedrock", "eu-west-1"), "", nil)
	if status != http.StatusOK || !strings.Contains(out, "modelSummaries") {
		t.Fatalf("control plane: %d %s", status, out)
	}
	calls := s.Calls()
	want := []struct{ service, op, region string }{
		{"bedrock-runtime", "Converse", "us-east-1"},
		{"bedrock-runtime", "Converse", "eu-west-1"},
		{"bedrock", "ListFoundationModels", "eu-west-1"},
	}
	if len(calls) != len(want) {
		t.Fatalf("calls = %+v", calls)
	}
	for i, w := range want {
		if calls[i].Service != w.service || calls[i].Operation != w.op || calls[i].Region != w.region || calls[i].Status != 200 {
			t.Fatalf("call %d = %+v, want %+v", i, calls[i], w)
		}
	}
	s.ResetCalls()
	if len(s.Calls()) != 0 {
		t.Fatal("ResetCalls left calls")
	}
}

func TestCallLogRecordsErrors(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	cfg.Region = "eu-central-1"
	c := cloudwatchlogs.NewFromConfig(cfg)
	_, _ = c.DeleteLogGroup(context.Background(), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("nope")})
	calls := s.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %+v", calls)
	}
	got := calls[0]
	if got.Service != "logs" || got.Operation != "DeleteLogGroup" || got.Region != "eu-central-1" || got.Status != 400 ||
		got.ErrorCode != "ResourceNotFoundException" || got.AccessKeyID != localaws.TestAccessKeyID || got.Time.IsZero() {
		t.Fatalf("call = %+v", got)
	}
}

// noBackoff retries immediately, so retry tests stay fast.
type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func retrying(attempts int) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = noBackoff{}
			o.RateLimiter = noRateLimit{}
		})
	}
}

type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

func TestFaultNthCallAcrossProtocols(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name    string
		service string
		op      string
		err     *localaws.APIError
		code    string // what the SDK reports
		call    func(cfg aws.Config) error
	}{
		{"awsQuery throttling", "sts", "GetCallerIdentity", localaws.ErrThrottling(), "Throttling", func(cfg aws.Config) error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
		{"awsJson throttling", "logs", "DescribeLogGroups", localaws.ErrThrottling(), "ThrottlingException", func(cfg aws.Config) error {
			_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		}},
		{"cbor 5xx", "cloudwatch", "ListDashboards", localaws.ErrInternal(), "InternalFailure", func(cfg aws.Config) error {
			_, err := cloudwatch.NewFromConfig(cfg).ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
			return err
		}},
		{"any code", "logs", "DescribeLogGroups", localaws.Errorf("LimitExceededException", "too many"), "LimitExceededException", func(cfg aws.Config) error {
			_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, cfg := start(t)
			s.FailNth(tc.service, tc.op, 2, tc.err)
			if err := tc.call(cfg); err != nil {
				t.Fatalf("1st call: %v", err)
			}
			err := tc.call(cfg)
			wantAPIError(t, err, tc.code)
			if err := tc.call(cfg); err != nil {
				t.Fatalf("3rd call: %v", err)
			}
			if n := s.CallCount(tc.service, tc.op); n != 3 {
				t.Fatalf("logged %d calls", n)
			}
		})
	}
}

func TestFaultThrottlingIsRetriedBySDK(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	cfg.RetryMaxAttempts = 0 // let the retryer decide
	cfg.Retryer = retrying(3)
	c := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()

	// Two throttles: the SDK's third attempt succeeds.
	s.FailTimes("logs", "CreateLogGroup", 2, localaws.ErrThrottling())
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("retried")}); err != nil {
		t.Fatalf("create with 2 throttles: %v", err)
	}
	if n := s.CallCount("logs", "CreateLogGroup"); n != 3 {
		t.Fatalf("attempts = %d, want 3", n)
	}
	// Always failing: the SDK gives up after 3 attempts with the typed error.
	id := s.FailAlways("logs", "DeleteLogGroup", localaws.ErrServiceUnavailable())
	_, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("retried")})
	wantAPIError(t, err, "ServiceUnavailable")
	if n := s.CallCount("logs", "DeleteLogGroup"); n != 3 {
		t.Fatalf("delete attempts = %d", n)
	}
	s.RemoveFault(id)
	if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("retried")}); err != nil {
		t.Fatalf("after RemoveFault: %v", err)
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := sts.NewFromConfig(cfg)
	ctx := context.Background()
	s.AddLatency("", "", 30*time.Millisecond) // every service and operation
	began := time.Now()
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 30*time.Millisecond {
		t.Fatalf("call took %v with 30ms latency", d)
	}
	s.ClearFaults()
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if calls := s.Calls(); calls[0].Duration < 30*time.Millisecond || calls[1].Duration >= 30*time.Millisecond {
		t.Fatalf("durations = %v, %v", calls[0].Duration, calls[1].Duration)
	}
}

func TestEventualConsistencyHidesNewObjects(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := cloudwatchlogs.NewFromConfig(cfg)
	cw := cloudwatch.NewFromConfig(cfg)
	ctx := context.Background()

	s.Store().HideNext(localaws.KindLogGroup, 2)
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		out, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if visible := len(out.LogGroups) == 1; visible != (i == 3) {
			t.Fatalf("read %d: visible = %v", i, visible)
		}
	}
	// The truth is always available to tests.
	if !s.Store().Exists(localaws.KindLogGroup, localaws.LogGroupARN("us-east-1", "123456789012", "slow")) {
		t.Fatal("Exists must ignore invisibility")
	}

	if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("d"), DashboardBody: aws.String("{}")}); err != nil {
		t.Fatal(err)
	}
	s.Store().Hide(localaws.KindDashboard, localaws.DashboardARN("123456789012", "d"), 1)
	if _, err := cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("d")}); err == nil {
		t.Fatal("hidden dashboard was visible")
	}
	if _, err := cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("d")}); err != nil {
		t.Fatalf("second read: %v", err)
	}
}

func TestOutOfBandDeleteIsSeenByTheAPI(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	ids := s.Store().IDs(localaws.KindLogGroup)
	if len(ids) != 1 || !s.Store().Delete(localaws.KindLogGroup, ids[0]) {
		t.Fatalf("ids = %v", ids)
	}
	_, err := c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(ids[0])})
	var nf *logtypes.ResourceNotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("after out-of-band delete: %v", err)
	}
}

func TestConcurrentCallsAreSafe(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()
	s.FailNth("logs", "CreateLogGroup", 10, localaws.ErrThrottling())
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(fmt.Sprintf("g%02d", i%20))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	var ok, exists, throttled int
	for err := range errs {
		var ae smithy.APIError
		switch {
		case err == nil:
			ok++
		case asErr(err, &ae) && ae.ErrorCode() == "ResourceAlreadyExistsException":
			exists++
		case asErr(err, &ae) && ae.ErrorCode() == "ThrottlingException":
			throttled++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	// 20 distinct names, 40 calls, one throttled: each name is created exactly once
	// unless the throttled call was the only one for its name.
	if throttled != 1 || ok+exists != 39 || ok < 19 || ok > 20 {
		t.Fatalf("ok=%d exists=%d throttled=%d", ok, exists, throttled)
	}
	if n := len(s.Store().IDs(localaws.KindLogGroup)); n != ok {
		t.Fatalf("store holds %d groups, %d creates succeeded", n, ok)
	}
}

func TestAdminHTTPAPI(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	ts := httptest.NewServer(s)
	defer ts.Close()
	cfg := localaws.ClientConfig(ts.URL, "us-east-1")
	cfg.RetryMaxAttempts = 1
	c := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()

	status, body := rawRequest(t, "POST", ts.URL+"/_localaws/faults", "", `{"service":"logs","operation":"CreateLogGroup","times":1,"error":{"code":"ThrottlingException","message":"slow down","status":400}}`, nil)
	if status != http.StatusOK || !strings.Contains(body, `"id"`) {
		t.Fatalf("add fault: %d %s", status, body)
	}
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("a")})
	wantAPIError(t, err, "ThrottlingException")
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}

	status, body = rawRequest(t, "GET", ts.URL+"/_localaws/state?kind="+localaws.KindLogGroup, "", "", nil)
	var objs []localaws.Object
	if err := json.Unmarshal([]byte(body), &objs); err != nil || status != http.StatusOK || len(objs) != 1 {
		t.Fatalf("state: %d %s %v", status, body, err)
	}
	status, _ = rawRequest(t, "DELETE", ts.URL+"/_localaws/state?kind="+localaws.KindLogGroup+"&id="+objs[0].ID, "", "", nil)
	if status != http.StatusOK || s.Store().Exists(localaws.KindLogGroup, objs[0].ID) {
		t.Fatalf("delete object: %d", status)
	}

	status, _ = rawRequest(t, "POST", ts.URL+"/_localaws/hide", "", `{"kind":"`+localaws.KindLogGroup+`","reads":1}`, nil)
	if status != http.StatusOK {
		t.Fatalf("hide: %d", status)
	}
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(out.LogGroups) != 0 {
		t.Fatalf("hidden group listed: %v %d", err, len(out.LogGroups))
	}

	status, body = rawRequest(t, "GET", ts.URL+"/_localaws/calls", "", "", nil)
	var calls []localaws.CallRecord
	if err := json.Unmarshal([]byte(body), &calls); err != nil || status != http.StatusOK || len(calls) != 4 || calls[0].ErrorCode != "ThrottlingException" {
		t.Fatalf("calls: %s %v", body, err)
	}
	rawRequest(t, "DELETE", ts.URL+"/_localaws/calls", "", "", nil)
	if len(s.Calls()) != 0 {
		t.Fatal("calls not reset")
	}
	status, _ = rawRequest(t, "POST", ts.URL+"/_localaws/faults", "", `{"service":"logs"}`, nil)
	if status != http.StatusBadRequest {
		t.Fatalf("empty fault accepted: %d", status)
	}
	status, _ = rawRequest(t, "GET", ts.URL+"/_localaws/health", "", "", nil)
	if status != http.StatusOK {
		t.Fatalf("health: %d", status)
	}
	s.FailAlways("logs", "", localaws.ErrThrottling())
	status, _ = rawRequest(t, "POST", ts.URL+"/_localaws/reset", "", "", nil)
	if status != http.StatusOK || len(s.Store().Kinds()) != 0 || len(s.Calls()) != 0 {
		t.Fatalf("reset: %d kinds=%v", status, s.Store().Kinds())
	}
	if _, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}); err != nil {
		t.Fatalf("fault survived reset: %v", err)
	}
}

func TestFaultScopedToRegion(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	s.InjectFault(localaws.Fault{Service: "sts", Region: "eu-west-1", Err: localaws.ErrThrottling()})
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("us-east-1 call hit the eu-west-1 fault: %v", err)
	}
	eu := cfg.Copy()
	eu.Region = "eu-west-1"
	_, err := sts.NewFromConfig(eu).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "Throttling")
}

func TestRegisterWhileServing(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := sts.NewFromConfig(cfg)
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			_, _ = c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		}
	}()
	for i := range 20 {
		if err := s.Register("sns", localaws.Operation{Name: fmt.Sprintf("Op%d", i), Handler: func(*localaws.Call) (any, error) { return nil, nil }}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	// An override replaces the built-in operation.
	if err := s.Register("sts", localaws.Operation{Name: "GetCallerIdentity", Handler: func(*localaws.Call) (any, error) {
		return nil, localaws.Errorf("ExpiredToken", "The security token included in the request is expired")
	}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken")
}
