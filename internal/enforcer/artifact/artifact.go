// Package artifact holds the enforcer's Lambda deployment packages (linux/arm64 and
// linux/amd64 zips of cmd/bedgov-enforcer-lambda), embedded into the provider binary so
// that bedgov_enforcer deploys exactly the enforcer its provider version was built with.
//
// The zips are build outputs, never committed: `make artifact` (or `go generate` here)
// builds them reproducibly into dist/ — the same source gives the same bytes.
package artifact

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:generate go run ./build

//go:embed all:dist
var dist embed.FS

// The architectures a Lambda function can run on, in Lambda's spelling.
const (
	ArchARM64 = "arm64"
	ArchX8664 = "x86_64"
)

// Architectures lists them, the default first.
var Architectures = []string{ArchARM64, ArchX8664}

// ErrMissing is returned when the provider was built without the artifact.
var ErrMissing = errors.New("the enforcer artifact is not built into this provider")

// Artifact is one deployment package. Get gives its digests without reading the zip
// (plans only need them); Zip reads it when a function is deployed.
type Artifact struct {
	Arch string
	// SHA256 is the hex digest of the zip; CodeSHA256 the base64 one Lambda reports.
	SHA256     string
	CodeSHA256 string
}

// Zip returns the package's bytes (a copy: about 4 MB, read only to deploy).
func (a Artifact) Zip() ([]byte, error) {
	return dist.ReadFile("dist/" + FileName(a.Arch))
}

// FileName is the zip's name in dist/ for an architecture.
func FileName(arch string) string { return "enforcer-" + arch + ".zip" }

// DigestFileName is the name in dist/ of the zip's hex SHA-256, written with it by the
// build so that the digest is known without reading the zip.
func DigestFileName(arch string) string { return FileName(arch) + ".sha256" }

var (
	once  sync.Once
	cache map[string]Artifact
)

// Get returns the package for an architecture, or an error wrapping ErrMissing that says
// how to build it.
func Get(arch string) (Artifact, error) {
	once.Do(load)
	a, ok := cache[arch]
	if !ok {
		if arch != ArchARM64 && arch != ArchX8664 {
			return Artifact{}, fmt.Errorf("unknown architecture %q (want arm64 or x86_64)", arch)
		}
		return Artifact{}, fmt.Errorf("%w (no %s for %s): run `make artifact` (or `go generate ./internal/enforcer/artifact`) and rebuild the provider", ErrMissing, FileName(arch), arch)
	}
	return a, nil
}

func load() {
	cache = map[string]Artifact{}
	for _, arch := range Architectures {
		digest, err := zipDigest(arch)
		if err != nil {
			continue
		}
		raw, _ := hex.DecodeString(digest)
		cache[arch] = Artifact{Arch: arch, SHA256: digest, CodeSHA256: base64.StdEncoding.EncodeToString(raw)}
	}
}

// zipDigest is the zip's hex SHA-256: the build's digest file, else the zip hashed as
// it is read (a dist/ from a build that wrote no digest file).
func zipDigest(arch string) (string, error) {
	if b, err := dist.ReadFile("dist/" + DigestFileName(arch)); err == nil {
		if d := strings.TrimSpace(string(b)); len(d) == 64 {
			if _, err := hex.DecodeString(d); err == nil {
				return d, nil
			}
		}
	}
	f, err := dist.Open("dist/" + FileName(arch))
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil || n == 0 {
		return "", errors.New("empty or unreadable package")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WithoutArtifacts makes Get behave as in a provider built without the packages until
// the returned function is called; tests use it to prove the plan-time error.
func WithoutArtifacts() (restore func()) {
	once.Do(load)
	saved := cache
	cache = map[string]Artifact{}
	return func() { cache = saved }
}
