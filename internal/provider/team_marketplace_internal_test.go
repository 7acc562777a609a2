package provider

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// A team on a third-party model nobody has subscribed to in the account is warned at
// plan (the enforcer's role cannot subscribe); a subscribed model or an Amazon model is
// not.
func TestWarnUnsubscribedModel(t *testing.T) {
	srv := localaws.New()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", localaws.TestAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", localaws.TestSecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	ctx := context.Background()
	c, err := awsclient.New(ctx, awsclient.Config{Region: "us-east-1", SkipCredentialsValidation: true, SkipRequestingAccountID: true,
		Endpoints: map[string]string{awsclient.ServiceBedrock: ts.URL}})
	if err != nil {
		t.Fatal(err)
	}
	r := &teamResource{client: c}
	warnings := func(model string) diag.Diagnostics {
		t.Helper()
		src, err := awsops.ResolveModel(ctx, c.Bedrock, "us-east-1", model)
		if err != nil {
			t.Fatal(err)
		}
		var d diag.Diagnostics
		r.warnUnsubscribed(ctx, path.Root("model"), src, &d)
		return d
	}
	const claude = "anthropic.claude-3-haiku-20240307-v1:0"
	if d := warnings(claude); len(d) != 0 {
		t.Fatalf("a subscribed model: %v", d)
	}
	srv.WithdrawModelSubscription(claude)
	d := warnings(claude)
	if d.WarningsCount() != 1 || d.HasError() || !strings.Contains(d[0].Detail(), "aws-marketplace:Subscribe") || !strings.Contains(d[0].Detail(), claude) {
		t.Fatalf("an unsubscribed third-party model: %v", d)
	}
	if d := warnings("amazon.nova-micro-v1:0"); len(d) != 0 {
		t.Fatalf("an Amazon model: %v", d)
	}
}
