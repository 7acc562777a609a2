package localaws

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// runtimeClient serves a new Server and returns it with a Bedrock Runtime client of it
// that does not retry.
func runtimeClient(t *testing.T) (*Server, *bedrockruntime.Client) {
	t.Helper()
	srv := New()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, bedrockruntime.NewFromConfig(ClientConfig(ts.URL, "us-east-1"), func(o *bedrockruntime.Options) { o.RetryMaxAttempts = 1 })
}

// The official SDK is the test of the runtime's wire format.
func TestBedrockRuntimeWithOfficialSDK(t *testing.T) {
	t.Parallel()
	srv, c := runtimeClient(t)
	ctx := context.Background()
	msgs := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi [[tokens:9]] [[cache_read:3]]"}}}}

	out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("us.anthropic.claude-3-haiku-20240307-v1:0"), Messages: msgs,
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(5)}})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Usage.OutputTokens != 5 || *out.Usage.CacheReadInputTokens != 3 || *out.Usage.InputTokens <= 0 {
		t.Fatalf("usage %+v", out.Usage)
	}
	calls := BedrockRuntimeOf(srv).Calls()
	if len(calls) != 1 || calls[0].Usage.InputTokens != int64((calls[0].BodyBytes+3)/4) || calls[0].ModelID != "anthropic.claude-3-haiku-20240307-v1:0" {
		t.Fatalf("calls %+v", calls)
	}

	st, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String("amazon.nova-lite-v1:0"), Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var usage *types.TokenUsage
	for ev := range st.GetStream().Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			text += v.Value.Delta.(*types.ContentBlockDeltaMemberText).Value
		case *types.ConverseStreamOutputMemberMetadata:
			usage = v.Value.Usage
		}
	}
	if st.GetStream().Err() != nil || text != strings.Repeat("ab ", 9) || usage == nil || *usage.OutputTokens != 9 {
		t.Fatalf("stream %q %+v %v", text, usage, st.GetStream().Err())
	}

	inv, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String("anthropic.claude-3-haiku-20240307-v1:0"),
		Body: []byte(`{"max_tokens":4,"messages":[{"role":"user","content":"x [[tokens:8]]"}]}`), ContentType: aws.String("application/json")})
	if err != nil || !strings.Contains(string(inv.Body), `"output_tokens":4`) {
		t.Fatalf("invoke %v %s", err, inv.Body)
	}

	// Mid-stream failure as an in-stream exception the SDK surfaces.
	BedrockRuntimeOf(srv).SetFaults(BedrockFaults{FailStreamAfter: 1, StreamFailure: BedrockStreamException})
	ist, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String("anthropic.claude-3-haiku-20240307-v1:0"),
		Body: []byte(`{"max_tokens":40,"messages":[{"role":"user","content":"x [[tokens:20]]"}]}`), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatal(err)
	}
	for range ist.GetStream().Events() {
	}
	var mse *types.ModelStreamErrorException
	if !errors.As(ist.GetStream().Err(), &mse) {
		t.Fatalf("stream error %v", ist.GetStream().Err())
	}

	// Throttling: Bedrock's own retryable error.
	BedrockRuntimeOf(srv).SetFaults(BedrockFaults{ThrottleNext: 1})
	_, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("amazon.nova-lite-v1:0"), Messages: msgs})
	var th *types.ThrottlingException
	if !errors.As(err, &th) {
		t.Fatalf("throttle %v", err)
	}
	// An application profile in the store resolves to the model it copies.
	app := "arn:aws:bedrock:us-east-1:" + srv.Account() + ":application-inference-profile/team1"
	srv.Store().Put(KindInferenceProfile, app, InferenceProfile{Arn: app, ID: "team1", Region: "us-east-1", Type: "APPLICATION", Status: "ACTIVE",
		ModelArns: []string{FoundationModelARN("us-east-1", "amazon.nova-lite-v1:0")}})
	if _, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(app), Messages: msgs}); err != nil {
		t.Fatalf("application profile: %v", err)
	}
	if calls := BedrockRuntimeOf(srv).Calls(); calls[len(calls)-1].ModelID != "amazon.nova-lite-v1:0" {
		t.Fatalf("resolved to %q", calls[len(calls)-1].ModelID)
	}
	// Unknown models are refused.
	_, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("acme.unknown-v1:0"), Messages: msgs})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown model %v", err)
	}
}

// Converse's totalTokens adds every token it reports, the 1-hour cache writes included
// (they are in cacheWriteInputTokens).
func TestConverseUsageTotalsEveryToken(t *testing.T) {
	t.Parallel()
	m := converseUsage(BedrockUsage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4, CacheWrite1hTokens: 5})
	if m["totalTokens"] != int64(15) || m["cacheWriteInputTokens"] != int64(9) || m["cacheReadInputTokens"] != int64(3) {
		t.Fatalf("converseUsage = %v, want totalTokens 15, cacheWriteInputTokens 9, cacheReadInputTokens 3", m)
	}
}
