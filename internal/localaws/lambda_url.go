package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lambda function URL configurations (CreateFunctionUrlConfig and friends) and the
// function URLs themselves, which serve real requests.
//
// # URL shape
//
// AWS gives a function URL its own host, https://<url-id>.lambda-url.<region>.on.aws/.
// The emulator has one host, so a function URL is a path prefix on it, built from the
// scheme and Host of the CreateFunctionUrlConfig request:
//
//	http://<emulator host>/_lambda-url/<url-id>/
//
// <url-id> is 32 lowercase letters and digits. A request for
// http://<host>/_lambda-url/<url-id>/model/m/converse reaches the function's runtime as
// /model/m/converse (query string kept). Point an SDK's BaseEndpoint at the URL and it
// works as against AWS.
//
// # Serving
//
// Requests under FunctionURLPrefix (any method) are taken before the SigV4 routing of
// the other services:
//
//   - AuthType AWS_IAM: a SigV4 Authorization header for service "lambda" in the
//     function's region is required (else 403 {"Message":"Forbidden"}, as Lambda). The
//     caller is the identity of its access key (Server.Caller: AssumeRole sessions are
//     their assumed-role ARN). Its ARN goes to the runtime in FunctionURLPrincipalHeader,
//     which the emulator always sets, overwriting anything the client sent. Signatures
//     are not checked, and identity policies are not evaluated.
//   - AuthType NONE: the function's resource policy must let principal "*" call both
//     lambda:InvokeFunctionUrl (AddPermission with FunctionUrlAuthType NONE) and
//     lambda:InvokeFunction (InvokedViaFunctionUrl true), as AWS requires of function
//     URLs created since October 2025; else 403. FunctionURLPrincipalHeader is removed
//     from the request.
//
// The request body is limited to 6 MB (413 beyond). Reserved concurrency is honoured
// (429 "Rate Exceeded." above it, so 0 throttles every request), the function's Timeout
// bounds the request's context, and injected faults for service "lambda", operation
// "InvokeFunctionUrl" apply. Each request is in the call log under that name.
//
// InvokeMode RESPONSE_STREAM streams the runtime's response: every Write is flushed to
// the client at once. BUFFERED, like Lambda, sends the response when the runtime has
// finished, and answers 502 when it exceeds Lambda's 6 MB response limit.
//
// # Runtime
//
// The emulator runs no code from the zip. WithFunctionRuntime plugs in a constructor
// that turns a deployed function (FunctionInstance) into an http.Handler; it is called
// on the first URL request and again after any change of the function's code or
// configuration. Without it, URL requests answer 502 with a message that says so.

// FunctionURLPrefix is the path prefix of emulated function URLs.
const FunctionURLPrefix = "/_lambda-url/"

// FunctionURLPrincipalHeader carries the caller's principal ARN from the emulated
// function URL (AWS_IAM auth) to the runtime. The emulator sets it on every AWS_IAM
// request and removes it from NONE requests, so a client can never choose its value.
const FunctionURLPrincipalHeader = "X-Localaws-Principal-Arn"

const (
	lambdaURLMaxRequest  = 6 << 20
	lambdaURLMaxResponse = 6 << 20
)

// FunctionURLConfig is a stored function URL configuration (KindFunctionURL).
type FunctionURLConfig struct {
	FunctionARN string
	URLID       string
	URL         string
	AuthType    string // AWS_IAM | NONE
	InvokeMode  string // BUFFERED | RESPONSE_STREAM
	Cors        *FunctionURLCors
	Created     time.Time
	Modified    time.Time
}

// FunctionURLCors is a function URL's CORS configuration, with Lambda's member names.
type FunctionURLCors struct {
	AllowCredentials *bool    `json:"AllowCredentials,omitempty"`
	AllowHeaders     []string `json:"AllowHeaders,omitempty"`
	AllowMethods     []string `json:"AllowMethods,omitempty"`
	AllowOrigins     []string `json:"AllowOrigins,omitempty"`
	ExposeHeaders    []string `json:"ExposeHeaders,omitempty"`
	MaxAge           *int32   `json:"MaxAge,omitempty"`
}

// FunctionInstance is a deployed function as its runtime sees it.
type FunctionInstance struct {
	ARN, Name, Region string
	Runtime, Handler  string
	Architecture      string // arm64 | x86_64
	MemorySize        int32
	Timeout           time.Duration
	// Environment is the function's variables plus those Lambda sets itself
	// (AWS_REGION, AWS_DEFAULT_REGION, AWS_LAMBDA_FUNCTION_NAME, ..., and the execution
	// role's session credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN). Calls made with those credentials are made, in the call log and
	// for STS GetCallerIdentity, as arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION.
	Environment map[string]string
	// CodeSha256 is the base64 SHA-256 of Code, as Lambda reports it. Code is the
	// deployed zip, shared with the store: read it, never modify it.
	CodeSha256 string
	Code       []byte
	// PrincipalHeader names the header that carries the verified caller ARN on AWS_IAM
	// requests (FunctionURLPrincipalHeader); a runtime trusts it and nothing else.
	PrincipalHeader string
}

// FunctionRuntime builds the http.Handler that serves a function's URL.
type FunctionRuntime func(fn FunctionInstance) (http.Handler, error)

// WithFunctionRuntime sets how function URLs run functions (see lambda_url.go).
func WithFunctionRuntime(rt FunctionRuntime) Option {
	return func(s *Server) { s.urls.runtime = rt }
}

// functionURLs is the Server's function-URL state: the runtime constructor, the
// handlers built from it, and in-flight counts for reserved concurrency.
type functionURLs struct {
	runtime FunctionRuntime

	buildMu sync.Mutex              // serializes builds; guards built
	built   map[string]builtRuntime // function ARN -> handler of one revision

	mu       sync.Mutex // guards inflight; never held while a runtime is built
	inflight map[string]int32
}

type builtRuntime struct {
	revision string
	h        http.Handler
}

// handler returns the runtime of f's current revision, building it when needed.
func (u *functionURLs) handler(s *Server, f LambdaFunction) (http.Handler, error) {
	u.buildMu.Lock()
	defer u.buildMu.Unlock()
	if b, ok := u.built[f.ARN]; ok && b.revision == f.RevisionID {
		return b.h, nil
	}
	h, err := u.runtime(f.instance(s))
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("the function runtime returned no handler")
	}
	if u.built == nil {
		u.built = map[string]builtRuntime{}
	}
	u.built[f.ARN] = builtRuntime{revision: f.RevisionID, h: h}
	return h, nil
}

// acquire counts a request in flight; it refuses one beyond limit (limit < 0: none).
func (u *functionURLs) acquire(arn string, limit int32) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if limit >= 0 && u.inflight[arn] >= limit {
		return false
	}
	if u.inflight == nil {
		u.inflight = map[string]int32{}
	}
	u.inflight[arn]++
	return true
}

func (u *functionURLs) release(arn string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.inflight[arn]--; u.inflight[arn] <= 0 {
		delete(u.inflight, arn)
	}
}

// instance is f as its runtime sees it, with fresh session credentials of its role (a
// new execution environment).
func (f LambdaFunction) instance(s *Server) FunctionInstance {
	env := cloneStringMap(f.Environment)
	if env == nil {
		env = map[string]string{}
	}
	env["AWS_REGION"] = f.Region
	env["AWS_DEFAULT_REGION"] = f.Region
	env["AWS_LAMBDA_FUNCTION_NAME"] = f.Name
	env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
	env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(int(f.MemorySize))
	env["AWS_LAMBDA_LOG_GROUP_NAME"] = f.LogGroup
	env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + f.Runtime
	env["_HANDLER"] = f.Handler
	role := f.Role[strings.LastIndex(f.Role, "/")+1:]
	akid := "ASIA" + randomToken(16)
	s.addSession(akid, Identity{
		Account: s.account,
		Arn:     fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", s.account, role, f.Name),
		UserID:  "AROA" + strings.ToUpper(stableToken(f.Role, 17)) + ":" + f.Name,
	})
	env["AWS_ACCESS_KEY_ID"] = akid
	env["AWS_SECRET_ACCESS_KEY"] = randomToken(40)
	env["AWS_SESSION_TOKEN"] = "IQoJb3JpZ2luX2VjE" + randomToken(120)
	s.addCredential(akid, credential{secret: env["AWS_SECRET_ACCESS_KEY"], token: env["AWS_SESSION_TOKEN"]})
	return FunctionInstance{
		ARN: f.ARN, Name: f.Name, Region: f.Region, Runtime: f.Runtime, Handler: f.Handler,
		Architecture: f.Architecture, MemorySize: f.MemorySize, Timeout: time.Duration(f.Timeout) * time.Second,
		Environment: env, CodeSha256: f.CodeSha256, Code: f.Code, PrincipalHeader: FunctionURLPrincipalHeader,
	}
}

// ---- URL configuration operations ----

type lambdaURLConfigInput struct {
	FunctionName string  `json:"-" path:"FunctionName"`
	Qualifier    *string `json:"-" query:"Qualifier"`
	AuthType     *string
	InvokeMode   *string
	Cors         *FunctionURLCors
}

type lambdaURLConfigOutput struct {
	FunctionUrl      string //nolint:revive // wire name
	FunctionArn      string
	AuthType         string
	Cors             *FunctionURLCors `json:",omitempty"`
	CreationTime     string
	LastModifiedTime string `json:",omitempty"`
	InvokeMode       string
}

// lambdaURLTime is the ISO-8601 form of the URL configuration timestamps.
func lambdaURLTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (u FunctionURLConfig) output(withModified bool) *lambdaURLConfigOutput {
	out := &lambdaURLConfigOutput{
		FunctionUrl: u.URL, FunctionArn: u.FunctionARN, AuthType: u.AuthType, Cors: u.Cors,
		CreationTime: lambdaURLTime(u.Created), InvokeMode: u.InvokeMode,
	}
	if withModified {
		out.LastModifiedTime = lambdaURLTime(u.Modified)
	}
	return out
}

func checkURLSettings(in *lambdaURLConfigInput) error {
	if in.AuthType != nil && *in.AuthType != "AWS_IAM" && *in.AuthType != "NONE" {
		return lambdaValidation(*in.AuthType, "authType", "Member must satisfy enum value set: [AWS_IAM, NONE]")
	}
	if in.InvokeMode != nil && *in.InvokeMode != "BUFFERED" && *in.InvokeMode != "RESPONSE_STREAM" {
		return lambdaValidation(*in.InvokeMode, "invokeMode", "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")
	}
	if cors := in.Cors; cors != nil {
		if cors.MaxAge != nil && (*cors.MaxAge < 0 || *cors.MaxAge > 86400) {
			return lambdaValidation(*cors.MaxAge, "cors.maxAge", "Member must have value between 0 and 86400")
		}
		if len(cors.AllowMethods) > 6 {
			return lambdaValidation(cors.AllowMethods, "cors.allowMethods", "Member must have length less than or equal to 6")
		}
		for _, m := range cors.AllowMethods {
			if m == "" || len(m) > 6 {
				return lambdaValidation(m, "cors.allowMethods.member", "Member must have length between 1 and 6")
			}
		}
		if len(cors.AllowOrigins) > 100 {
			return lambdaValidation(cors.AllowOrigins, "cors.allowOrigins", "Member must have length less than or equal to 100")
		}
		for _, o := range cors.AllowOrigins {
			if o == "" || len(o) > 253 {
				return lambdaValidation(o, "cors.allowOrigins.member", "Member must have length between 1 and 253")
			}
		}
		for _, list := range [][]string{cors.AllowHeaders, cors.ExposeHeaders} {
			if len(list) > 100 {
				return lambdaValidation(list, "cors.allowHeaders", "Member must have length less than or equal to 100")
			}
			for _, h := range list {
				if len(h) > 1024 {
					return lambdaValidation(h, "cors.allowHeaders.member", "Member must have length less than or equal to 1024")
				}
			}
		}
	}
	return nil
}

// urlFunction resolves the function of a URL configuration call. The qualifier may be
// $LATEST only (aliases are not emulated).
func urlFunction(c *Call, in *lambdaURLConfigInput) (LambdaFunction, error) {
	if in.Qualifier != nil && *in.Qualifier != "" && *in.Qualifier != "$LATEST" {
		arn, _, err := parseFunctionRef(c, in.FunctionName)
		if err != nil {
			return LambdaFunction{}, err
		}
		return LambdaFunction{}, lambdaNotFound("Function not found: %s:%s", arn, *in.Qualifier)
	}
	return lookupFunction(c, in.FunctionName, nil)
}

func lambdaCreateFunctionURLConfig(c *Call, in *lambdaURLConfigInput) (*lambdaURLConfigOutput, error) {
	if err := checkFunctionURLRegion(c.Region); err != nil {
		return nil, err
	}
	if in.AuthType == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null")
	}
	if err := checkURLSettings(in); err != nil {
		return nil, err
	}
	f, err := urlFunction(c, in)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	id := strings.ToLower(randomToken(32))
	now := time.Now().UTC()
	u := FunctionURLConfig{
		FunctionARN: f.ARN, URLID: id, URL: scheme + "://" + c.Request.Host + FunctionURLPrefix + id + "/",
		AuthType: *in.AuthType, InvokeMode: "BUFFERED", Cors: in.Cors, Created: now, Modified: now,
	}
	if in.InvokeMode != nil {
		u.InvokeMode = *in.InvokeMode
	}
	if !c.Store().Create(KindFunctionURL, f.ARN, u) {
		return nil, lambdaConflict("Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function", f.ARN)
	}
	return u.output(false), nil
}

func lookupURLConfig(c *Call, in *lambdaURLConfigInput) (FunctionURLConfig, error) {
	f, err := urlFunction(c, in)
	if err != nil {
		return FunctionURLConfig{}, err
	}
	v, ok := c.Store().Lookup(KindFunctionURL, f.ARN)
	if !ok {
		return FunctionURLConfig{}, lambdaNotFound("The resource you requested does not exist.")
	}
	return v.(FunctionURLConfig), nil
}

func lambdaGetFunctionURLConfig(c *Call, in *lambdaURLConfigInput) (*lambdaURLConfigOutput, error) {
	u, err := lookupURLConfig(c, in)
	if err != nil {
		return nil, err
	}
	return u.output(true), nil
}

func lambdaUpdateFunctionURLConfig(c *Call, in *lambdaURLConfigInput) (*lambdaURLConfigOutput, error) {
	if err := checkURLSettings(in); err != nil {
		return nil, err
	}
	u, err := lookupURLConfig(c, in)
	if err != nil {
		return nil, err
	}
	err = c.Store().Update(KindFunctionURL, u.FunctionARN, func(v any) (any, error) {
		u = v.(FunctionURLConfig)
		if in.AuthType != nil {
			u.AuthType = *in.AuthType
		}
		if in.InvokeMode != nil {
			u.InvokeMode = *in.InvokeMode
		}
		if in.Cors != nil {
			u.Cors = in.Cors
		}
		u.Modified = time.Now().UTC()
		return u, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, lambdaNotFound("The resource you requested does not exist.")
	}
	if err != nil {
		return nil, err
	}
	return u.output(true), nil
}

func lambdaDeleteFunctionURLConfig(c *Call, in *lambdaURLConfigInput) (*struct{}, error) {
	u, err := lookupURLConfig(c, in)
	if err != nil {
		return nil, err
	}
	if !c.Store().Delete(KindFunctionURL, u.FunctionARN) {
		return nil, lambdaNotFound("The resource you requested does not exist.")
	}
	return nil, nil
}

// ---- serving function URLs ----

// writeURLError answers a function URL request the way Lambda's URL front does: a JSON
// body with a Message, the error type in X-Amzn-ErrorType when there is one.
func writeURLError(w http.ResponseWriter, status int, errType, msg string, extra map[string]string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", newRequestID())
	if errType != "" {
		h.Set("X-Amzn-ErrorType", errType)
	}
	body := map[string]string{"Message": msg}
	for k, v := range extra {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// findURL finds the URL configuration with the given url id.
func (s *Server) findURL(id string) (FunctionURLConfig, bool) {
	for _, o := range s.store.List(KindFunctionURL) {
		if u := o.Value.(FunctionURLConfig); u.URLID == id {
			return u, true
		}
	}
	return FunctionURLConfig{}, false
}

// serveFunctionURL serves a request under FunctionURLPrefix (see the package comment
// of this file).
func (s *Server) serveFunctionURL(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := CallRecord{Service: "lambda", Operation: "InvokeFunctionUrl", Time: start}
	sw := &urlWriter{ResponseWriter: w}
	defer func() {
		rec.Status, rec.Duration = sw.status(), time.Since(start)
		if rec.Status >= 400 && rec.ErrorCode == "" {
			rec.ErrorCode = sw.Header().Get("X-Amzn-ErrorType")
		}
		s.record(rec)
	}()

	rest := strings.TrimPrefix(r.URL.EscapedPath(), FunctionURLPrefix)
	id, tail, _ := strings.Cut(rest, "/")
	u, f, ok := s.findURLFunction(id)
	if !ok {
		writeURLError(sw, http.StatusNotFound, "ResourceNotFoundException", "No function URL "+id+" in this emulator.", nil)
		return
	}
	rec.Region = f.Region

	if u.Cors != nil && r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		corsPreflight(sw, r, u.Cors)
		return
	}

	req := r.Clone(r.Context())
	if !s.authorizeURLRequest(sw, r, req, f, u.AuthType, &rec) {
		return
	}

	if e := s.faults.apply(r.Context(), "lambda", rec.Operation, rec.Region); e != nil {
		rec.ErrorCode = e.Code
		writeURLError(sw, e.HTTPStatus(), e.Code, e.Message, nil)
		return
	}
	if s.urls.runtime == nil {
		writeURLError(sw, http.StatusBadGateway, "", "Internal Server Error", map[string]string{
			"localawsError": "no function runtime is configured: build the emulator with localaws.WithFunctionRuntime to serve function URL requests",
		})
		return
	}

	body, ok := readURLBody(sw, r)
	if !ok {
		return
	}

	if !s.urls.acquire(f.ARN, s.reservedConcurrency(f.ARN)) {
		writeURLError(sw, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.", nil)
		return
	}
	defer s.urls.release(f.ARN)

	h, err := s.urls.handler(s, f)
	if err != nil {
		writeURLError(sw, http.StatusBadGateway, "", "Internal Server Error", map[string]string{"localawsError": "the function runtime failed to start: " + err.Error()})
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(f.Timeout)*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	if err := forwardURLRequest(req, r, tail, body, start); err != nil {
		writeURLError(sw, http.StatusBadRequest, "", "Malformed path", nil)
		return
	}
	sw.Header().Set("X-Amzn-RequestId", newRequestID())
	if u.Cors != nil {
		corsHeaders(sw.Header(), r, u.Cors)
	}

	if u.InvokeMode == "RESPONSE_STREAM" {
		sw.stream = true
		serveRuntime(h, sw, req)
		return
	}
	serveBuffered(h, sw, req)
}

// findURLFunction finds the function URL config with the url id and its function; ok is
// false when either is gone.
func (s *Server) findURLFunction(id string) (FunctionURLConfig, LambdaFunction, bool) {
	u, ok := s.findURL(id)
	var f LambdaFunction
	if ok {
		f, ok = GetAs[LambdaFunction](s.store, KindFunction, u.FunctionARN)
	}
	return u, f, ok
}

// readURLBody reads a function URL request's body, answering the caller and returning
// ok false when it cannot be read or is over lambdaURLMaxRequest bytes.
func readURLBody(sw *urlWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, lambdaURLMaxRequest+1))
	if err != nil {
		writeURLError(sw, http.StatusBadRequest, "", "Could not read the request body: "+err.Error(), nil)
		return nil, false
	}
	if len(body) > lambdaURLMaxRequest {
		writeURLError(sw, http.StatusRequestEntityTooLarge, "RequestTooLargeException", fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunctionUrl operation", lambdaURLMaxRequest), nil)
		return nil, false
	}
	return body, true
}

// reservedConcurrency is the function's reserved concurrency, -1 when it has none.
func (s *Server) reservedConcurrency(arn string) int32 {
	if n, ok := GetAs[int32](s.store, KindFunctionConcurrency, arn); ok {
		return n
	}
	return -1
}

// forwardURLRequest makes req, the clone of r, the request the function sees: the
// path after the URL id, the body read, a trace id when the caller sent none, and the
// X-Forwarded-Proto and X-Forwarded-For headers. It fails on a malformed path.
func forwardURLRequest(req, r *http.Request, tail string, body []byte, start time.Time) error {
	if err := rewriteURLPath(req, "/"+tail); err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.Header.Del("Content-Length")
	if req.Header.Get("X-Amzn-Trace-Id") == "" {
		req.Header.Set("X-Amzn-Trace-Id", "Root=1-"+strconv.FormatInt(start.Unix(), 16)+"-"+strings.ToLower(randomToken(24)))
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	req.Header.Set("X-Forwarded-Proto", proto)
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		req.Header.Set("X-Forwarded-For", host)
	}
	return nil
}

// authorizeURLRequest authorizes a function URL request by the URL's auth type and sets
// or clears the principal header of req, the request the function gets; when it
// refuses, it has written the error and returns false.
func (s *Server) authorizeURLRequest(sw *urlWriter, r, req *http.Request, f LambdaFunction, authType string, rec *CallRecord) bool {
	switch authType {
	case "AWS_IAM":
		m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization"))
		switch {
		case m == nil:
			writeURLError(sw, http.StatusForbidden, "AccessDeniedException", "Forbidden", nil)
			return false
		case m[4] != "lambda":
			writeURLError(sw, http.StatusForbidden, "InvalidSignatureException", "Credential should be scoped to correct service: 'lambda'. ", nil)
			return false
		case m[3] != f.Region:
			writeURLError(sw, http.StatusForbidden, "InvalidSignatureException", "Credential should be scoped to a valid region. ", nil)
			return false
		}
		rec.AccessKeyID = m[1]
		// The signature is checked with the key's secret, signing name lambda.
		if e := s.verifySigV4(r, RESTJSON1, s.signingNow()); e != nil {
			rec.ErrorCode = e.Code
			writeURLError(sw, http.StatusForbidden, e.Code, "Forbidden", nil)
			return false
		}
		req.Body = r.Body // verifySigV4 read the body and put it back
		// IAM: lambda:InvokeFunctionUrl and lambda:InvokeFunction (authorize.go).
		fp, _ := GetAs[LambdaPolicy](s.store, KindFunctionPolicy, f.ARN)
		if ok, err := s.authorizeFunctionURL(s.Caller(m[1]), f.ARN, fp); !ok {
			rec.ErrorCode = "AccessDeniedException"
			if err != nil {
				writeURLError(sw, http.StatusInternalServerError, "InternalFailure", "localaws: IAM evaluation failed: "+err.Error(), nil)
				return false
			}
			writeURLError(sw, http.StatusForbidden, "AccessDeniedException", "Forbidden", nil)
			return false
		}
		req.Header.Set(FunctionURLPrincipalHeader, s.Caller(m[1]).Arn)
	default: // NONE
		req.Header.Del(FunctionURLPrincipalHeader)
		p, _ := GetAs[LambdaPolicy](s.store, KindFunctionPolicy, f.ARN)
		if !p.allowsPublicURL() {
			writeURLError(sw, http.StatusForbidden, "AccessDeniedException", "Forbidden", nil)
			return false
		}
	}
	return true
}

// serveBuffered runs a BUFFERED function URL's handler and sends its response whole,
// or a 502 when it exceeds lambdaURLMaxResponse.
func serveBuffered(h http.Handler, sw *urlWriter, req *http.Request) {
	bw := &bufferedWriter{header: http.Header{}}
	for k, v := range sw.Header() {
		bw.header[k] = v
	}
	serveRuntime(h, bw, req)
	if bw.overflow {
		for k := range sw.Header() {
			sw.Header().Del(k)
		}
		writeURLError(sw, http.StatusBadGateway, "", "Internal Server Error", map[string]string{"localawsError": fmt.Sprintf("the response exceeds the %d bytes a BUFFERED function URL may return (use InvokeMode RESPONSE_STREAM)", lambdaURLMaxResponse)})
		return
	}
	for k, v := range bw.header {
		sw.Header()[k] = v
	}
	sw.Header().Set("Content-Length", strconv.Itoa(bw.buf.Len()))
	sw.WriteHeader(bw.status())
	_, _ = sw.Write(bw.buf.Bytes())
}

// serveRuntime runs the function's handler; a panic before any response becomes a 502.
func serveRuntime(h http.Handler, w interface {
	http.ResponseWriter
	wroteHeader() bool
}, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			if !w.wroteHeader() {
				writeURLError(w, http.StatusBadGateway, "", "Internal Server Error", map[string]string{"localawsError": fmt.Sprintf("the function panicked: %v", v)})
			}
		}
	}()
	h.ServeHTTP(w, r)
}

// rewriteURLPath points req at tail (an escaped path), keeping its query.
func rewriteURLPath(req *http.Request, tail string) error {
	p, err := url.Parse(tail)
	if err != nil {
		return err
	}
	u := *req.URL
	u.Path, u.RawPath = p.Path, p.RawPath
	req.URL = &u
	req.RequestURI = u.RequestURI()
	return nil
}

func corsOrigin(r *http.Request, cors *FunctionURLCors) (string, bool) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return "", false
	}
	for _, o := range cors.AllowOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			if o == "*" && (cors.AllowCredentials == nil || !*cors.AllowCredentials) {
				return "*", true
			}
			return origin, true
		}
	}
	return "", false
}

// corsHeaders adds the CORS response headers Lambda adds for an allowed origin.
func corsHeaders(h http.Header, r *http.Request, cors *FunctionURLCors) {
	origin, ok := corsOrigin(r, cors)
	if !ok {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if cors.AllowCredentials != nil && *cors.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(cors.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(cors.ExposeHeaders, ","))
	}
	h.Add("Vary", "Origin")
}

// corsPreflight answers an OPTIONS preflight from the URL's CORS configuration, without
// invoking the function, as Lambda does.
func corsPreflight(w http.ResponseWriter, r *http.Request, cors *FunctionURLCors) {
	corsHeaders(w.Header(), r, cors)
	if _, ok := corsOrigin(r, cors); ok {
		if len(cors.AllowMethods) > 0 {
			w.Header().Set("Access-Control-Allow-Methods", strings.Join(cors.AllowMethods, ","))
		}
		if len(cors.AllowHeaders) > 0 {
			w.Header().Set("Access-Control-Allow-Headers", strings.Join(cors.AllowHeaders, ","))
		}
		if cors.MaxAge != nil {
			w.Header().Set("Access-Control-Max-Age", strconv.Itoa(int(*cors.MaxAge)))
		}
	}
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
}

// urlWriter is the client's response writer: it records the status and, when streaming,
// flushes every write to the client at once.
type urlWriter struct {
	http.ResponseWriter
	code   int
	stream bool
}

func (w *urlWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *urlWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	if w.stream {
		w.Flush()
	}
	return n, err
}

func (w *urlWriter) Flush() {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *urlWriter) wroteHeader() bool { return w.code != 0 }

func (w *urlWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// bufferedWriter collects a BUFFERED function's response, up to Lambda's limit.
type bufferedWriter struct {
	header   http.Header
	code     int
	buf      bytes.Buffer
	overflow bool
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *bufferedWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if w.buf.Len()+len(p) > lambdaURLMaxResponse {
		w.overflow = true
		return 0, errors.New("localaws: function URL response too large for InvokeMode BUFFERED")
	}
	return w.buf.Write(p)
}

// Flush does nothing: a BUFFERED function URL sends the response when it is complete.
func (w *bufferedWriter) Flush() {}

func (w *bufferedWriter) wroteHeader() bool { return w.code != 0 }

func (w *bufferedWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
