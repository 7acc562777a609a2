// Command releasecheck proves that a release of bedgov would install from the Terraform
// registry, without goreleaser, a signing key or the network:
//
//   - it reads .goreleaser.yml and checks what the registry and this project rely on
//     (CGO off, -trimpath, -s -w, version ldflags that name variables main.go declares,
//     zip archives, SHA256SUMS with the manifest, a detached signature of the checksums,
//     the enforcer built in a before hook, every registry platform and only platforms Go
//     can build);
//   - it builds the provider with `go build` for the platform targets the configuration
//     lists (all of them by default), names each binary and archive by the configuration's
//     own templates, and writes the SHA256SUMS goreleaser would;
//   - it checks a release folder as the registry reads one: archive names, the binary
//     inside each archive and its executable format (ELF, Mach-O, PE for the right CPU),
//     and SHA256SUMS covering every archive and the manifest (protocol 6.0).
//
// With -dist it checks a folder goreleaser made (goreleaser release --snapshot) instead
// of building one.
//
//	go run ./releasecheck -root ..                      # every target (about a minute per cold target)
//	go run ./releasecheck -root .. -targets linux_arm,windows_amd64
//	go run ./releasecheck -root .. -derive-config /tmp/one.yml -targets linux_amd64
//	goreleaser release --snapshot --clean --skip=sign --config /tmp/one.yml
//	go run ./releasecheck -root .. -dist ../dist -targets linux_amd64
//
// -derive-config writes a copy of .goreleaser.yml limited to the given targets, so that
// goreleaser itself can make a release (archives, checksums) for the host alone in
// seconds; the full configuration is what -root checks.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

const projectName = "terraform-provider-bedgov"

// registryPlatforms are the platforms a Terraform provider is expected to ship for
// (those of the scaffolding provider that Go still supports: windows/arm left Go in 1.26).
var registryPlatforms = []string{
	"darwin_amd64", "darwin_arm64",
	"freebsd_386", "freebsd_amd64", "freebsd_arm", "freebsd_arm64",
	"linux_386", "linux_amd64", "linux_arm", "linux_arm64",
	"windows_386", "windows_amd64", "windows_arm64",
}

// config is the part of .goreleaser.yml this check reads.
type config struct {
	ProjectName string `yaml:"project_name"`
	Before      struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ignore  []struct {
			Goos   string `yaml:"goos"`
			Goarch string `yaml:"goarch"`
		} `yaml:"ignore"`
		Binary string `yaml:"binary"`
	} `yaml:"builds"`
	Archives []struct {
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
		ExtraFiles   []struct {
			Glob         string `yaml:"glob"`
			NameTemplate string `yaml:"name_template"`
		} `yaml:"extra_files"`
	} `yaml:"checksum"`
	Signs []struct {
		Artifacts string   `yaml:"artifacts"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
}

func main() {
	root := flag.String("root", ".", "repository root (holds .goreleaser.yml, main.go and the manifest)")
	version := flag.String("version", "", "version to stamp and name the files with, without v (default 0.0.0-check; with -dist, the one goreleaser recorded)")
	targets := flag.String("targets", "", "comma-separated os_arch targets to build or expect (default: every target of the configuration)")
	dist := flag.String("dist", "", "check this goreleaser output folder instead of building one")
	keep := flag.String("out", "", "build into this folder and keep it (default: a temporary folder)")
	derive := flag.String("derive-config", "", "write the configuration limited to -targets to this file, and stop")
	flag.Parse()

	var err error
	if *derive != "" {
		err = deriveConfig(filepath.Join(*root, ".goreleaser.yml"), *derive, *targets)
	} else {
		if *dist != "" && *version == "" {
			*version, err = distVersion(*dist)
		}
		if err == nil {
			err = run(*root, *version, *targets, *dist, *keep)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck: FAIL:", err)
		os.Exit(1)
	}
}

func run(root, version, targetList, dist, out string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if version == "" {
		version = "0.0.0-check"
	}
	cfg, err := readConfig(filepath.Join(root, ".goreleaser.yml"))
	if err != nil {
		return err
	}
	all, err := checkConfig(cfg, root)
	if err != nil {
		return err
	}
	fmt.Printf("releasecheck: .goreleaser.yml ok (%d targets: %s)\n", len(all), strings.Join(all, " "))
	manifest, err := checkManifest(filepath.Join(root, "terraform-registry-manifest.json"))
	if err != nil {
		return err
	}

	want := all
	if targetList != "" {
		want = strings.Split(targetList, ",")
		for _, t := range want {
			if !slices.Contains(all, t) {
				return fmt.Errorf("target %s is not one of the configuration's (%s)", t, strings.Join(all, " "))
			}
		}
	}

	if dist == "" {
		if out == "" {
			tmp, err := os.MkdirTemp("", "releasecheck")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			out = tmp
		}
		if err := build(cfg, root, version, want, manifest, out); err != nil {
			return err
		}
		dist = out
	}
	if err := checkDist(dist, version, want, manifest); err != nil {
		return err
	}
	fmt.Printf("releasecheck: %s holds a registry-ready release %s (%s)\n", dist, version, strings.Join(want, " "))
	return nil
}

// distVersion is the version goreleaser recorded in dist/metadata.json.
func distVersion(dist string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		return "", fmt.Errorf("%w (pass -version)", err)
	}
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Version == "" {
		return "", fmt.Errorf("%s/metadata.json: no version", dist)
	}
	return m.Version, nil
}

// deriveConfig writes the configuration with its build limited to the given targets
// (goreleaser's targets list replaces goos, goarch and ignore); everything else is kept.
func deriveConfig(src, dst, targets string) error {
	if targets == "" {
		return errors.New("-derive-config needs -targets")
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	builds := mapValue(doc.Content[0], "builds")
	if builds == nil || builds.Kind != yaml.SequenceNode || len(builds.Content) != 1 {
		return fmt.Errorf("%s: want exactly one build", src)
	}
	build := builds.Content[0]
	var kept []*yaml.Node
	for i := 0; i+1 < len(build.Content); i += 2 {
		switch build.Content[i].Value {
		case "goos", "goarch", "goarm", "goamd64", "ignore", "targets":
		default:
			kept = append(kept, build.Content[i], build.Content[i+1])
		}
	}
	list := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, t := range strings.Split(targets, ",") {
		switch {
		case strings.HasSuffix(t, "_amd64"):
			t += "_v1"
		case strings.HasSuffix(t, "_arm"):
			t += "_6"
		}
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: t})
	}
	build.Content = append(kept, &yaml.Node{Kind: yaml.ScalarNode, Value: "targets"}, list)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, out, 0o600)
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func readConfig(path string) (*config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// checkConfig checks the release configuration and returns its build targets.
func checkConfig(c *config, root string) ([]string, error) {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if c.ProjectName != projectName {
		fail("project_name is %q, want %q (the registry finds providers by it; without it goreleaser guesses)", c.ProjectName, projectName)
	}
	if !slices.ContainsFunc(c.Before.Hooks, func(h string) bool { return strings.TrimSpace(h) == "make artifact" }) {
		fail("before.hooks must run `make artifact`: a provider without the enforcer package cannot deploy it")
	}
	if len(c.Builds) != 1 {
		return nil, errors.Join(append(errs, fmt.Errorf("want exactly one build, got %d", len(c.Builds)))...)
	}
	b := c.Builds[0]
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		fail("builds[0].env must set CGO_ENABLED=0 (static binaries on every platform)")
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		fail("builds[0].flags must include -trimpath")
	}
	ld := strings.Join(b.Ldflags, " ")
	if !strings.Contains(ld, "-s -w") {
		fail("builds[0].ldflags must include -s -w")
	}
	if !strings.Contains(ld, "-X main.version={{ .Version }}") {
		fail("builds[0].ldflags must set main.version to {{ .Version }} (the -version flag and the User-Agent show it)")
	}
	declared, err := mainStringVars(filepath.Join(root, "main.go"))
	if err != nil {
		return nil, err
	}
	for _, m := range regexp.MustCompile(`-X\s+([^=\s]+)=`).FindAllStringSubmatch(ld, -1) {
		name, ok := strings.CutPrefix(m[1], "main.")
		if !ok || !declared[name] {
			// go build ignores -X for a variable that does not exist: it would silently
			// stamp nothing.
			fail("ldflags set %s, which main.go does not declare as a package-level string variable", m[1])
		}
	}
	if b.Binary != "{{ .ProjectName }}_v{{ .Version }}" {
		fail("builds[0].binary is %q, want {{ .ProjectName }}_v{{ .Version }} (the name Terraform looks for)", b.Binary)
	}
	if len(c.Archives) != 1 || !slices.Equal(c.Archives[0].Formats, []string{"zip"}) {
		fail("want one archive with formats [zip] (the registry installs zips)")
	} else if c.Archives[0].NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		fail("archives[0].name_template is %q, want {{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}", c.Archives[0].NameTemplate)
	}
	if c.Checksum.Algorithm != "sha256" || c.Checksum.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS" {
		fail("checksum must be sha256 named {{ .ProjectName }}_{{ .Version }}_SHA256SUMS")
	}
	if !slices.ContainsFunc(c.Checksum.ExtraFiles, func(f struct {
		Glob         string `yaml:"glob"`
		NameTemplate string `yaml:"name_template"`
	}) bool {
		return f.Glob == "terraform-registry-manifest.json" && f.NameTemplate == "{{ .ProjectName }}_{{ .Version }}_manifest.json"
	}) {
		fail("checksum.extra_files must add terraform-registry-manifest.json as {{ .ProjectName }}_{{ .Version }}_manifest.json")
	}
	signed := false
	for _, s := range c.Signs {
		if s.Artifacts == "checksum" && slices.Contains(s.Args, "--detach-sign") {
			signed = true
		}
	}
	if !signed {
		fail("signs must make a detached signature of the checksum file (the registry verifies it)")
	}

	// Targets: the cross product minus the ignores, every one buildable by this Go, and
	// every registry platform present.
	buildable, err := goPlatforms()
	if err != nil {
		return nil, err
	}
	var targets []string
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			if slices.ContainsFunc(b.Ignore, func(i struct {
				Goos   string `yaml:"goos"`
				Goarch string `yaml:"goarch"`
			}) bool {
				return i.Goos == goos && i.Goarch == goarch
			}) {
				continue
			}
			t := goos + "_" + goarch
			if !buildable[goos+"/"+goarch] {
				fail("target %s is not a platform %s can build: add it to builds[0].ignore", t, runtime.Version())
				continue
			}
			targets = append(targets, t)
		}
	}
	for _, p := range registryPlatforms {
		if !slices.Contains(targets, p) {
			fail("registry platform %s is not built", p)
		}
	}
	sort.Strings(targets)
	return targets, errors.Join(errs...)
}

// mainStringVars lists main.go's package-level string variables (the ones -X can set).
func mainStringVars(path string) (map[string]bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	vars := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			typed := v.Type != nil
			if typed {
				if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "string" {
					continue
				}
			}
			for i, n := range v.Names {
				if typed {
					vars[n.Name] = true
				} else if i < len(v.Values) {
					if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						vars[n.Name] = true
					}
				}
			}
		}
	}
	return vars, nil
}

func goPlatforms() (map[string]bool, error) {
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("go tool dist list: %w", err)
	}
	m := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		m[l] = true
	}
	return m, nil
}

// checkManifest checks the registry manifest and returns its bytes.
func checkManifest(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Version != 1 || !slices.Equal(m.Metadata.ProtocolVersions, []string{"6.0"}) {
		return nil, fmt.Errorf("%s: want version 1 and protocol_versions [\"6.0\"] (the provider serves protocol 6), got %s", path, b)
	}
	return b, nil
}

func render(tmpl string, data map[string]string) (string, error) {
	t, err := template.New("").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := t.Execute(&sb, data); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// build makes what goreleaser would put in dist/ (without the signature): one zip per
// target and the checksums.
func build(c *config, root, version string, targets []string, manifest []byte, out string) error {
	b := c.Builds[0]
	data := map[string]string{"ProjectName": c.ProjectName, "Version": version, "Commit": "releasecheck"}
	ldflags, err := render(strings.Join(b.Ldflags, " "), data)
	if err != nil {
		return fmt.Errorf("ldflags: %w", err)
	}
	binTmpl, archTmpl := b.Binary, c.Archives[0].NameTemplate
	sums := map[string]string{}
	for _, t := range targets {
		goos, goarch, _ := strings.Cut(t, "_")
		data["Os"], data["Arch"] = goos, goarch
		bin, err := render(binTmpl, data)
		if err != nil {
			return err
		}
		if goos == "windows" {
			bin += ".exe"
		}
		archive, err := render(archTmpl, data)
		if err != nil {
			return err
		}
		archive += ".zip"

		start := time.Now()
		binPath := filepath.Join(out, "bin", t, bin)
		args := append([]string{"build"}, b.Flags...)
		args = append(args, "-ldflags", ldflags, "-o", binPath, ".")
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=-buildvcs=false")
		cmd.Env = append(cmd.Env, b.Env...)
		if goarch == "arm" {
			cmd.Env = append(cmd.Env, "GOARM=6") // goreleaser's default
		}
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build for %s: %w", t, err)
		}
		sum, err := writeZip(filepath.Join(out, archive), binPath, bin)
		if err != nil {
			return err
		}
		sums[archive] = sum
		fmt.Printf("releasecheck: built %s in %s\n", archive, time.Since(start).Round(time.Second))
	}

	for _, f := range c.Checksum.ExtraFiles {
		name, err := render(f.NameTemplate, data)
		if err != nil {
			return err
		}
		sums[name] = sha256hex(manifest)
	}
	sumsName, err := render(c.Checksum.NameTemplate, data)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&buf, "%s  %s\n", sums[n], n)
	}
	return os.WriteFile(filepath.Join(out, sumsName), buf.Bytes(), 0o600)
}

func writeZip(path, binPath, name string) (string, error) {
	bin, err := os.ReadFile(binPath)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(bin); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return "", err
	}
	return sha256hex(buf.Bytes()), nil
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkDist checks a release folder as the registry reads it.
func checkDist(dist, version string, targets []string, manifest []byte) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	zips, err := filepath.Glob(filepath.Join(dist, "*.zip"))
	if err != nil {
		return err
	}
	nameRE := regexp.MustCompile(`^` + regexp.QuoteMeta(projectName+"_"+version+"_") + `([a-z]+)_([a-z0-9]+)\.zip$`)
	found := map[string]string{} // os_arch -> archive name
	for _, z := range zips {
		base := filepath.Base(z)
		m := nameRE.FindStringSubmatch(base)
		if m == nil {
			fail("archive %s is not named %s_%s_<os>_<arch>.zip", base, projectName, version)
			continue
		}
		found[m[1]+"_"+m[2]] = base
		bin, err := checkArchive(z, m[1], m[2], version)
		if err != nil {
			fail("%s: %w", base, err)
			continue
		}
		if m[1] == runtime.GOOS && m[2] == runtime.GOARCH {
			if err := checkVersionFlag(bin, version); err != nil {
				fail("%s: %w", base, err)
			}
		}
	}
	for _, t := range targets {
		if found[t] == "" {
			fail("no archive for %s", t)
		}
	}
	for t := range found {
		if !slices.Contains(targets, t) {
			fail("unexpected archive for %s", t)
		}
	}

	sumsName := projectName + "_" + version + "_SHA256SUMS"
	sums, err := readSums(filepath.Join(dist, sumsName))
	if err != nil {
		fail("%s: %w", sumsName, err)
	} else {
		for _, name := range found {
			b, err := os.ReadFile(filepath.Join(dist, name))
			if err != nil {
				return err
			}
			if sums[name] != sha256hex(b) {
				fail("%s: the line for %s is missing or wrong", sumsName, name)
			}
		}
		mName := projectName + "_" + version + "_manifest.json"
		if sums[mName] != sha256hex(manifest) {
			fail("%s: the registry manifest is missing or wrong (want it as %s)", sumsName, mName)
		}
		for name := range sums {
			if name != mName && !slices.Contains(mapValues(found), name) {
				fail("%s lists %s, which is not an archive of this release", sumsName, name)
			}
		}
	}
	return errors.Join(errs...)
}

func mapValues(m map[string]string) []string {
	v := make([]string, 0, len(m))
	for _, s := range m {
		v = append(v, s)
	}
	return v
}

// readSums parses a SHA256SUMS file ("<hex>  <name>" per line).
func readSums(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	line := regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			return nil, fmt.Errorf("line %q is not <sha256>  <name>", sc.Text())
		}
		sums[m[2]] = m[1]
	}
	return sums, sc.Err()
}

// checkVersionFlag runs a binary built for this machine: `-version` must print the
// version the release stamped (the ldflags reached main.version).
func checkVersionFlag(bin []byte, version string) error {
	dir, err := os.MkdirTemp("", "releasecheck-run")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, projectName)
	if err := os.WriteFile(p, bin, 0o700); err != nil { //nolint:gosec // a binary to run must be executable
		return err
	}
	out, err := exec.Command(p, "-version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -version: %w: %s", projectName, err, out)
	}
	if !strings.HasPrefix(string(out), projectName+" "+version+" ") {
		return fmt.Errorf("%s -version printed %q, want the version %s", projectName, strings.TrimSpace(string(out)), version)
	}
	return nil
}

// checkArchive checks that the zip holds the provider binary at its root under the name
// Terraform looks for, built for the archive's platform, and returns the binary.
func checkArchive(path, goos, goarch, version string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = zr.Close() }()
	want := projectName + "_v" + version
	if goos == "windows" {
		want += ".exe"
	}
	for _, f := range zr.File {
		if f.Name != want {
			continue // goreleaser adds README, LICENSE and CHANGELOG; the registry ignores them
		}
		if goos != "windows" && f.Mode()&0o111 == 0 {
			return nil, fmt.Errorf("%s is not executable (mode %v)", want, f.Mode())
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		return b, checkExecutable(b, goos, goarch)
	}
	return nil, fmt.Errorf("no %s at the archive's root", want)
}

// checkExecutable checks the binary's format and CPU against the platform.
func checkExecutable(b []byte, goos, goarch string) error {
	r := bytes.NewReader(b)
	switch goos {
	case "linux", "freebsd":
		f, err := elf.NewFile(r)
		if err != nil {
			return fmt.Errorf("not an ELF executable: %w", err)
		}
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "386": elf.EM_386, "arm": elf.EM_ARM, "arm64": elf.EM_AARCH64}[goarch]
		if f.Machine != want {
			return fmt.Errorf("ELF machine %v, want %v", f.Machine, want)
		}
		wantABI := map[string]elf.OSABI{"linux": elf.ELFOSABI_NONE, "freebsd": elf.ELFOSABI_FREEBSD}[goos]
		if f.OSABI != wantABI {
			return fmt.Errorf("ELF OS ABI %v, want %v", f.OSABI, wantABI)
		}
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			return fmt.Errorf("not a Mach-O executable: %w", err)
		}
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch]
		if f.Cpu != want {
			return fmt.Errorf("Mach-O CPU %v, want %v", f.Cpu, want)
		}
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			return fmt.Errorf("not a PE executable: %w", err)
		}
		want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "386": pe.IMAGE_FILE_MACHINE_I386, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[goarch]
		if f.Machine != want {
			return fmt.Errorf("PE machine %#x, want %#x", f.Machine, want)
		}
	default:
		return fmt.Errorf("unknown OS %s", goos)
	}
	return nil
}
