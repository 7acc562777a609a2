// Package dynalite starts dynalite, a DynamoDB implementation written in Node, on a free
// loopback port. The bedgov tests, the local emulator command and the demo use it so that
// every DynamoDB semantic (conditional writes above all) comes from a real implementation
// and not from a fake written here.
//
// dynalite is installed from tools/node (package.json + package-lock.json) by `make tools`.
package dynalite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Process is a running dynalite server.
type Process struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:41234.
	Endpoint string

	cmd   *exec.Cmd
	stdin io.WriteCloser
	once  sync.Once
	done  chan struct{}
}

// EmulatedAccount is the account id of dynalite's table ARNs: the emulator's default
// account (localaws.DefaultAccount).
const EmulatedAccount = "123456789012"

// ErrNotInstalled is returned when Node.js or the dynalite package cannot be found.
var ErrNotInstalled = errors.New("dynalite is not installed")

// NodeDir finds the tools/node folder of this repository: $BEDGOV_NODE_DIR when set,
// otherwise the first tools/node/start-dynalite.js found walking up from the working
// directory.
func NodeDir() (string, error) {
	if d := os.Getenv("BEDGOV_NODE_DIR"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, "tools", "node")
		if _, err := os.Stat(filepath.Join(candidate, "start-dynalite.js")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: tools/node/start-dynalite.js not found above the working directory; set BEDGOV_NODE_DIR or run from the repository", ErrNotInstalled)
		}
		dir = parent
	}
}

// NodeCommand prepares `node script` in the Node directory dir, whose
// node_modules/module it needs, with env added to this process's environment and its
// standard error ours; it returns the command, not started, with pipes to its standard
// input and output. When node or the module is missing the error wraps notInstalled.
func NodeCommand(dir, module, script string, notInstalled error, env ...string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: node is not on PATH; install Node.js and run `make tools`", notInstalled)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module, "package.json")); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %s/node_modules/%s is missing; run `make tools`", notInstalled, dir, module)
	}
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	return cmd, stdin, stdout, nil
}

// Start launches dynalite in memory on a free loopback port and waits until it accepts
// connections. The process exits by itself when the calling process dies (its standard
// input closes), so a crashed test never leaves it behind.
func Start(ctx context.Context) (*Process, error) {
	dir, err := NodeDir()
	if err != nil {
		return nil, err
	}
	// dynalite puts AWS_ACCOUNT_ID into table ARNs (0000-0000-0000 without it): the
	// emulated account's, so IAM policies naming a table's ARN match it.
	cmd, stdin, stdout, err := NodeCommand(dir, "dynalite", "start-dynalite.js", ErrNotInstalled, "AWS_ACCOUNT_ID="+EmulatedAccount)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting dynalite: %w", err)
	}
	p := &Process{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()

	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "DYNALITE_PORT="); ok {
				portc <- v
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()

	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case port := <-portc:
		p.Endpoint = "http://127.0.0.1:" + port
	case <-p.done:
		return nil, errors.New("dynalite exited before it listened; run `make tools` to reinstall it")
	case <-timeout.C:
		p.Stop()
		return nil, errors.New("dynalite did not start within 30s")
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}

	// Wait until it accepts connections.
	addr := strings.TrimPrefix(p.Endpoint, "http://")
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return p, nil
		}
		if i > 100 {
			p.Stop()
			return nil, fmt.Errorf("dynalite at %s does not accept connections: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the process and waits for it to exit.
func (p *Process) Stop() {
	p.once.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}
