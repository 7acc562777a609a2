// Package acctest is the acceptance-test harness: every acceptance test runs the real
// Terraform CLI (TF_ACC_TERRAFORM_PATH, built by `make tools`) against the provider
// served in-process, with every AWS endpoint pointed at the local emulator
// (internal/localaws) and DynamoDB served by dynalite behind it. With BEDGOV_REAL_AWS=1
// the same tests run against real AWS with the caller's credentials.
//
// A package with acceptance tests calls acctest.Main from its TestMain.
package acctest

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	sdkacctest "github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/enforcerruntime"
	"github.com/bedgov/terraform-provider-bedgov/internal/provider"
)

// The identity and region of the emulated account.
const (
	Region    = "us-east-1"
	AccountID = localaws.DefaultAccount
	accessKey = "AKIDBEDGOVACCTEST"
	secretKey = "bedgov-acctest-secret"
)

// ProtoV6ProviderFactories serves the provider in the test process.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"bedgov": providerserver.NewProtocol6WithError(provider.New("test")()),
}

var (
	realAWS  bool
	endpoint string
	emulator *localaws.Server
	dyn      *dynalite.Process

	// The emulator's HTTPS listener (bearer-token clients send keys over HTTPS only),
	// its per-run CA and the file that holds the CA's PEM.
	httpsEndpoint string
	authority     *localaws.TLSAuthority
	caFile        string
)

// Main sets up the harness around m.Run and tears it down after. Missing tools are a
// failure with the command that installs them, never a skip.
func Main(m *testing.M) {
	os.Exit(run(m))
}

// MainSubset is Main for a package that exercises part of the provider (the client
// suite): the actions the provider used must still be in the documented policy, but
// the package need not use every one of them.
func MainSubset(m *testing.M) {
	subset = true
	os.Exit(run(m))
}

// subset is set by MainSubset.
var subset bool

func run(m *testing.M) int {
	if err := setupCLI(); err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	realAWS = os.Getenv("BEDGOV_REAL_AWS") == "1"
	if realAWS {
		return m.Run()
	}

	ctx := context.Background()
	var err error
	dyn, err = dynalite.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	defer dyn.Stop()

	emulator = localaws.New(localaws.WithDynamoDB(dyn.Endpoint), localaws.WithAccessKey(accessKey, secretKey, localaws.DefaultIdentity), localaws.WithFunctionRuntime(enforcerruntime.New(func() string { return endpoint }, io.Discard)))
	srv := httptest.NewServer(emulator)
	defer srv.Close()
	endpoint = srv.URL

	// The provider runs in this process: give it dummy credentials and nothing of the
	// machine's AWS configuration.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			os.Unsetenv(name)
		}
	}
	tmp, err := os.MkdirTemp("", "bedgov-acctest-aws")
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	os.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(tmp, "config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(tmp, "credentials"))
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	authority, err = localaws.NewTLSAuthority()
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	tlsSrv, err := localaws.ServeHTTPS("127.0.0.1:0", emulator, authority)
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	defer tlsSrv.Close()
	httpsEndpoint = tlsSrv.URL
	caFile = filepath.Join(tmp, "localaws-ca.pem")
	if err := authority.WriteCA(caFile); err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	// The provider in this process (and any AWS SDK) trusts the emulator's HTTPS.
	os.Setenv("AWS_CA_BUNDLE", caFile)
	code := m.Run()
	if code == 0 {
		if err := checkProviderPolicy(); err != nil {
			fmt.Fprintln(os.Stderr, "acctest:", err)
			return 1
		}
	}
	return code
}

// setupCLI finds the Terraform CLI, makes sure no test skips for want of TF_ACC, and
// gives Terraform a CLI config file the harness controls.
func setupCLI() error {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		tf = filepath.Join(root, "bin", "terraform")
		os.Setenv("TF_ACC_TERRAFORM_PATH", tf)
	}
	if _, err := os.Stat(tf); err != nil {
		return fmt.Errorf("the Terraform CLI is not at %s; run `make tools` (it builds Terraform 1.5.7 from source once)", tf)
	}
	os.Setenv("TF_ACC", "1")
	cliConfig, err := os.CreateTemp("", "bedgov-terraformrc-*")
	if err != nil {
		return err
	}
	cliConfig.Close()
	os.Setenv("TF_CLI_CONFIG_FILE", cliConfig.Name())
	os.Unsetenv("TF_LOG_PATH_MASK")
	return nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "GNUmakefile")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("cannot find the repository root above %s", dir)
		}
		dir = parent
	}
}

// RealAWS reports whether the tests run against real AWS (BEDGOV_REAL_AWS=1).
func RealAWS() bool { return realAWS }

// Emulator is the in-process local AWS, for fault injection and state checks. It fails
// the test when the run is against real AWS, where such checks do not apply.
func Emulator(t *testing.T) *localaws.Server {
	t.Helper()
	if emulator == nil {
		t.Fatal("this check needs the local emulator; it cannot run with BEDGOV_REAL_AWS=1")
	}
	return emulator
}

// Endpoint is the emulator's URL ("" against real AWS).
func Endpoint() string { return endpoint }

// HTTPSEndpoint is the emulator's HTTPS URL ("" against real AWS). Its certificate is
// signed by a CA made for the run, whose PEM is in CAFile.
func HTTPSEndpoint() string { return httpsEndpoint }

// CAFile is the path of the PEM of the CA the emulator's HTTPS certificate is signed by
// (AWS_CA_BUNDLE is set to it in the test process).
func CAFile() string { return caFile }

// TLS is the emulator's certificate authority, nil against real AWS.
func TLS() *localaws.TLSAuthority { return authority }

// Endpoints maps every provider endpoint key to the emulator.
func Endpoints() map[string]string {
	if realAWS {
		return nil
	}
	m := map[string]string{}
	for _, svc := range awsclient.Services {
		m[svc] = endpoint
	}
	return m
}

// ProviderConfig is the provider block every test config starts with.
func ProviderConfig() string {
	return ProviderConfigWith("")
}

// ProviderConfigWith adds extra HCL (default_tags, assume_role, ...) inside the block.
func ProviderConfigWith(extra string) string {
	if realAWS {
		return fmt.Sprintf("provider \"bedgov\" {\n%s\n}\n", extra)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"bedgov\" {\n  region      = %q\n  max_retries = 3\n%s\n  endpoints {\n", Region, extra)
	keys := append([]string(nil), awsclient.Services...)
	sort.Strings(keys)
	for _, svc := range keys {
		fmt.Fprintf(&b, "    %s = %q\n", svc, endpoint)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// Client is an AWS client configured like the provider, for CheckDestroy and existence
// checks that ask the API rather than the state.
func Client(t *testing.T) *awsclient.Client {
	t.Helper()
	region := Region
	if realAWS {
		region = "" // the caller's AWS_REGION or profile
	}
	c, err := awsclient.New(context.Background(), awsclient.Config{
		Region: region, Endpoints: Endpoints(), Version: "acctest", SkipCredentialsValidation: true,
	})
	if err != nil {
		t.Fatalf("acctest client: %v", err)
	}
	return c
}

// RandomName is a team-safe random name for a test's objects.
func RandomName() string {
	return "acc-" + sdkacctest.RandStringFromCharSet(10, sdkacctest.CharSetAlpha)
}

// FailNextCall makes the nth call (1-based, from now) of service/operation fail once
// with an AWS error of the given code. Tests that use it must not run in parallel with
// others: a fault matches any caller.
func FailNextCall(t *testing.T, service, operation string, nth int, code, message string) {
	t.Helper()
	e := Emulator(t)
	id := e.FailNth(service, operation, nth, localaws.Errorf(code, "%s", message))
	// A fault the test never reached (it failed earlier) must not hit the next test.
	t.Cleanup(func() { e.RemoveFault(id) })
}
