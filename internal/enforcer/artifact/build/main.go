// Command build makes the enforcer's Lambda deployment packages reproducibly: for each
// architecture it cross-compiles cmd/bedgov-enforcer-lambda with fixed flags (no build
// id, no VCS stamp, trimmed paths) and zips the binary as "bootstrap" with a fixed
// timestamp and mode, so the same source always gives the same bytes and sha256.
//
// Run from anywhere in the module: go run ./internal/enforcer/artifact/build
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const pkg = "github.com/bedgov/terraform-provider-bedgov/internal/enforcer/cmd/bedgov-enforcer-lambda"

// goarch maps Lambda's architecture names to GOARCH.
var goarch = []struct{ lambda, goarch string }{{"arm64", "arm64"}, {"x86_64", "amd64"}}

// zipTime is the fixed modification time of the zipped binary.
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "artifact:", err)
		os.Exit(1)
	}
}

func run() error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	dist := filepath.Join(root, "internal", "enforcer", "artifact", "dist")
	tmp, err := os.MkdirTemp("", "bedgov-artifact")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	for _, a := range goarch {
		bin := filepath.Join(tmp, "bootstrap-"+a.goarch)
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
			"-ldflags", "-s -w -buildid=", "-o", bin, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+a.goarch, "CGO_ENABLED=0", "GOFLAGS=")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", a.lambda, err)
		}
		zipped, err := zipBootstrap(bin)
		if err != nil {
			return err
		}
		out := filepath.Join(dist, "enforcer-"+a.lambda+".zip")
		if old, err := os.ReadFile(out); err != nil || !bytes.Equal(old, zipped) {
			if err := os.WriteFile(out, zipped, 0o600); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(zipped)
		// The digest beside the zip: plans read it instead of hashing the package.
		digest := filepath.Join(dist, "enforcer-"+a.lambda+".zip.sha256")
		if err := os.WriteFile(digest, []byte(hex.EncodeToString(sum[:])+"\n"), 0o600); err != nil {
			return err
		}
		fmt.Printf("artifact: %s %d bytes sha256 %s\n", filepath.Base(out), len(zipped), hex.EncodeToString(sum[:]))
	}
	return nil
}

func zipBootstrap(bin string) ([]byte, error) {
	f, err := os.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
