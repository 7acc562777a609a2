package localaws_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// Bedrock API keys: the SDK sends "Authorization: Bearer" (over HTTPS only) and the
// router still finds bedrock-runtime by path.
func TestBedrockRuntimeBearerTokenWithSDK(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	ts := httptest.NewTLSServer(s)
	defer ts.Close()
	cfg := localaws.ClientConfig(ts.URL, "us-west-2")
	cfg.HTTPClient = ts.Client()
	cfg.RetryMaxAttempts = 1
	c := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: "bedrock-api-key-abc"}}
		o.AuthSchemePreference = []string{"httpBearerAuth"}
	})
	_, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{
		ModelId:  aws.String("us.amazon.nova-lite-v1:0"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := s.Calls()
	if len(calls) != 1 || calls[0].Service != "bedrock-runtime" || calls[0].Operation != "Converse" || calls[0].AccessKeyID != "" || calls[0].Status != 200 {
		t.Fatalf("calls = %+v", calls)
	}
}
