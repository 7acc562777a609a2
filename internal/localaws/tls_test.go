package localaws_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// The emulator's HTTPS: a per-run CA whose PEM is written for clients, ALPN offering
// h2 and http/1.1 (the JS v3 SDK speaks HTTP/2 only), and the Go SDK in both auth
// modes (a Bedrock API key, which the SDK sends over HTTPS only, and SigV4).
func TestHTTPSServesBothProtocolsAndAuthModes(t *testing.T) {
	t.Parallel()
	ca, err := localaws.NewTLSAuthority()
	if err != nil {
		t.Fatal(err)
	}
	pem := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteCA(pem); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(pem); err != nil || string(b) != string(ca.CAPEM()) {
		t.Fatalf("CA file: %v", err)
	}
	s := localaws.New()
	srv, err := localaws.ServeHTTPS("127.0.0.1:0", s, ca)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	for _, proto := range []string{"h2", "http/1.1"} {
		conn, err := tls.Dial("tcp", srv.URL[len("https://"):], &tls.Config{RootCAs: ca.Pool(), NextProtos: []string{proto}, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		if got := conn.ConnectionState().NegotiatedProtocol; got != proto {
			t.Errorf("ALPN offered %s, negotiated %q", proto, got)
		}
		_ = conn.Close()
	}
	// A client that does not trust the CA is refused.
	if resp, err := http.Get(srv.URL + "/"); err == nil {
		_ = resp.Body.Close()
		t.Fatal("a client without the CA connected")
	}

	msgs := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}
	for _, mode := range []string{"bearer", "sigv4"} {
		cfg := localaws.ClientConfig(srv.URL, "us-east-1")
		cfg.HTTPClient = ca.HTTPClient()
		cfg.RetryMaxAttempts = 1
		c := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
			if mode == "bearer" {
				o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: "bedrock-api-key-abc"}}
				o.AuthSchemePreference = []string{"httpBearerAuth"}
			}
		})
		if _, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("us.amazon.nova-lite-v1:0"), Messages: msgs}); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	calls := s.Calls()
	if len(calls) != 2 || calls[0].AccessKeyID != "" || calls[1].AccessKeyID == "" || calls[0].Status != 200 || calls[1].Status != 200 {
		t.Fatalf("calls = %+v", calls)
	}
}
