package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// -https-listen serves the same emulator on TLS and writes its CA where -ca-file says;
// a client that trusts that file (and only it) reaches the emulator over HTTPS.
func TestRunServesHTTPSWithItsCA(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	caFile := filepath.Join(t.TempDir(), "ca", "localaws-ca.pem")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-no-dynamodb", "-https-listen", "127.0.0.1:0", "-ca-file", caFile}, pw, io.Discard)
	}()
	lines := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		lines[k] = v
		if k == "LOCALAWS_ENDPOINT" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.HasPrefix(lines["LOCALAWS_HTTPS_ENDPOINT"], "https://127.0.0.1:") || lines["LOCALAWS_CA_FILE"] != caFile {
		t.Fatalf("output lines %v", lines)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the CA file holds no certificate")
	}
	cfg := localaws.ClientConfig(lines["LOCALAWS_HTTPS_ENDPOINT"], "us-east-1")
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	stopRun(t, cancel, done)
}
