package localaws

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// The scripted model with the official SDK: a tool-use turn and its answer in Converse
// and ConverseStream, prompt caching by checkpoint, and Anthropic's stream event order
// in InvokeModelWithResponseStream.
func TestBedrockRuntimeScriptedModel(t *testing.T) {
	t.Parallel()
	_, c := runtimeClient(t)
	ctx := context.Background()
	model := aws.String("anthropic.claude-3-haiku-20240307-v1:0")
	tools := &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name: aws.String("Read"), InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object"})}}}}}
	ask := types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: `read it [[tool:Read {"file_path":"/tmp/a.txt"}]]`}}}

	out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: model, Messages: []types.Message{ask}, ToolConfig: tools})
	if err != nil {
		t.Fatal(err)
	}
	use, ok := out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberToolUse)
	if !ok || out.StopReason != types.StopReasonToolUse || *use.Value.Name != "Read" {
		t.Fatalf("want a Read tool use, got %+v %s", out.Output, out.StopReason)
	}
	var in map[string]string
	if err := use.Value.Input.UnmarshalSmithyDocument(&in); err != nil || in["file_path"] != "/tmp/a.txt" {
		t.Fatalf("tool input %v %v", in, err)
	}
	answer := types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
		ToolUseId: use.Value.ToolUseId, Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "the word is pelican"}}}}}}
	history := []types.Message{ask, {Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{use}}, answer}
	st, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: model, Messages: history, ToolConfig: tools})
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for ev := range st.GetStream().Events() {
		if d, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
			text += d.Value.Delta.(*types.ContentBlockDeltaMemberText).Value
		}
	}
	if st.GetStream().Err() != nil || text != "Read returned: the word is pelican" {
		t.Fatalf("answer %q %v", text, st.GetStream().Err())
	}

	// A streamed tool use arrives as contentBlockStart then toolUse input deltas.
	st, err = c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: model, Messages: []types.Message{ask}, ToolConfig: tools})
	if err != nil {
		t.Fatal(err)
	}
	var name, input string
	for ev := range st.GetStream().Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockStart:
			name = *v.Value.Start.(*types.ContentBlockStartMemberToolUse).Value.Name
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			input += *v.Value.Delta.(*types.ContentBlockDeltaMemberToolUse).Value.Input
		}
	}
	if name != "Read" || input != `{"file_path":"/tmp/a.txt"}` {
		t.Fatalf("streamed tool use %q %q", name, input)
	}

	// invokeUsage is the token counts of the Anthropic usage block of an InvokeModel
	// call with body (its cache_creation object left out).
	invokeUsage := func(body string) map[string]int64 {
		t.Helper()
		inv, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: model, Body: []byte(body), ContentType: aws.String("application/json")})
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Usage map[string]any `json:"usage"`
		}
		if err := json.Unmarshal(inv.Body, &r); err != nil {
			t.Fatalf("InvokeModel body %s: %v", inv.Body, err)
		}
		counts := map[string]int64{}
		for k, v := range r.Usage {
			if n, ok := v.(float64); ok {
				counts[k] = int64(n)
			}
		}
		return counts
	}

	// Prompt caching: the first request writes the prefix, the same prefix reads it.
	body := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":8,"system":[{"type":"text","text":"` + strings.Repeat("long system prompt ", 40) + `","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"q%d"}]}`
	var usages []map[string]int64
	for i := range 2 {
		usages = append(usages, invokeUsage(strings.Replace(body, "%d", string(rune('0'+i)), 1)))
	}
	if w := usages[0]["cache_creation_input_tokens"]; w < 150 || usages[0]["cache_read_input_tokens"] != 0 || usages[1]["cache_read_input_tokens"] != w || usages[1]["cache_creation_input_tokens"] != 0 {
		t.Fatalf("cache usage %v", usages)
	}

	// A conversation whose checkpoint moves to the newest turn (as Claude Code's does)
	// reads the turns before from the cache; key order does not matter.
	turn1 := `{"max_tokens":8,"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":[{"type":"text","text":"` + strings.Repeat("first turn ", 60) + `","cache_control":{"type":"ephemeral"}}]}]}`
	turn2 := `{"messages":[{"role":"user","content":[{"text":"` + strings.Repeat("first turn ", 60) + `","type":"text"}]},{"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"text","text":"second","cache_control":{"type":"ephemeral"}}]}],"anthropic_version":"bedrock-2023-05-31","max_tokens":8}`
	usages = nil
	for _, body := range []string{turn1, turn2} {
		usages = append(usages, invokeUsage(body))
	}
	if w := usages[0]["cache_creation_input_tokens"]; w < 150 || usages[1]["cache_read_input_tokens"] != w || usages[1]["cache_creation_input_tokens"] <= 0 {
		t.Fatalf("moving checkpoint: %v", usages)
	}

	// Anthropic's stream, event by event.
	ist, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: model,
		Body: []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":[{"role":"user","content":"hi [[tokens:6]]"}]}`), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatal(err)
	}
	var types_ []string
	for ev := range ist.GetStream().Events() {
		var e struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(ev.(*types.ResponseStreamMemberChunk).Value.Bytes, &e)
		types_ = append(types_, e.Type)
	}
	want := "message_start content_block_start content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if got := strings.Join(types_, " "); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
}

// A cache marker decides the call's cache usage, a 1-hour write marker as much as the
// others: the prompt's checkpoints then add no computed read or write.
func TestPromptCacheMarkersDecide(t *testing.T) {
	t.Parallel()
	body := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":8,"system":[{"type":"text","text":"` + strings.Repeat("long system prompt ", 40) + `","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"q [[cache_write_1h:7]]"}]}`)
	b := NewBedrockRuntime(nil)
	u := BedrockUsageFor(body)
	in := u.InputTokens
	b.applyPromptCache("anthropic.claude-3-haiku-20240307-v1:0", body, &u, time.Now())
	if u.CacheWrite1hTokens != 7 || u.CacheWriteTokens != 0 || u.CacheReadTokens != 0 || u.InputTokens != in {
		t.Fatalf("usage %+v, want the marker's 7 one-hour writes and nothing computed (input %d)", u, in)
	}
	// Without the marker the checkpoint is written: the test above is not vacuous.
	plain := []byte(strings.Replace(string(body), " [[cache_write_1h:7]]", "", 1))
	u = BedrockUsageFor(plain)
	b.applyPromptCache("anthropic.claude-3-haiku-20240307-v1:0", plain, &u, time.Now())
	if u.CacheWriteTokens == 0 {
		t.Fatalf("usage %+v: the checkpoint was not written", u)
	}
}
