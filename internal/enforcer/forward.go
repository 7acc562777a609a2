package enforcer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// forwarder sends a request to Bedrock Runtime, signed with SigV4 as the enforcer's own
// role, over a pooled, reused connection.
type forwarder struct {
	base   string
	region string
	client *http.Client
	signer *v4.Signer
	creds  aws.CredentialsProvider
	now    func() time.Time
	// urls caches each target's escaped model URL (base + "/model/" + target): the
	// targets are the teams' profile ARNs, few and reused by every request.
	urls *boundedMap[string]
}

func (f *forwarder) modelURL(target string) string {
	if u, ok := f.urls.Load(target); ok {
		return u
	}
	u := f.base + "/model/" + httpbinding.EscapePath(target, true)
	f.urls.Store(target, u)
	return u
}

func newForwarder(endpoint, region string, creds aws.CredentialsProvider, transport http.RoundTripper, now func() time.Time, cacheEntries int) (*forwarder, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("invalid Bedrock endpoint %q", endpoint)
	}
	if transport == nil {
		transport = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 5 * time.Second,
			// The response is passed through byte for byte: never let the transport
			// negotiate and undo a content encoding.
			DisableCompression: true,
		}
	}
	if creds == nil {
		creds = aws.AnonymousCredentials{}
	}
	return &forwarder{
		base:   strings.TrimRight(u.String(), "/"),
		region: region,
		client: &http.Client{Transport: transport},
		signer: v4.NewSigner(),
		creds:  aws.NewCredentialsCache(creds),
		now:    now,
		urls:   newBoundedMap[string](cacheEntries),
	}, nil
}

// passRequestHeader says which client headers go to Bedrock: the content negotiation
// and Bedrock's own options (guardrails, trace, latency, tier, metadata). The client's
// credentials and SDK headers never do.
func passRequestHeader(k string) bool {
	return k == "Content-Type" || k == "Accept" || strings.HasPrefix(k, "X-Amzn-Bedrock-")
}

// do sends the request. sent reports whether the whole request was written to Bedrock:
// a call that failed before that provably never ran (Bedrock acts on a whole request
// only), one that failed after it may have run and been billed.
func (f *forwarder) do(ctx context.Context, target string, op operation, body []byte, in http.Header) (resp *http.Response, sent bool, err error) {
	u := f.modelURL(target) + "/" + op.suffix()
	if op == opChat || op == opChatStream {
		// The model is in the body: the profile routed to replaces the client's.
		u = f.base + chatPath
		if body, err = chatBodyFor(body, target, op == opChatStream); err != nil {
			return nil, false, err
		}
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	req.ContentLength = int64(len(body))
	for k, vs := range in {
		if passRequestHeader(k) {
			req.Header[k] = vs
		}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	creds, err := f.creds.Retrieve(ctx)
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(body)
	if err := f.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "bedrock", f.region, f.now()); err != nil {
		return nil, false, err
	}
	// The host is always the configured Bedrock endpoint (f.base); the path names the
	// team's profile from its cap record, path-escaped, never a client's URL.
	resp, err = f.client.Do(req) //nolint:gosec // G704: see above
	return resp, err == nil || wrote.Load(), err
}
