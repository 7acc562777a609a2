// Command bedgov-enforcer serves the enforcer over plain HTTP(S) for local use and for
// containers. Configuration comes from the environment (internal/enforcer.FromEnv); in
// iam mode it must sit behind a front that authenticates callers and sets
// BEDGOV_TRUSTED_PRINCIPAL_HEADER.
//
//	bedgov-enforcer -addr :8443 -tls-cert cert.pem -tls-key key.pem
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	cert := flag.String("tls-cert", "", "TLS certificate (PEM); serve HTTPS when set with -tls-key")
	key := flag.String("tls-key", "", "TLS private key (PEM)")
	flag.Parse()

	h, err := enforcer.FromEnvironment(context.Background(), func(c *enforcer.Config) { c.DetachSettle = true }, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bedgov enforcer: configuration:", err)
		os.Exit(1)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if *cert != "" && *key != "" {
		err = srv.ListenAndServeTLS(*cert, *key)
	} else {
		err = srv.ListenAndServe()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "bedgov enforcer:", err)
		os.Exit(1)
	}
	h.Wait() // detached settlements finish before exit
}
