package awsclient

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

var errCaptured = errors.New("request captured")

// captured records what one request would have sent, then stops it before the network.
type captured struct {
	urls    []string
	ops     []string
	headers []map[string]string
}

func (c *captured) option(stack *smithymiddleware.Stack) error {
	return stack.Finalize.Add(smithymiddleware.FinalizeMiddlewareFunc("capture",
		func(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				c.urls = append(c.urls, req.URL.Scheme+"://"+req.URL.Host)
				c.ops = append(c.ops, smithymiddleware.GetOperationName(ctx))
				c.headers = append(c.headers, map[string]string{
					"User-Agent":    req.Header.Get("User-Agent"),
					"Authorization": req.Header.Get("Authorization"),
				})
			}
			return smithymiddleware.FinalizeOutput{}, smithymiddleware.Metadata{}, errCaptured
		}), smithymiddleware.After)
}

// isolate clears every AWS variable and points the shared files at empty temp files.
func isolate(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "")
			_ = os.Unsetenv(name)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEndpointPrecedence(t *testing.T) {
	const (
		block    = "http://block.example:1"
		envSvc   = "http://env-service.example:2"
		envAll   = "http://env-global.example:3"
		fileSvc  = "http://file-service.example:4"
		fileAll  = "http://file-global.example:5"
		defaultS = "https://sts.eu-west-1.amazonaws.com"
	)
	cases := []struct {
		name                  string
		block, envSvc, envAll bool
		fileSvc, fileAll      bool
		want                  string
	}{
		{name: "endpoints block wins over everything", block: true, envSvc: true, envAll: true, fileSvc: true, fileAll: true, want: block},
		{name: "service env var next", envSvc: true, envAll: true, fileSvc: true, fileAll: true, want: envSvc},
		{name: "global env var next", envAll: true, fileSvc: true, fileAll: true, want: envAll},
		{name: "shared config services section next", fileSvc: true, fileAll: true, want: fileSvc},
		{name: "shared config endpoint_url next", fileAll: true, want: fileAll},
		{name: "AWS default last", want: defaultS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := isolate(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
			cfgFile := "[profile p]\nregion = eu-west-1\naws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n"
			if tc.fileAll {
				cfgFile += "endpoint_url = " + fileAll + "\n"
			}
			if tc.fileSvc {
				cfgFile += "services = local\n[services local]\nsts =\n  endpoint_url = " + fileSvc + "\n"
			}
			writeFile(t, filepath.Join(dir, "config"), cfgFile)
			if tc.envSvc {
				t.Setenv("AWS_ENDPOINT_URL_STS", envSvc)
			}
			if tc.envAll {
				t.Setenv("AWS_ENDPOINT_URL", envAll)
			}
			cap := &captured{}
			cfg := Config{
				Profile: "p", SkipCredentialsValidation: true, SkipRequestingAccountID: true,
				APIOptions: []func(*smithymiddleware.Stack) error{cap.option},
			}
			if tc.block {
				cfg.Endpoints = map[string]string{ServiceSTS: block}
			}
			client, err := New(context.Background(), cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			_, err = client.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if !errors.Is(err, errCaptured) {
				t.Fatalf("want captured request, got %v", err)
			}
			if got := cap.urls[0]; got != tc.want {
				t.Fatalf("endpoint = %s, want %s", got, tc.want)
			}
		})
	}
}

// Every service in the endpoints block reaches its own client.
func TestEndpointsBlockEveryService(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	endpoints := map[string]string{}
	for i, s := range Services {
		endpoints[s] = "http://" + s + ".local:" + string(rune('1'+i%9))
	}
	cap := &captured{}
	client, err := New(context.Background(), Config{
		Region: "us-east-1", Endpoints: endpoints, SkipCredentialsValidation: true, SkipRequestingAccountID: true,
		APIOptions: []func(*smithymiddleware.Stack) error{cap.option},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		ServiceIAM: func() error { _, err := client.IAM.ListRoles(ctx, &iam.ListRolesInput{}); return err },
		ServiceSTS: func() error { _, err := client.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); return err },
		ServiceBudgets: func() error {
			_, err := client.Budgets.DescribeBudgets(ctx, &budgets.DescribeBudgetsInput{AccountId: strPtr("123456789012")})
			return err
		},
		ServiceCloudWatch: func() error {
			_, err := client.CloudWatch.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
			return err
		},
	}
	for svc, call := range calls {
		cap.urls = nil
		if err := call(); !errors.Is(err, errCaptured) {
			t.Fatalf("%s: want captured request, got %v", svc, err)
		}
		if cap.urls[0] != endpoints[svc] {
			t.Errorf("%s endpoint = %s, want %s", svc, cap.urls[0], endpoints[svc])
		}
	}
	// The rest: the option reaches the client's BaseEndpoint.
	base := map[string]*string{
		ServiceBedrock:        client.Bedrock.Options().BaseEndpoint,
		ServiceBedrockRuntime: client.BedrockRuntime.Options().BaseEndpoint,
		ServiceCostExplorer:   client.CostExplorer.Options().BaseEndpoint,
		ServiceDynamoDB:       client.DynamoDB.Options().BaseEndpoint,
		ServiceLambda:         client.Lambda.Options().BaseEndpoint,
		ServiceLogs:           client.Logs.Options().BaseEndpoint,
		ServiceSNS:            client.SNS.Options().BaseEndpoint,
	}
	for svc, got := range base {
		if got == nil || *got != endpoints[svc] {
			t.Errorf("%s BaseEndpoint = %v, want %s", svc, got, endpoints[svc])
		}
	}
}

func strPtr(s string) *string { return &s }

func TestUserAgentNamesBedgov(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cap := &captured{}
	client, err := New(context.Background(), Config{Region: "us-east-1", Version: "1.2.3", SkipCredentialsValidation: true, SkipRequestingAccountID: true,
		APIOptions: []func(*smithymiddleware.Stack) error{cap.option}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = client.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if ua := cap.headers[0]["User-Agent"]; !strings.Contains(ua, "bedgov/1.2.3") {
		t.Fatalf("User-Agent %q does not name bedgov/1.2.3", ua)
	}
}

func TestCredentialSources(t *testing.T) {
	t.Run("environment", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
		cfg, err := LoadAWSConfig(context.Background(), Config{Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := cfg.Credentials.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != "AKIDFROMENV" {
			t.Fatalf("creds = %v, %v", creds.AccessKeyID, err)
		}
	})
	t.Run("shared credentials file and profile", func(t *testing.T) {
		dir := isolate(t)
		credsFile := filepath.Join(dir, "my-creds")
		writeFile(t, credsFile, "[team]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = s\n")
		writeFile(t, filepath.Join(dir, "my-config"), "[profile team]\nregion = eu-central-1\n")
		cfg, err := LoadAWSConfig(context.Background(), Config{
			Profile: "team", SharedCredentialsFiles: []string{credsFile}, SharedConfigFiles: []string{filepath.Join(dir, "my-config")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region != "eu-central-1" {
			t.Errorf("region = %q, want eu-central-1 from the profile", cfg.Region)
		}
		creds, err := cfg.Credentials.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != "AKIDFROMFILE" {
			t.Fatalf("creds = %v, %v", creds.AccessKeyID, err)
		}
	})
	t.Run("missing profile is named", func(t *testing.T) {
		isolate(t)
		_, err := LoadAWSConfig(context.Background(), Config{Region: "us-east-1", Profile: "nope"})
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Summary != "AWS profile not found" || !strings.Contains(cerr.Detail, `"nope"`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no region", func(t *testing.T) {
		isolate(t)
		_, err := LoadAWSConfig(context.Background(), Config{})
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Summary != "No AWS region" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		isolate(t)
		_, err := New(context.Background(), Config{Region: "us-east-1", Endpoints: map[string]string{ServiceSTS: "http://127.0.0.1:1"}})
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Summary != "No valid AWS credentials" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("sts unreachable", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
		zero := 0
		_, err := New(context.Background(), Config{Region: "us-east-1", MaxRetries: &zero, Endpoints: map[string]string{ServiceSTS: "http://127.0.0.1:1"}})
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Summary != "AWS STS is unreachable" || !strings.Contains(cerr.Detail, "http://127.0.0.1:1") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("assume_role calls STS AssumeRole with the role", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
		cap := &captured{}
		cfg, err := LoadAWSConfig(context.Background(), Config{
			Region:     "us-east-1",
			AssumeRole: &AssumeRole{RoleARN: "arn:aws:iam::123456789012:role/deployer", SessionName: "ci"},
			Endpoints:  map[string]string{ServiceSTS: "http://sts.local:9"},
			APIOptions: []func(*smithymiddleware.Stack) error{cap.option},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cfg.Credentials.Retrieve(context.Background())
		if !errors.Is(err, errCaptured) {
			t.Fatalf("want the AssumeRole call captured, got %v", err)
		}
		if cap.ops[0] != "AssumeRole" || cap.urls[0] != "http://sts.local:9" {
			t.Fatalf("captured %v at %v", cap.ops, cap.urls)
		}
	})
}

func TestARN(t *testing.T) {
	c := &Client{Partition: "aws-us-gov", Region: "us-gov-west-1", AccountID: "123456789012"}
	for got, want := range map[string]string{
		c.RegionalARN("logs", "log-group:/bedgov/x"):            "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/bedgov/x",
		c.ARN("iam", "", c.AccountID, "policy/bedgov/bedgov-a"): "arn:aws-us-gov:iam::123456789012:policy/bedgov/bedgov-a",
		c.ARN("s3", "", "", "logs-bucket"):                      "arn:aws-us-gov:s3:::logs-bucket",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
