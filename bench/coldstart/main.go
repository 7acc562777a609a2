// Command coldstart measures the enforcer Lambda binary's start: the time from exec to
// its first poll of the Lambda Runtime API (GET /2018-06-01/runtime/invocation/next),
// which is when Lambda considers the function initialised. The binary is built as the
// artifact is (linux, CGO off, -tags lambda.norpc, -trimpath, -s -w) for the host's
// architecture, and runs against a stub Runtime API on loopback with the environment
// bedgov_enforcer gives the function. A process starts cold every time; the file
// cache is warm after the first, as on a Lambda host that just pulled the image.
//
// With -inittrace it also runs the binary once with GODEBUG=inittrace=1 and lists the
// package initialisers that cost most.
//
// Run from the repository: go run ./bench/coldstart
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	runs      = flag.Int("runs", 30, "cold starts to time")
	inittrace = flag.Bool("inittrace", true, "list the costliest package initialisers (GODEBUG=inittrace=1)")
	top       = flag.Int("top", 8, "initialisers to list")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "bedgov-coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./internal/enforcer/cmd/bedgov-enforcer-lambda")
	build.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}

	// The stub Runtime API: the first "next" poll is the moment of interest; it is then
	// held open until the process is killed, as Lambda holds it between invocations.
	polled := make(chan time.Time, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	stub := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case polled <- time.Now():
			default:
			}
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusAccepted) // init/error and the like
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = stub.Serve(ln) }()
	defer func() { _ = stub.Close() }()

	env := append(os.Environ(),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=bedgov-enforcer", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDCOLD", "AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=token",
		"BEDGOV_TABLE=bedgov-enforcer", "BEDGOV_AUTH_MODE=iam")

	start := func(extra ...string) (time.Duration, []byte, error) {
		cmd := exec.Command(bin)
		cmd.Env = append(env, extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return 0, nil, err
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		select {
		case t := <-polled:
			// Let stderr (inittrace) drain before the kill.
			time.Sleep(20 * time.Millisecond)
			return t.Sub(t0), stderr.Bytes(), nil
		case <-time.After(10 * time.Second):
			return 0, stderr.Bytes(), fmt.Errorf("no runtime poll within 10s; stderr: %s", stderr.String())
		}
	}

	var times []time.Duration
	for i := 0; i < *runs+1; i++ {
		d, _, err := start()
		if err != nil {
			return err
		}
		if i > 0 { // the first run pages the binary in from disk
			times = append(times, d)
		}
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("coldstart: bootstrap %.1f MB (linux, host arch, as the artifact): exec to first runtime poll over %d runs: min %.1f ms, p50 %.1f ms, p90 %.1f ms, max %.1f ms\n",
		float64(st.Size())/1e6, len(times), ms(times[0]), ms(times[len(times)/2]), ms(times[len(times)*9/10]), ms(times[len(times)-1]))

	if !*inittrace {
		return nil
	}
	_, trace, err := start("GODEBUG=inittrace=1")
	if err != nil {
		return err
	}
	type initCost struct {
		pkg   string
		ms    float64
		bytes int64
	}
	var costs []initCost
	var total float64
	sc := bufio.NewScanner(bytes.NewReader(trace))
	for sc.Scan() {
		// init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" {
			continue
		}
		clock, _ := strconv.ParseFloat(f[4], 64)
		b, _ := strconv.ParseInt(f[7], 10, 64)
		costs = append(costs, initCost{f[1], clock, b})
		total += clock
	}
	slices.SortFunc(costs, func(a, b initCost) int { return int(b.ms*1000) - int(a.ms*1000) })
	fmt.Printf("coldstart: package initialisers: %d, %.2f ms in all; the costliest:\n", len(costs), total)
	for _, c := range costs[:min(*top, len(costs))] {
		fmt.Printf("coldstart:   %-60s %6.3f ms %8d bytes\n", c.pkg, c.ms, c.bytes)
	}
	return nil
}
