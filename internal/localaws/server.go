package localaws

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// Defaults used when no option overrides them.
const (
	DefaultAccount  = dynalite.EmulatedAccount // dynalite's table ARNs name it
	DefaultIdentity = "arn:aws:iam::" + DefaultAccount + ":user/bedgov-test"
	DefaultRegion   = "us-east-1"
)

// Server is the emulator: an http.Handler. Use it in-process with httptest.NewServer(New())
// or through the localaws command. All methods are safe for concurrent use.
type Server struct {
	account       string
	identity      string
	defaultRegion string
	dynamoDB      string
	maxBody       int64

	services map[string]*service
	opsMu    sync.RWMutex // guards the ops and routes of every service

	store  *Store
	faults faultSet

	mu         sync.Mutex
	calls      []CallRecord
	history    []CallRecord        // every call since start or Reset; ResetCalls keeps it
	identities map[string]Identity // access key id -> identity (AssumeRole sessions)

	dynamoProxy http.Handler
	capacity    *capacityMeter // DynamoDB consumed capacity and partition throttling

	urls functionURLs // Lambda function URLs and their runtime (lambda_url.go)

	authz        authzLog              // IAM decisions (authorize.go)
	credentials  map[string]credential // access key id -> secret it was issued with (sigv4.go)
	pendingKeys  []pendingKey
	signingClock func() time.Time

	// invocationLogging is set while some Region has a model invocation logging
	// configuration (bedrock_logging.go), so Bedrock Runtime calls skip the lookup
	// otherwise.
	invocationLogging atomic.Bool
}

// Option configures a Server.
type Option func(*Server)

// WithAccount sets the account id of the emulated account (default 123456789012). The
// default identity follows unless WithIdentity is given too.
func WithAccount(id string) Option {
	return func(s *Server) {
		s.identity = strings.Replace(s.identity, ":"+s.account+":", ":"+id+":", 1)
		s.account = id
	}
}

// WithIdentity sets the ARN that callers with long-term (non-session) keys are reported
// as by STS GetCallerIdentity (default arn:aws:iam::123456789012:user/bedgov-test).
func WithIdentity(arn string) Option { return func(s *Server) { s.identity = arn } }

// WithDefaultRegion sets the region used when a request carries none (a bearer-token
// request). Default us-east-1.
func WithDefaultRegion(region string) Option { return func(s *Server) { s.defaultRegion = region } }

// WithDynamoDB sets the base URL of the dynalite server DynamoDB calls are passed to.
// Without it DynamoDB calls fail with a clear error.
func WithDynamoDB(endpoint string) Option { return func(s *Server) { s.dynamoDB = endpoint } }

// New builds an emulator with every built-in operation registered.
func New(opts ...Option) *Server {
	s := &Server{
		account:       DefaultAccount,
		identity:      DefaultIdentity,
		defaultRegion: DefaultRegion,
		maxBody:       32 << 20, // above Bedrock Runtime's 25 MB request limit
		store:         newStore(),
		identities:    map[string]Identity{},
		capacity:      newCapacityMeter(),
	}
	for _, o := range opts {
		o(s)
	}
	for _, k := range s.pendingKeys {
		s.AddAccessKey(k.id, k.secret, k.arn)
	}
	s.services = map[string]*service{}
	for _, spec := range serviceSpecs {
		sv := &service{serviceSpec: spec, ops: map[string]*Operation{}}
		s.services[spec.Name] = sv
	}
	builtinMu.Lock()
	ops := append([]registration(nil), builtin...)
	builtinMu.Unlock()
	for _, r := range ops {
		if err := s.Register(r.service, r.op); err != nil {
			panic(err) // a broken built-in table is a programming error
		}
	}
	s.dynamoProxy = s.newDynamoProxy()
	return s
}

// Account is the emulated account id.
func (s *Server) Account() string { return s.account }

// Store is the emulator's state, for inspection and out-of-band changes in tests.
func (s *Server) Store() *Store { return s.store }

// Register adds (or replaces) an operation of a service. Built-in operations are
// registered with RegisterBuiltin from init functions; tests may add or override their
// own, also while the server is serving.
func (s *Server) Register(serviceName string, op Operation) error {
	s.opsMu.Lock()
	defer s.opsMu.Unlock()
	sv, ok := s.services[serviceName]
	if !ok {
		return fmt.Errorf("localaws: unknown service %q", serviceName)
	}
	if op.Name == "" || (op.Handler == nil && op.Raw == nil) {
		return fmt.Errorf("localaws: operation of %s needs a Name and a Handler or Raw", serviceName)
	}
	o := op
	if sv.Protocol == RESTJSON1 || sv.Protocol == RESTXML {
		if o.Method == "" || o.Path == "" {
			return fmt.Errorf("localaws: %s operation %s.%s needs Method and Path", sv.Protocol, serviceName, op.Name)
		}
		if err := sv.addRoute(&o); err != nil {
			return err
		}
	}
	sv.ops[o.Name] = &o
	return nil
}

// Reset returns the emulator to its starting state: no objects, faults, calls or
// AssumeRole sessions. Registered operations stay.
func (s *Server) Reset() {
	s.store.Reset()
	s.invocationLogging.Store(false)
	s.ClearFaults()
	s.mu.Lock()
	s.calls, s.history = nil, nil
	s.identities = map[string]Identity{}
	s.authz.mu.Lock()
	s.authz.log = nil
	s.authz.mu.Unlock()
	for k, c := range s.credentials {
		if c.token != "" { // sessions end; long-term keys stay
			delete(s.credentials, k)
		}
	}
	s.mu.Unlock()
	for _, k := range s.pendingKeys {
		s.AddAccessKey(k.id, k.secret, k.arn)
	}
}

// Identity is who a call is made as.
type Identity struct {
	Account string
	Arn     string
	UserID  string
}

// CallRecord is one request the emulator answered.
type CallRecord struct {
	Service     string // logical service: bedrock, bedrock-runtime, iam, sts, ...
	Operation   string // "" when the operation could not be determined
	Region      string
	AccessKeyID string
	Time        time.Time
	Duration    time.Duration
	Status      int
	ErrorCode   string // the API error code sent, "" on success
	// UserAgent tells callers apart: the provider sends bedgov/<version>.
	UserAgent string
	// Retry marks an SDK's retry of a call it already sent (amz-sdk-request:
	// attempt=N with N > 1): tests that count the calls code makes count the others
	// (Requested), so that a retry on a loaded machine does not look like a new call.
	Retry bool
}

// Calls returns a copy of the call log, oldest first.
func (s *Server) Calls() []CallRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallRecord(nil), s.calls...)
}

// Requested returns the logged calls the callers' code asked for: Calls without the
// SDKs' retries.
func (s *Server) Requested() []CallRecord {
	var out []CallRecord
	for _, c := range s.Calls() {
		if !c.Retry {
			out = append(out, c)
		}
	}
	return out
}

// RequestedCount is CallCount over Requested.
func (s *Server) RequestedCount(service, operation string) int {
	return countCalls(s.Requested(), service, operation)
}

// sdkRetry reads the AWS SDKs' "amz-sdk-request: attempt=2; max=3" header.
func sdkRetry(h string) bool {
	for _, part := range strings.Split(h, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "attempt" {
			return v != "1"
		}
	}
	return false
}

// CallCount counts logged calls of service+operation ("" matches any).
func (s *Server) CallCount(service, operation string) int {
	return countCalls(s.Calls(), service, operation)
}

// countCalls counts the calls of service+operation ("" matches any).
func countCalls(calls []CallRecord, service, operation string) int {
	n := 0
	for _, c := range calls {
		if (service == "" || c.Service == service) && (operation == "" || c.Operation == operation) {
			n++
		}
	}
	return n
}

// History returns every call since the server started (or was Reset), oldest first,
// including those ResetCalls removed from the call log: for checks over a whole run,
// such as which operations the provider used.
func (s *Server) History() []CallRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallRecord(nil), s.history...)
}

// ResetCalls empties the call log (History keeps its calls).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

func (s *Server) record(c CallRecord) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.history = append(s.history, c)
	s.mu.Unlock()
}

// Caller returns the identity of an access key id: an AssumeRole session when the key
// was issued by AssumeRole, the configured default identity otherwise.
func (s *Server) Caller(accessKeyID string) Identity {
	s.mu.Lock()
	id, ok := s.identities[accessKeyID]
	s.mu.Unlock()
	if ok {
		return id
	}
	return Identity{Account: accountOf(s.identity, s.account), Arn: s.identity, UserID: userIDFor(s.identity)}
}

func (s *Server) addSession(accessKeyID string, id Identity) {
	s.mu.Lock()
	s.identities[accessKeyID] = id
	s.mu.Unlock()
}

func accountOf(arn, def string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return def
}

// userIDFor derives a stable IAM-style unique id (AIDA + 17 chars) from an ARN.
func userIDFor(arn string) string {
	return "AIDA" + strings.ToUpper(stableToken(arn, 17))
}

var credentialRe = regexp.MustCompile(`Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request`)

// ServeHTTP routes a request by its SigV4 credential scope (service and region).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	// Function URLs are served without SigV4 routing: they may be unsigned (lambda_url.go).
	if strings.HasPrefix(r.URL.Path, FunctionURLPrefix) {
		s.serveFunctionURL(w, r)
		return
	}
	start := time.Now()
	rec := CallRecord{Time: start, UserAgent: r.Header.Get("User-Agent"), Retry: sdkRetry(r.Header.Get("Amz-Sdk-Request"))}
	sv := s.authenticate(w, r, &rec)
	if sv == nil {
		rec.Duration = time.Since(start)
		s.record(rec)
		return
	}

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status()
		rec.Duration = time.Since(start)
		s.record(rec)
	}()
	if sv.Name == "dynamodb" {
		if op, pass := s.dynamoPassthrough(sv, r); pass {
			rec.Operation = op
			if e := s.checkPassthrough(sv, op, r, rec); e != nil {
				rec.ErrorCode = e.codeFor(sv.Protocol)
				codecs[sv.Protocol].writeError(sw, sv, op, e)
				return
			}
			s.proxyDynamoDB(sw, r, sv, op, &rec)
			return
		}
	}
	s.serveOperation(sw, r, sv, &rec)
}

// authenticate finds the service a request is for from its SigV4 credential scope (or
// a Bedrock API key on a runtime path) and checks the signature. When the request has
// no credential, names a service localaws does not emulate or fails the signature
// check, it writes the error, puts its status and code in rec and returns nil.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rec *CallRecord) *service {
	auth := r.Header.Get("Authorization")
	var signing string
	if m := credentialRe.FindStringSubmatch(auth); m != nil {
		rec.AccessKeyID, rec.Region, signing = m[1], m[3], m[4]
	} else if strings.HasPrefix(auth, "Bearer ") && isRuntimePath(r.URL.EscapedPath()) {
		signing, rec.Region = "bedrock", s.defaultRegion
	}
	if signing == "" {
		rec.Service = "unknown"
		rec.Status, rec.ErrorCode = http.StatusForbidden, "MissingAuthenticationTokenException"
		writeBareError(w, rec.Status, rec.ErrorCode, "Missing Authentication Token: sign the request with SigV4 (or a Bedrock API key for bedrock-runtime)")
		return nil
	}
	sv := s.serviceFor(signing, r.URL.EscapedPath())
	if sv == nil {
		rec.Service = signing
		rec.Status, rec.ErrorCode = http.StatusBadRequest, "UnknownServiceException"
		writeBareError(w, rec.Status, rec.ErrorCode, fmt.Sprintf("localaws does not emulate service %q", signing))
		return nil
	}
	rec.Service = sv.Name
	if rec.AccessKeyID != "" {
		if e := s.verifySigV4(r, sv.Protocol, s.signingNow()); e != nil {
			rec.Status, rec.ErrorCode = e.HTTPStatus(), e.codeFor(sv.Protocol)
			codecs[sv.Protocol].writeError(w, sv, "", e)
			return nil
		}
	}
	return sv
}

// serveOperation answers an authenticated call to an emulated operation: it reads the
// body, resolves the operation, applies the faults, AWS's model of the operation and
// IAM, runs the handler and writes its output, putting the operation and any error
// code in rec.
func (s *Server) serveOperation(sw *statusWriter, r *http.Request, sv *service, rec *CallRecord) {
	codec := codecs[sv.Protocol]

	body, bodyErr := s.readBody(r)
	if bodyErr != nil {
		rec.ErrorCode = bodyErr.codeFor(sv.Protocol)
		codec.writeError(sw, sv, "", bodyErr)
		return
	}

	s.opsMu.RLock()
	op, params, opName, apiErr := codec.resolve(sv, r, body)
	s.opsMu.RUnlock()
	rec.Operation = opName
	call := &Call{
		Service: sv.Name, Operation: opName, Region: rec.Region, AccessKeyID: rec.AccessKeyID,
		Request: r, Body: body, PathParams: params, server: s, protocol: sv.Protocol,
	}
	if apiErr == nil {
		apiErr = s.faults.apply(r.Context(), sv.Name, opName, rec.Region)
	}
	if apiErr == nil {
		apiErr = checkRequest(sv, opName, r, body) // AWS's model of the operation (model_check.go)
	}
	if apiErr == nil {
		apiErr = s.authorizeCall(sv, opName, call) // IAM, for the governance calls (authorize.go)
	}
	if apiErr != nil {
		rec.ErrorCode = apiErr.codeFor(sv.Protocol)
		codec.writeError(sw, sv, opName, apiErr)
		return
	}
	call.decode = func(v any) error { return codec.decode(call, v) }
	if op.Raw != nil {
		runRawChecked(sw, sv, op, call)
		return
	}
	out, err := op.Handler(call)
	if err != nil {
		e := asAPIError(err)
		rec.ErrorCode = e.codeFor(sv.Protocol)
		codec.writeError(sw, sv, opName, e)
		return
	}
	rec.ErrorCode = writeCheckedOutput(sw, codec, sv, op, out)
}

// readBody reads a request's body, at most s.maxBody bytes, and puts it back in r for
// the handlers that read r.Body again.
func (s *Server) readBody(r *http.Request) ([]byte, *APIError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
	switch {
	case err != nil:
		return nil, Errorf("SerializationException", "reading the request body: %v", err)
	case int64(len(body)) > s.maxBody:
		return nil, ErrorStatus(http.StatusRequestEntityTooLarge, "SerializationException", "the request body is larger than %d bytes", s.maxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// serviceFor maps a signing name to the emulated service. Bedrock's control plane and
// runtime both sign as "bedrock"; the runtime's paths tell them apart.
func (s *Server) serviceFor(signing, escapedPath string) *service {
	if signing == "bedrock" && isRuntimePath(escapedPath) {
		return s.services["bedrock-runtime"]
	}
	for _, sv := range s.services {
		if sv.SigningName == signing && sv.Name != "bedrock-runtime" {
			return sv
		}
	}
	return nil
}

var runtimePathRe = regexp.MustCompile(`^(/model/[^/]+/(converse|converse-stream|invoke|invoke-with-response-stream)|/openai/v1/chat/completions)$`)

func isRuntimePath(p string) bool { return runtimePathRe.MatchString(p) }

func asAPIError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return &APIError{Code: "InternalFailure", Message: err.Error(), Status: http.StatusInternalServerError}
}

// writeBareError answers requests that reach no service with a JSON error that every
// JSON-based SDK deserializer can read.
func writeBareError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	_, _ = w.Write(body)
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush lets raw handlers stream (event streams of bedrock-runtime).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// randomToken returns n random characters from [A-Z0-9].
func randomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// stableToken derives n characters from s deterministically (FNV-based).
func stableToken(s string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var h uint64 = 14695981039346656037
	out := make([]byte, n)
	for i := range out {
		for j := 0; j < len(s); j++ {
			h ^= uint64(s[j])
			h *= 1099511628211
		}
		h ^= uint64(i)
		h *= 1099511628211
		out[i] = alphabet[h%uint64(len(alphabet))]
	}
	return string(out)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
