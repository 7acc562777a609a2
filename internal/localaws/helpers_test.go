package localaws_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// start runs an emulator for one test and returns it with a client config (no SDK
// retries, so every injected fault is visible to the caller).
func start(t *testing.T, opts ...localaws.Option) (*localaws.Server, aws.Config) {
	t.Helper()
	s := localaws.New(opts...)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	cfg := localaws.ClientConfig(ts.URL, "us-east-1")
	cfg.RetryMaxAttempts = 1
	return s, cfg
}

// wantAPIError asserts that err is an API error with the given code.
func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%v), want %s", ae.ErrorCode(), err, code)
	}
}

func asErr(err error, target any) bool { return errors.As(err, target) }
