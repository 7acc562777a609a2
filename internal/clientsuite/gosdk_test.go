package clientsuite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/auth/bearer"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// createRole makes the IAM role an iam-mode team's application runs as.
func createRole(t *testing.T, name string) string {
	t.Helper()
	c := acctest.Client(t)
	out, err := c.IAM.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctest.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = c.IAM.DeleteRole(context.Background(), &iam.DeleteRoleInput{RoleName: aws.String(name)})
	})
	return aws.ToString(out.Role.Arn)
}

// roleCredentials are session credentials of the role, as the team's application has
// them (AssumeRole in the emulator).
func roleCredentials(t *testing.T, role string) aws.Credentials {
	t.Helper()
	cfg := localaws.ClientConfig(acctest.Endpoint(), acctest.Region)
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("app")})
	if err != nil {
		t.Fatalf("assume %s: %v", role, err)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
}

// goDriver drives the AWS SDK for Go v2 in this process: api_key mode with the team's
// key as a Bedrock API key (sent over HTTPS only), iam mode with the role's credentials
// signing for the function URL (signing name "lambda").
func goDriver(mode string) driver {
	return func(t *testing.T, tm team, url, scenario string, _ ...string) []result {
		cfg := localaws.ClientConfig(url, acctest.Region)
		cfg.HTTPClient = acctest.TLS().HTTPClient()
		var optFns []func(*bedrockruntime.Options)
		if mode == "iam" {
			cfg.Credentials = credentials.StaticCredentialsProvider{Value: roleCredentials(t, tm.role)}
			optFns = append(optFns, bedrockruntime.WithSigV4SigningName("lambda"))
		} else {
			optFns = append(optFns, func(o *bedrockruntime.Options) {
				o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: tm.apiKey}}
				o.AuthSchemePreference = []string{"httpBearerAuth"}
			})
		}
		optFns = append(optFns, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(strings.TrimSuffix(url, "/")) })
		c := bedrockruntime.NewFromConfig(cfg, optFns...)
		ctx := context.Background()
		var out []result
		user := func(text string) brtypes.Message {
			return brtypes.Message{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: text}}}
		}
		tools := &brtypes.ToolConfiguration{Tools: []brtypes.Tool{&brtypes.ToolMemberToolSpec{Value: brtypes.ToolSpecification{
			Name: aws.String("Read"), InputSchema: &brtypes.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object"})}}}}}
		converse := func(call string, in *bedrockruntime.ConverseInput) *bedrockruntime.ConverseOutput {
			in.ModelId = aws.String(tm.profile)
			in.InferenceConfig = &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(64)}
			r := result{Call: call}
			o, err := c.Converse(ctx, in)
			if err != nil {
				r.Error = errorResult(err)
				readHeaders(&r, err)
				out = append(out, r)
				return nil
			}
			readHeaders(&r, o.ResultMetadata)
			r.Usage = goUsage(o.Usage)
			r.Stop = string(o.StopReason)
			switch b := o.Output.(*brtypes.ConverseOutputMemberMessage).Value.Content[0].(type) {
			case *brtypes.ContentBlockMemberText:
				r.Text = b.Value
			case *brtypes.ContentBlockMemberToolUse:
				var input map[string]any
				_ = b.Value.Input.UnmarshalSmithyDocument(&input)
				r.Tool = &struct {
					Name  string         `json:"name"`
					Input map[string]any `json:"input"`
				}{aws.ToString(b.Value.Name), input}
			}
			out = append(out, r)
			return o
		}
		if scenario == "one" {
			converse("one", &bedrockruntime.ConverseInput{Messages: []brtypes.Message{user("hello [[tokens:8]]")}})
			return out
		}
		converse("plain", &bedrockruntime.ConverseInput{Messages: []brtypes.Message{user("hello [[tokens:8]]")}})
		st, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(tm.profile),
			InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(64)}, Messages: []brtypes.Message{user("stream please [[tokens:10]]")}})
		r := result{Call: "stream"}
		if err != nil {
			r.Error = errorResult(err)
		} else {
			for ev := range st.GetStream().Events() {
				switch v := ev.(type) {
				case *brtypes.ConverseStreamOutputMemberContentBlockDelta:
					if d, ok := v.Value.Delta.(*brtypes.ContentBlockDeltaMemberText); ok {
						r.Text += d.Value
					}
				case *brtypes.ConverseStreamOutputMemberMetadata:
					r.Usage = goUsage(v.Value.Usage)
				}
			}
			if err := st.GetStream().Err(); err != nil {
				r.Error = errorResult(err)
			}
		}
		out = append(out, r)
		ask := user(`Read /tmp/notes.txt [[tool:Read {"file_path":"/tmp/notes.txt"}]]`)
		if first := converse("tool", &bedrockruntime.ConverseInput{Messages: []brtypes.Message{ask}, ToolConfig: tools}); first != nil {
			msg := first.Output.(*brtypes.ConverseOutputMemberMessage).Value
			if use, ok := msg.Content[0].(*brtypes.ContentBlockMemberToolUse); ok {
				converse("tool-answer", &bedrockruntime.ConverseInput{ToolConfig: tools, Messages: []brtypes.Message{ask, msg, {Role: brtypes.ConversationRoleUser,
					Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberToolResult{Value: brtypes.ToolResultBlock{ToolUseId: use.Value.ToolUseId,
						Content: []brtypes.ToolResultContentBlock{&brtypes.ToolResultContentBlockMemberText{Value: "the secret word is pelican"}}}}}}}})
			}
		}
		system := []brtypes.SystemContentBlock{
			// The lane's profile in the prompt: each lane caches its own prefix.
			&brtypes.SystemContentBlockMemberText{Value: "Lane " + tm.profile + ". " + strings.Repeat("You are a careful assistant for the platform team. ", 40)},
			&brtypes.SystemContentBlockMemberCachePoint{Value: brtypes.CachePointBlock{Type: brtypes.CachePointTypeDefault}},
		}
		for _, call := range []string{"cache-write", "cache-hit"} {
			converse(call, &bedrockruntime.ConverseInput{System: system, Messages: []brtypes.Message{user("cached question [[tokens:4]]")}})
		}
		return out
	}
}

func goUsage(u *brtypes.TokenUsage) usage {
	if u == nil {
		return usage{}
	}
	return usage{Input: int64(aws.ToInt32(u.InputTokens)), Output: int64(aws.ToInt32(u.OutputTokens)),
		CacheRead: int64(aws.ToInt32(u.CacheReadInputTokens)), CacheWrite: int64(aws.ToInt32(u.CacheWriteInputTokens))}
}

func errorResult(err error) *struct {
	Name    string `json:"name"`
	Status  int    `json:"status"`
	Message string `json:"message"`
} {
	e := &struct {
		Name    string `json:"name"`
		Status  int    `json:"status"`
		Message string `json:"message"`
	}{Message: err.Error()}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Name, e.Message = api.ErrorCode(), api.ErrorMessage()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
	}
	return e
}

// readHeaders takes the enforcer's X-Bedgov headers from a response (or the response
// of an error).
func readHeaders(r *result, from any) {
	var resp *smithyhttp.Response
	switch v := from.(type) {
	case error:
		var re *smithyhttp.ResponseError
		if errors.As(v, &re) {
			resp = re.Response
		}
	case middleware.Metadata:
		resp, _ = awsmiddleware.GetRawResponse(v).(*smithyhttp.Response)
	}
	if resp != nil {
		r.State, r.ServedModel = resp.Header.Get("X-Bedgov-State"), resp.Header.Get("X-Bedgov-Model")
	}
}
