package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// TestMain lets the test binary act as the command for the signal test.
func TestMain(m *testing.M) {
	if os.Getenv("LOCALAWS_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"localaws"}, strings.Fields(os.Getenv("LOCALAWS_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// readEndpoint waits for the LOCALAWS_ENDPOINT line.
func readEndpoint(t *testing.T, r io.Reader) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "LOCALAWS_ENDPOINT="); ok {
				lines <- v
				return
			}
		}
		close(lines)
	}()
	select {
	case ep, ok := <-lines:
		if !ok || !strings.HasPrefix(ep, "http://127.0.0.1:") || strings.HasSuffix(ep, ":0") {
			t.Fatalf("endpoint line = %q", ep)
		}
		return ep
	case <-time.After(30 * time.Second):
		t.Fatal("no LOCALAWS_ENDPOINT line within 30s")
	}
	return ""
}

// stopRun cancels run's context and waits for run, started in a goroutine that sends
// its result on done, to return without error.
func stopRun(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestRunServesSDKCallsAndStartsDynalite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-account", "111122223333"}, pw, io.Discard)
	}()
	ep := readEndpoint(t, pr)
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	cfg := localaws.ClientConfig(ep, "us-east-1")
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:iam::111122223333:user/bedgov-test" {
		t.Fatalf("arn = %s", aws.ToString(id.Arn))
	}
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("dynamodb through the started dynalite: %v", err)
	}
	stopRun(t, cancel, done)
}

func TestRunRejectsBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-no-such-flag"}, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if err := run(context.Background(), []string{"-no-dynamodb", "-listen", "256.0.0.1:1"}, io.Discard, io.Discard); err == nil {
		t.Fatal("bad listen address accepted")
	}
}

func TestCommandExitsCleanlyOnSIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOCALAWS_TEST_RUN_MAIN=1", "LOCALAWS_TEST_ARGS=-listen :0 -no-dynamodb")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ep := readEndpoint(t, out)
	if _, err := sts.NewFromConfig(localaws.ClientConfig(ep, "us-east-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("command did not exit after SIGTERM")
	}
}
