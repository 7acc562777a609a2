package enforcer_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// A request with a guardrail is refused with a message that says why, before Bedrock
// is called or anything is reserved: the enforcer role has no bedrock:ApplyGuardrail
// and guardrail evaluation is a cost the enforcer cannot price.
func TestGuardrailRequestsAreRefusedClearly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("guard", 100*usd))
	ctx := context.Background()

	_, err := e.sdk("guard", 1).Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String(profileARN("guard")),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser,
			Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hello"}}}},
		GuardrailConfig: &brtypes.GuardrailConfiguration{GuardrailIdentifier: aws.String("gr-123"), GuardrailVersion: aws.String("1")},
	})
	var invalid *brtypes.ValidationException
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "bedrock:ApplyGuardrail") {
		t.Fatalf("Converse with guardrailConfig: %v, want a ValidationException naming the reason", err)
	}
	resp, body := e.post(ctx, "guard", profileARN("guard"), "invoke", `{"max_tokens":10,"messages":[]}`,
		map[string]string{"X-Amzn-Bedrock-GuardrailIdentifier": "gr-123", "X-Amzn-Bedrock-GuardrailVersion": "1"})
	if resp == nil || resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "guardrail") {
		t.Fatalf("InvokeModel with guardrail headers: %+v %s", resp, body)
	}
	// The model-native body field is refused too.
	resp, body = e.post(ctx, "guard", profileARN("guard"), "invoke", `{"max_tokens":10,"messages":[],"amazon-bedrock-guardrailConfig":{"tagSuffix":"x"}}`, nil)
	if resp == nil || resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "guardrail") {
		t.Fatalf("InvokeModel with amazon-bedrock-guardrailConfig: %+v %s", resp, body)
	}
	if n := len(e.emu.Calls()); n != 0 {
		t.Fatalf("%d calls reached Bedrock", n)
	}
	if rec := e.record("guard"); rec.Spent != 0 || rec.Reserved != 0 {
		t.Fatalf("spent %d reserved %d after refusals", rec.Spent, rec.Reserved)
	}
	// Without the guardrail the same request goes through.
	if resp, _ := e.post(ctx, "guard", profileARN("guard"), "converse", converseBody("hello", 10), nil); resp == nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("plain Converse: %+v", resp)
	}
}
