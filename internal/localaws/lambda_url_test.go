package localaws_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyauth "github.com/aws/smithy-go/auth"
	"github.com/aws/smithy-go/auth/bearer"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// echo is what the stub runtime answers: what the function saw.
type echo struct {
	Principal   string `json:"principal"`
	HasHeader   bool   `json:"hasHeader"`
	Path        string `json:"path"`
	EscapedPath string `json:"escapedPath"`
	Query       string `json:"query"`
	Method      string `json:"method"`
	Body        string `json:"body"`
	Env         string `json:"env"`
	Region      string `json:"region"`
	AccessKey   string `json:"accessKey"`
}

// echoRuntime is a FunctionRuntime whose handler echoes the request as the function sees
// it. builds counts how often the emulator built a runtime.
func echoRuntime(builds *atomic.Int32) localaws.FunctionRuntime {
	return func(fn localaws.FunctionInstance) (http.Handler, error) {
		if builds != nil {
			builds.Add(1)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			_, has := r.Header[http.CanonicalHeaderKey(fn.PrincipalHeader)]
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(echo{
				Principal: r.Header.Get(fn.PrincipalHeader), HasHeader: has, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(),
				Query: r.URL.RawQuery, Method: r.Method, Body: string(body), Env: fn.Environment["GREETING"], Region: fn.Environment["AWS_REGION"],
				AccessKey: fn.Environment["AWS_ACCESS_KEY_ID"],
			})
		}), nil
	}
}

// urlFunction deploys a function with a URL of the given auth type and invoke mode and
// returns its URL.
func urlFunction(t *testing.T, lc *lambda.Client, role string, auth types.FunctionUrlAuthType, mode types.InvokeMode) string {
	t.Helper()
	createFn(t, lc, role, "fn", func(in *lambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"GREETING": "hello"}}
	})
	out, err := lc.CreateFunctionUrlConfig(context.Background(), &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String("fn"), AuthType: auth, InvokeMode: mode,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.FunctionUrl)
}

// signedRequest signs req with SigV4 for service in us-east-1 with the given key.
func signedRequest(t *testing.T, req *http.Request, body, service, akid, secret string, sessionToken ...string) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	if len(sessionToken) > 0 {
		creds.SessionToken = sessionToken[0]
	}
	err := v4.NewSigner().SignHTTP(context.Background(), creds,
		req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func decodeEcho(t *testing.T, b []byte) echo {
	t.Helper()
	var e echo
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return e
}

func TestFunctionURLAWSIAM(t *testing.T) {
	s, cfg, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(echoRuntime(nil)))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeResponseStream)

	// Signed for "lambda": the runtime gets the caller's ARN and the path without the prefix.
	body := `{"messages":[]}`
	req, _ := http.NewRequest(http.MethodPost, url+"model/anthropic.claude-3-haiku-20240307-v1%3A0/converse?x=1", strings.NewReader(body))
	req.Header.Set(localaws.FunctionURLPrincipalHeader, "arn:aws:iam::123456789012:role/admin") // a client's attempt
	signedRequest(t, req, body, "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	status, hdr, b := do(t, req)
	if status != http.StatusOK {
		t.Fatalf("signed: %d %s", status, b)
	}
	e := decodeEcho(t, b)
	if e.Principal != localaws.DefaultIdentity {
		t.Errorf("principal %q, want %q (the client's header must be overwritten)", e.Principal, localaws.DefaultIdentity)
	}
	if e.Path != "/model/anthropic.claude-3-haiku-20240307-v1:0/converse" || e.EscapedPath != "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse" || e.Query != "x=1" {
		t.Errorf("path %q escaped %q query %q", e.Path, e.EscapedPath, e.Query)
	}
	if e.Body != body || e.Method != http.MethodPost || e.Env != "hello" || e.Region != "us-east-1" {
		t.Errorf("echo: %+v", e)
	}
	if hdr.Get("X-Amzn-Requestid") == "" {
		t.Error("no request id")
	}
	// The function runs with its role's session credentials, as in Lambda.
	if got := s.Caller(e.AccessKey).Arn; got != "arn:aws:sts::123456789012:assumed-role/fn-role/fn" {
		t.Errorf("the function's credentials are %q", got)
	}

	// A signature made with another secret is refused: 403 Forbidden, as at Lambda.
	req, _ = http.NewRequest(http.MethodGet, url, nil)
	signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, "not-the-secret")
	if status, _, b := do(t, req); status != http.StatusForbidden || !strings.Contains(string(b), "Forbidden") {
		t.Fatalf("bad signature: %d %s", status, b)
	}

	// An assumed-role session is its assumed-role ARN.
	ar, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	// IAM decides: the role may call the URL only when its policies allow both
	// lambda:InvokeFunctionUrl and lambda:InvokeFunction (Lambda's rule since October
	// 2025); one of them alone is refused with 403.
	sessionCall := func() (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		signedRequest(t, req, "", "lambda", *ar.Credentials.AccessKeyId, *ar.Credentials.SecretAccessKey, *ar.Credentials.SessionToken)
		status, _, b := do(t, req)
		return status, b
	}
	ic := iam.NewFromConfig(cfg)
	grant := func(actions string) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + actions + `],"Resource":"*"}]}`
		if _, err := ic.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("fn-role"), PolicyName: aws.String("call"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	if status, b := sessionCall(); status != http.StatusForbidden {
		t.Fatalf("no policy: %d %s", status, b)
	}
	grant(`"lambda:InvokeFunctionUrl"`)
	if status, b := sessionCall(); status != http.StatusForbidden {
		t.Fatalf("InvokeFunctionUrl alone: %d %s", status, b)
	}
	grant(`"lambda:InvokeFunctionUrl","lambda:InvokeFunction"`)
	status, b = sessionCall()
	if e := decodeEcho(t, b); status != http.StatusOK || e.Principal != "arn:aws:sts::123456789012:assumed-role/fn-role/alice" || e.Path != "/" || e.Method != http.MethodGet {
		t.Fatalf("assumed role: %d %+v", status, e)
	}

	// Unsigned, or signed for another service or region: 403 before the function runs.
	for name, sign := range map[string]func(*http.Request){
		"unsigned":      func(*http.Request) {},
		"bearer":        func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") },
		"wrong service": func(r *http.Request) { signedRequest(t, r, "", "bedrock", localaws.TestAccessKeyID, "x") },
		"wrong region": func(r *http.Request) {
			sum := sha256.Sum256(nil)
			_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "x"}, r, hex.EncodeToString(sum[:]), "lambda", "eu-west-1", time.Now())
		},
	} {
		req, _ := http.NewRequest(http.MethodPost, url+"model/m/converse", nil)
		req.Header.Set(localaws.FunctionURLPrincipalHeader, "arn:aws:iam::123456789012:role/admin")
		sign(req)
		status, hdr, b := do(t, req)
		if status != http.StatusForbidden || !strings.Contains(string(b), `"Message"`) || strings.Contains(string(b), "principal") {
			t.Errorf("%s: %d %s", name, status, b)
		}
		if name == "unsigned" && (string(b) != `{"Message":"Forbidden"}` || hdr.Get("X-Amzn-Errortype") != "AccessDeniedException") {
			t.Errorf("unsigned: %s %v", b, hdr)
		}
	}
	if n := s.CallCount("lambda", "InvokeFunctionUrl"); n != 9 {
		t.Errorf("call log has %d InvokeFunctionUrl calls, want 9", n)
	}
}

func TestFunctionURLNone(t *testing.T) {
	ctx := context.Background()
	_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(echoRuntime(nil)))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeNone, types.InvokeModeBuffered)

	// As in AWS, a public URL needs a resource policy that lets anyone invoke it.
	req, _ := http.NewRequest(http.MethodPost, url+"model/m/invoke", strings.NewReader("{}"))
	if status, _, b := do(t, req); status != http.StatusForbidden {
		t.Fatalf("without permission: %d %s", status, b)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("url"), Action: aws.String("lambda:InvokeFunctionUrl"),
		Principal: aws.String("*"), FunctionUrlAuthType: types.FunctionUrlAuthTypeAwsIam,
	}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPost, url+"model/m/invoke", strings.NewReader("{}"))
	if status, _, b := do(t, req); status != http.StatusForbidden {
		t.Fatalf("permission for AWS_IAM only: %d %s", status, b)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("public"), Action: aws.String("lambda:InvokeFunctionUrl"),
		Principal: aws.String("*"), FunctionUrlAuthType: types.FunctionUrlAuthTypeNone,
	}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPost, url+"model/m/invoke", strings.NewReader("{}"))
	if status, _, b := do(t, req); status != http.StatusForbidden {
		t.Fatalf("without lambda:InvokeFunction: %d %s", status, b)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("public-invoke"), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("*"), InvokedViaFunctionUrl: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPost, url+"model/m/invoke", strings.NewReader(`{"a":1}`))
	req.Header.Set(localaws.FunctionURLPrincipalHeader, "arn:aws:iam::123456789012:role/admin")
	req.Header.Set("Authorization", "Bearer team-key")
	status, hdr, b := do(t, req)
	e := decodeEcho(t, b)
	if status != http.StatusOK || e.HasHeader || e.Principal != "" || e.Path != "/model/m/invoke" || e.Body != `{"a":1}` {
		t.Fatalf("NONE: %d %+v", status, e)
	}
	if hdr.Get("Content-Length") != fmt.Sprint(len(b)) {
		t.Errorf("BUFFERED response without its length: %v", hdr)
	}
}

func TestFunctionURLStreams(t *testing.T) {
	release := make(chan struct{})
	rt := func(fn localaws.FunctionInstance) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "first\n")
			select { // the client must get the first chunk while the handler still runs
			case <-release:
			case <-time.After(5 * time.Second):
				_, _ = io.WriteString(w, "timed out\n")
				return
			}
			_, _ = io.WriteString(w, "second\n")
		}), nil
	}
	_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(rt))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeResponseStream)
	req, _ := http.NewRequest(http.MethodPost, url+"model/m/converse-stream", nil)
	signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk: %q %v", line, err)
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest: %q %v", rest, err)
	}
}

func TestFunctionURLBufferedLimit(t *testing.T) {
	rt := func(fn localaws.FunctionInstance) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(make([]byte, 7<<20))
		}), nil
	}
	ctx := context.Background()
	_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(rt))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	if status, _, b := do(t, req); status != http.StatusBadGateway || !strings.Contains(string(b), "RESPONSE_STREAM") {
		t.Fatalf("7 MB buffered: %d %.200s", status, b)
	}
	if _, err := lc.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("fn"), InvokeMode: types.InvokeModeResponseStream}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, url, nil)
	signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	if status, _, b := do(t, req); status != http.StatusOK || len(b) != 7<<20 {
		t.Fatalf("7 MB streamed: %d %d bytes", status, len(b))
	}
	// Requests are limited to 6 MB.
	big := strings.Repeat("x", 6<<20+1)
	req, _ = http.NewRequest(http.MethodPost, url, strings.NewReader(big))
	signedRequest(t, req, big, "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	if status, _, b := do(t, req); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("large request: %d %s", status, b)
	}
}

// The runtime is built on the first request and rebuilt after code or configuration
// changes, not after tag changes.
func TestFunctionURLRuntimeRebuild(t *testing.T) {
	ctx := context.Background()
	var builds atomic.Int32
	_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(echoRuntime(&builds)))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
	get := func() echo {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
		status, _, b := do(t, req)
		if status != http.StatusOK {
			t.Fatalf("%d %s", status, b)
		}
		return decodeEcho(t, b)
	}
	if builds.Load() != 0 {
		t.Fatal("runtime built before any request")
	}
	if e := get(); e.Env != "hello" {
		t.Fatalf("env %q", e.Env)
	}
	get()
	if n := builds.Load(); n != 1 {
		t.Fatalf("%d builds after two requests, want 1", n)
	}
	if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), Environment: &types.Environment{Variables: map[string]string{"GREETING": "bonjour"}},
	}); err != nil {
		t.Fatal(err)
	}
	if e := get(); e.Env != "bonjour" || builds.Load() != 2 {
		t.Fatalf("after configuration update: env %q, %d builds", e.Env, builds.Load())
	}
	fn, _ := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	if _, err := lc.TagResource(ctx, &lambda.TagResourceInput{Resource: fn.Configuration.FunctionArn, Tags: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	get()
	if n := builds.Load(); n != 2 {
		t.Fatalf("tagging rebuilt the runtime (%d builds)", n)
	}
	if _, err := lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: bootstrapZip(t, "v2")}); err != nil {
		t.Fatal(err)
	}
	get()
	if n := builds.Load(); n != 3 {
		t.Fatalf("code update: %d builds, want 3", n)
	}
}

func TestFunctionURLErrors(t *testing.T) {
	ctx := context.Background()

	t.Run("no runtime", func(t *testing.T) {
		_, _, lc, role := lambdaEnv(t)
		url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
		if status, _, b := do(t, req); status != http.StatusBadGateway || !strings.Contains(string(b), "WithFunctionRuntime") {
			t.Fatalf("%d %s", status, b)
		}
	})

	t.Run("runtime fails to start", func(t *testing.T) {
		_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(func(localaws.FunctionInstance) (http.Handler, error) {
			return nil, fmt.Errorf("BEDGOV_TABLE is required")
		}))
		url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
		if status, _, b := do(t, req); status != http.StatusBadGateway || !strings.Contains(string(b), "BEDGOV_TABLE is required") {
			t.Fatalf("%d %s", status, b)
		}
	})

	t.Run("throttled and deleted", func(t *testing.T) {
		s, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(echoRuntime(nil)))
		url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
		send := func() (int, []byte) {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
			status, _, b := do(t, req)
			return status, b
		}
		if _, err := lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
			t.Fatal(err)
		}
		if status, b := send(); status != http.StatusTooManyRequests {
			t.Fatalf("reserved concurrency 0: %d %s", status, b)
		}
		if _, err := lc.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("fn")}); err != nil {
			t.Fatal(err)
		}
		s.FailNth("lambda", "InvokeFunctionUrl", 1, localaws.ErrServiceUnavailable())
		if status, b := send(); status != http.StatusServiceUnavailable {
			t.Fatalf("injected fault: %d %s", status, b)
		}
		if status, b := send(); status != http.StatusOK {
			t.Fatalf("after the fault: %d %s", status, b)
		}
		if _, err := lc.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("fn")}); err != nil {
			t.Fatal(err)
		}
		if status, b := send(); status != http.StatusNotFound {
			t.Fatalf("deleted URL: %d %s", status, b)
		}
	})

	t.Run("cors preflight", func(t *testing.T) {
		_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(echoRuntime(nil)))
		url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
		if _, err := lc.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("fn"), Cors: &types.Cors{
			AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"POST"}, AllowHeaders: []string{"authorization"}, MaxAge: aws.Int32(300),
		}}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodOptions, url+"model/m/converse", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		status, hdr, _ := do(t, req)
		if status != http.StatusOK || hdr.Get("Access-Control-Allow-Origin") != "https://app.example.com" || hdr.Get("Access-Control-Allow-Methods") != "POST" || hdr.Get("Access-Control-Max-Age") != "300" {
			t.Fatalf("preflight: %d %v", status, hdr)
		}
	})
}

// signAsLambda makes an SDK client sign for the function URL (service "lambda"), as
// callers of an AWS_IAM function URL must.
type signAsLambda struct {
	bedrockruntime.AuthSchemeResolver
}

func (r signAsLambda) ResolveAuthSchemes(ctx context.Context, p *bedrockruntime.AuthResolverParameters) ([]*smithyauth.Option, error) {
	opts, err := r.AuthSchemeResolver.ResolveAuthSchemes(ctx, p)
	for _, o := range opts {
		if o.SchemeID == smithyauth.SchemeIDSigV4 {
			smithyhttp.SetSigV4SigningName(&o.SignerProperties, "lambda")
		}
	}
	return opts, err
}

// The official Bedrock Runtime client works against a function URL by changing only its
// endpoint (and, for AWS_IAM, its signing name).
func TestFunctionURLWithBedrockRuntimeSDK(t *testing.T) {
	rt := func(fn localaws.FunctionInstance) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/model/anthropic.claude-3-haiku-20240307-v1:0/converse" || r.Header.Get(fn.PrincipalHeader) != localaws.DefaultIdentity {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"message":"unexpected %s as %q"}`, r.URL.Path, r.Header.Get(fn.PrincipalHeader))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"output":{"message":{"role":"assistant","content":[{"text":"hi"}]}},"stopReason":"end_turn",`+
				`"usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4},"metrics":{"latencyMs":5}}`)
		}), nil
	}
	_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(rt))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeResponseStream)
	client := bedrockruntime.New(bedrockruntime.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(localaws.TestAccessKeyID, localaws.TestSecretAccessKey, ""),
	}, func(o *bedrockruntime.Options) { o.AuthSchemeResolver = signAsLambda{o.AuthSchemeResolver} })
	out, err := client.Converse(context.Background(), &bedrockruntime.ConverseInput{
		ModelId:  aws.String("anthropic.claude-3-haiku-20240307-v1:0"),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hello"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.Usage.OutputTokens) != 1 {
		t.Fatalf("usage %+v", out.Usage)
	}
}

// Reserved concurrency caps the requests a function serves at once.
func TestFunctionURLReservedConcurrency(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	rt := func(localaws.FunctionInstance) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-release
			_, _ = io.WriteString(w, "done")
		}), nil
	}
	_, _, lc, role := lambdaEnv(t, localaws.WithFunctionRuntime(rt))
	url := urlFunction(t, lc, role, types.FunctionUrlAuthTypeAwsIam, types.InvokeModeBuffered)
	if _, err := lc.PutFunctionConcurrency(context.Background(), &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	send := func() (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		signedRequest(t, req, "", "lambda", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
		status, _, b := do(t, req)
		return status, b
	}
	first := make(chan int, 1)
	go func() {
		status, _ := send()
		first <- status
	}()
	<-entered
	if status, b := send(); status != http.StatusTooManyRequests || !strings.Contains(string(b), "Rate Exceeded.") {
		t.Fatalf("second concurrent request: %d %s", status, b)
	}
	close(release)
	if status := <-first; status != http.StatusOK {
		t.Fatalf("first request: %d", status)
	}
	if status, b := send(); status != http.StatusOK {
		t.Fatalf("after the first finished: %d %s", status, b)
	}
}

// Served over TLS, function URLs are https, and an SDK's Bedrock API key (sent only over
// HTTPS) reaches a NONE function untouched.
func TestFunctionURLOverTLSWithBearerKey(t *testing.T) {
	rt := func(fn localaws.FunctionInstance) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer team-key" || r.Header.Get(fn.PrincipalHeader) != "" || r.URL.Path != "/model/m/converse" {
				w.WriteHeader(http.StatusForbidden)
				_, _ = fmt.Fprintf(w, `{"message":"saw %q at %s"}`, r.Header.Get("Authorization"), r.URL.Path)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"output":{"message":{"role":"assistant","content":[{"text":"hi"}]}},"stopReason":"end_turn",`+
				`"usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5},"metrics":{"latencyMs":5}}`)
		}), nil
	}
	s := localaws.New(localaws.WithFunctionRuntime(rt))
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	cfg := localaws.ClientConfig(ts.URL, "us-east-1")
	cfg.HTTPClient = ts.Client()
	cfg.RetryMaxAttempts = 1
	ctx := context.Background()
	out, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	url := urlFunction(t, lc, *out.Role.Arn, types.FunctionUrlAuthTypeNone, types.InvokeModeResponseStream)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s over TLS", url)
	}
	for sid, in := range map[string]*lambda.AddPermissionInput{
		"url":    {Action: aws.String("lambda:InvokeFunctionUrl"), FunctionUrlAuthType: types.FunctionUrlAuthTypeNone},
		"invoke": {Action: aws.String("lambda:InvokeFunction"), InvokedViaFunctionUrl: aws.Bool(true)},
	} {
		in.FunctionName, in.StatementId, in.Principal = aws.String("fn"), aws.String(sid), aws.String("*")
		if _, err := lc.AddPermission(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	client := bedrockruntime.New(bedrockruntime.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: ts.Client(), RetryMaxAttempts: 1,
		BearerAuthTokenProvider: bearer.StaticTokenProvider{Token: bearer.Token{Value: "team-key"}},
		AuthSchemePreference:    []string{"httpBearerAuth"},
	})
	res, err := client.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId:  aws.String("m"),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hello"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(res.Usage.OutputTokens) != 2 {
		t.Fatalf("usage %+v", res.Usage)
	}
}

// Lambda offers no function URLs in some Regions (Lambda developer guide, "Creating
// and managing Lambda function URLs").
func TestLambdaFunctionURLRegions(t *testing.T) {
	t.Parallel()
	for region, ok := range map[string]bool{"us-east-1": true, "eu-central-2": false, "me-central-1": false} {
		err := localaws.CheckFunctionURLRegion(region)
		if (err == nil) != ok {
			t.Errorf("%s: %v", region, err)
		}
	}
}
