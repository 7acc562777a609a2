package localaws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// HTTPS for the emulator. Bedrock API keys are bearer tokens that the SDKs (Go, JS v3,
// boto3, the Anthropic SDK, Claude Code) send only over HTTPS, so the emulator and the
// function URLs it serves also listen on TLS, with a certificate authority made for the
// run. Its PEM is written to a file that clients are pointed at with SSL_CERT_FILE
// (Go, OpenSSL), AWS_CA_BUNDLE (AWS SDKs, boto3) and NODE_EXTRA_CA_CERTS (Node.js).
//
// The server offers both "h2" and "http/1.1" by ALPN: the AWS SDK for JavaScript v3's
// Bedrock Runtime client speaks HTTP/2 and refuses a server that offers http/1.1 only.

// TLSAuthority is a certificate authority made for one run and the server certificate
// it signed for the loopback names (localhost, 127.0.0.1, ::1). Its key never leaves the
// process.
type TLSAuthority struct {
	caPEM  []byte
	pool   *x509.CertPool
	server tls.Certificate
}

// NewTLSAuthority makes a fresh CA (ECDSA P-256, valid for a day) and a server
// certificate for localhost, 127.0.0.1, ::1 and any extra host names or addresses.
func NewTLSAuthority(extraHosts ...string) (*TLSAuthority, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "localaws test CA (made for this run)", Organization: []string{"bedgov"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range extraHosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &TLSAuthority{
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pool:   pool,
		server: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key, Leaf: nil},
	}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

// CAPEM is the CA certificate in PEM, what clients must trust.
func (a *TLSAuthority) CAPEM() []byte { return append([]byte(nil), a.caPEM...) }

// Pool is a certificate pool holding only the CA.
func (a *TLSAuthority) Pool() *x509.CertPool { return a.pool }

// WriteCA writes the CA's PEM to path, creating the folder. The clients that read it run
// as the same user, so the file is private to that user.
func (a *TLSAuthority) WriteCA(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	return os.WriteFile(path, a.caPEM, 0o600)
}

// ServerConfig is the TLS configuration of the emulator's HTTPS listener: the server
// certificate, TLS 1.2 or later, and ALPN offering h2 and http/1.1.
func (a *TLSAuthority) ServerConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{a.server},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

// ClientConfig is a TLS configuration that trusts the CA only.
func (a *TLSAuthority) ClientConfig() *tls.Config {
	return &tls.Config{RootCAs: a.pool, MinVersion: tls.VersionTLS12}
}

// HTTPClient is an HTTP client that trusts the CA (HTTP/2 when the server offers it).
func (a *TLSAuthority) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: a.ClientConfig(), ForceAttemptHTTP2: true, Proxy: nil}}
}

// HTTPSServer serves a handler on TLS with a TLSAuthority's certificate.
type HTTPSServer struct {
	URL string // https://127.0.0.1:PORT
	srv *http.Server
	ln  net.Listener
}

// ServeHTTPS serves h over TLS on addr ("127.0.0.1:0" picks a free port), HTTP/2 and
// HTTP/1.1. It returns once the listener accepts connections.
func ServeHTTPS(addr string, h http.Handler, a *TLSAuthority) (*HTTPSServer, error) {
	if a == nil {
		return nil, errors.New("localaws: ServeHTTPS needs a TLSAuthority")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, TLSConfig: a.ServerConfig(), ReadHeaderTimeout: 30 * time.Second}
	// ServeTLS sets up HTTP/2 on the server (h2 in ALPN) before it accepts.
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return &HTTPSServer{URL: "https://" + loopbackAddr(ln.Addr()), srv: srv, ln: ln}, nil
}

// Close stops the server and its connections.
func (s *HTTPSServer) Close() { _ = s.srv.Close() }

// Server is the underlying http.Server (for a graceful Shutdown).
func (s *HTTPSServer) Server() *http.Server { return s.srv }

// loopbackAddr is host:port as clients dial it: an unspecified host becomes 127.0.0.1.
func loopbackAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
