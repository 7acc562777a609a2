package localaws

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SigV4 verification. The emulator checks every signed request as AWS does
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): it
// rebuilds the canonical request from the headers the client says it signed, derives
// the signing key from the secret of the access key it issued (the test key, keys
// added with WithAccessKey, and the session credentials of AssumeRole and of function
// instances) and the credential scope (date, Region, signing name), and compares the
// signatures. A request with a key it never issued, a wrong signature, a missing or
// wrong session token, or a date more than 15 minutes off is refused in the service's
// own terms (see sigErrors). Bearer tokens (Bedrock API keys) are not SigV4 and keep
// their own path.

// credential is a secret the emulator issued.
type credential struct {
	secret string
	token  string // session token; "" for long-term keys
}

// WithAccessKey adds a long-term access key the emulator accepts, for the identity
// with the given ARN (an IAM user or role ARN of the emulated account): a test that
// needs a second caller signs with it.
func WithAccessKey(accessKeyID, secret, identityARN string) Option {
	return func(s *Server) {
		s.pendingKeys = append(s.pendingKeys, pendingKey{accessKeyID, secret, identityARN})
	}
}

type pendingKey struct{ id, secret, arn string }

// WithSigningClock sets the clock a request's signing time is compared with (AWS
// refuses one more than 15 minutes off): for tests whose callers sign with a clock of
// their own. Default time.Now.
func WithSigningClock(now func() time.Time) Option { return func(s *Server) { s.signingClock = now } }

func (s *Server) signingNow() time.Time {
	if s.signingClock != nil {
		return s.signingClock()
	}
	return time.Now()
}

// AddAccessKey adds a long-term access key while the server runs (see WithAccessKey).
func (s *Server) AddAccessKey(accessKeyID, secret, identityARN string) {
	s.addCredential(accessKeyID, credential{secret: secret})
	if identityARN != "" {
		s.addSession(accessKeyID, Identity{Account: accountOf(identityARN, s.account), Arn: identityARN, UserID: userIDFor(identityARN)})
	}
}

func (s *Server) addCredential(accessKeyID string, c credential) {
	s.mu.Lock()
	if s.credentials == nil {
		s.credentials = map[string]credential{}
	}
	s.credentials[accessKeyID] = c
	s.mu.Unlock()
}

func (s *Server) credentialOf(accessKeyID string) (credential, bool) {
	if accessKeyID == TestAccessKeyID {
		return credential{secret: TestSecretAccessKey}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.credentials[accessKeyID]
	return c, ok
}

// sigError is how one protocol family answers a bad signature.
type sigError struct {
	unknownKey, badSignature, expired string
}

// sigErrors: JSON and REST services answer UnrecognizedClientException and
// InvalidSignatureException; awsQuery ones InvalidClientTokenId and
// SignatureDoesNotMatch; S3 InvalidAccessKeyId and SignatureDoesNotMatch
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonErrors.html, S3's
// ErrorResponses). All are 403.
func sigErrorsFor(p Protocol) sigError {
	switch p {
	case AWSQuery:
		return sigError{"InvalidClientTokenId", "SignatureDoesNotMatch", "SignatureDoesNotMatch"}
	case RESTXML:
		return sigError{"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"}
	}
	return sigError{"UnrecognizedClientException", "InvalidSignatureException", "InvalidSignatureException"}
}

const (
	msgUnknownKey   = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// verifySigV4 checks the request's signature (the body is read and put back). S3's
// canonical URI is the path as sent; every other service's is that path URI-encoded
// once more.
func (s *Server) verifySigV4(r *http.Request, p Protocol, now time.Time) *APIError {
	errs := sigErrorsFor(p)
	auth := r.Header.Get("Authorization")
	fields := parseAuthorization(auth)
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return ErrorStatus(http.StatusBadRequest, "IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters")
	}
	akid, date, region, service := cred[0], cred[1], cred[2], cred[3]
	c, ok := s.credentialOf(akid)
	if !ok {
		if p == RESTXML {
			return ErrorStatus(http.StatusForbidden, errs.unknownKey, "The AWS Access Key Id you provided does not exist in our records.")
		}
		return ErrorStatus(http.StatusForbidden, errs.unknownKey, msgUnknownKey)
	}
	if c.token != "" && r.Header.Get("X-Amz-Security-Token") != c.token {
		return ErrorStatus(http.StatusForbidden, errs.unknownKey, msgUnknownKey)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, date) {
		return ErrorStatus(http.StatusBadRequest, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)
	}
	// AWS refuses a request signed more than 15 minutes from its clock.
	if d := now.Sub(t); d > 15*time.Minute || d < -15*time.Minute {
		return ErrorStatus(http.StatusForbidden, errs.expired, "Signature expired: %s is now earlier than %s (%s - 15 min.)", amzDate,
			now.UTC().Add(-15*time.Minute).Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return Errorf("SerializationException", "reading the request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	canonical := canonicalRequest(r, strings.Split(fields["SignedHeaders"], ";"), payload, p == RESTXML)
	sum := sha256.Sum256([]byte(canonical))
	scope := strings.Join(cred[1:], "/")
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+c.secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if subtle.ConstantTimeCompare([]byte(want), []byte(fields["Signature"])) != 1 {
		// AWS quotes the canonical request and string to sign it computed.
		return ErrorStatus(http.StatusForbidden, errs.badSignature, "%s\n\nThe Canonical String for this request should have been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n", msgBadSignature, canonical, toSign)
	}
	return nil
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
func parseAuthorization(h string) map[string]string {
	out := map[string]string{}
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256")
	if !ok {
		return out
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			out[k] = v
		}
	}
	return out
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// canonicalRequest builds SigV4's canonical request from the request as received.
func canonicalRequest(r *http.Request, signed []string, payload string, singleEncode bool) string {
	rawPath := r.URL.EscapedPath()
	if r.RequestURI != "" {
		if p, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(p, "/") {
			rawPath = p
		}
	}
	if rawPath == "" {
		rawPath = "/"
	}
	uri := rawPath
	if !singleEncode {
		uri = sigEscape(rawPath, false)
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, h := range signed {
		var vals []string
		switch h {
		case "host", ":authority":
			// Over HTTP/2 the JS v3 SDK signs the :authority pseudo-header (the host).
			vals = []string{r.Host}
		case "content-length":
			vals = r.Header.Values("Content-Length")
			if len(vals) == 0 && r.ContentLength >= 0 {
				vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		default:
			vals = r.Header.Values(h)
		}
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(strings.Join(vals, ","))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// canonicalQuery sorts the query parameters and encodes them as SigV4 wants.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			uk, uv = k, v
		}
		pairs = append(pairs, kv{sigEscape(uk, true), sigEscape(uv, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// sigEscape percent-encodes everything but RFC 3986's unreserved characters (and '/'
// in a path).
func sigEscape(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
