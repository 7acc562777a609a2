// Command localaws runs the bedgov local AWS emulator (internal/localaws) as a process,
// for the demo and for scripts. It prints one line
//
//	LOCALAWS_ENDPOINT=http://127.0.0.1:PORT
//
// on standard output once it accepts requests (with -https-listen, also
// LOCALAWS_HTTPS_ENDPOINT=https://127.0.0.1:PORT2 and LOCALAWS_CA_FILE=PATH: the same
// emulator on TLS, its certificate signed by a CA made for this run whose PEM is at
// PATH; point SSL_CERT_FILE, AWS_CA_BUNDLE and NODE_EXTRA_CA_CERTS at it), and stops (with the dynalite it started)
// on SIGINT or SIGTERM. Point every AWS SDK or the Terraform provider's endpoints at that
// URL with any static credentials. The control API (faults, call log, state) is under
// /_localaws/ on the same address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/enforcerruntime"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "localaws:", err)
		os.Exit(1)
	}
}

// config is the command's flags.
type config struct {
	listen, account, identity, region, dynamo string
	noDynamo, runEnforcer                     bool
	enforcerLog, httpsListen, caFile          string
}

// parseFlags reads the command line; it takes no arguments beyond the flags.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("localaws", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:4566", "address to listen on (port 0 picks a free port)")
	fs.StringVar(&c.account, "account", localaws.DefaultAccount, "account id of the emulated account")
	fs.StringVar(&c.identity, "identity", "", "ARN that long-term keys are reported as (default arn:aws:iam::ACCOUNT:user/bedgov-test)")
	fs.StringVar(&c.region, "default-region", localaws.DefaultRegion, "region of requests that carry none (bearer-token requests)")
	fs.StringVar(&c.dynamo, "dynamodb-endpoint", "", "dynalite/DynamoDB endpoint to front; empty starts a dynalite")
	fs.BoolVar(&c.noDynamo, "no-dynamodb", false, "serve no DynamoDB (calls fail with a clear error)")
	fs.BoolVar(&c.runEnforcer, "enforcer-runtime", true, "serve deployed bedgov enforcer functions' URLs with the real enforcer, in process")
	fs.StringVar(&c.enforcerLog, "enforcer-log", "", "file for the enforcer's JSON log lines (default: discarded)")
	fs.StringVar(&c.httpsListen, "https-listen", "", "also serve HTTPS on this address (port 0 picks a free port), with a CA made for this run")
	fs.StringVar(&c.caFile, "ca-file", "localaws-ca.pem", "where -https-listen writes the PEM of its CA")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, nil
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}

	opts := []localaws.Option{localaws.WithAccount(cfg.account), localaws.WithDefaultRegion(cfg.region)}
	if cfg.identity != "" {
		opts = append(opts, localaws.WithIdentity(cfg.identity))
	}
	if !cfg.noDynamo {
		endpoint := cfg.dynamo
		if endpoint == "" {
			p, err := dynalite.Start(ctx)
			if err != nil {
				return fmt.Errorf("starting dynalite (or pass -dynamodb-endpoint / -no-dynamodb): %w", err)
			}
			defer p.Stop()
			endpoint = p.Endpoint
			_, _ = fmt.Fprintln(stderr, "localaws: started dynalite at", endpoint)
		}
		opts = append(opts, localaws.WithDynamoDB(endpoint))
	}

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	if cfg.runEnforcer {
		logs := io.Discard
		if cfg.enforcerLog != "" {
			f, err := os.OpenFile(cfg.enforcerLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				return err
			}
			defer f.Close()
			logs = f
		}
		self := endpointURL(ln.Addr())
		opts = append(opts, localaws.WithFunctionRuntime(enforcerruntime.New(func() string { return self }, logs)))
	}
	emu := localaws.New(opts...)
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	if cfg.httpsListen != "" {
		tlsSrv, err := serveHTTPS(cfg.httpsListen, cfg.caFile, emu, stdout)
		if err != nil {
			return err
		}
		defer tlsSrv.Close()
	}
	_, _ = fmt.Fprintf(stdout, "LOCALAWS_ENDPOINT=%s\n", endpointURL(ln.Addr()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveHTTPS serves h over HTTPS on addr with a CA made for this run, whose PEM it
// writes to caFile, and prints the HTTPS endpoint and the CA file's path to stdout.
func serveHTTPS(addr, caFile string, h http.Handler, stdout io.Writer) (*localaws.HTTPSServer, error) {
	ca, err := localaws.NewTLSAuthority()
	if err != nil {
		return nil, err
	}
	if err := ca.WriteCA(caFile); err != nil {
		return nil, err
	}
	tlsSrv, err := localaws.ServeHTTPS(addr, h, ca)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(caFile)
	_, _ = fmt.Fprintf(stdout, "LOCALAWS_HTTPS_ENDPOINT=%s\nLOCALAWS_CA_FILE=%s\n", tlsSrv.URL, abs)
	return tlsSrv, nil
}

// endpointURL is the URL clients use: an unspecified listen host becomes 127.0.0.1.
func endpointURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
