package enforcer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// Class 7: every enforcer error has the status Bedrock Runtime's API model gives its
// type (../shared/aws-models/bedrock-runtime-2023-09-30.json: ServiceQuotaExceededException
// and ConflictException are HTTP 400, ThrottlingException 429, AccessDeniedException
// 403, ValidationException 400, ServiceUnavailableException 503), so a client reads a
// budget refusal as a refusal, not as throttling: with its retries on, the Go SDK
// makes one attempt per refused call.
func TestRefusalsHaveTheModeledStatusAndAreNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{}, teamConfig("refused", 1)) // a budget no request fits
	c := e.sdk("refused", 5)
	ctx := context.Background()
	body := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":[{"role":"user","content":"x"}]}`

	before := e.hits.Load()
	_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(sonnet), ContentType: aws.String("application/json"), Body: []byte(body)})
	var sq *brtypes.ServiceQuotaExceededException
	var re *smithyhttp.ResponseError
	if !errors.As(err, &sq) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Fatalf("InvokeModel refusal: %v", err)
	}
	if n := e.hits.Load() - before; n != 1 {
		t.Fatalf("InvokeModel: %d attempts for one refused call", n)
	}
	// Converse does not list the type among its errors: the SDK still reads its code.
	before = e.hits.Load()
	_, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet), Messages: userText("x"), InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(100)}})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ServiceQuotaExceededException" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Fatalf("Converse refusal: %v", err)
	}
	if n := e.hits.Load() - before; n != 1 {
		t.Fatalf("Converse: %d attempts for one refused call", n)
	}
}

// The same refusal through boto3 (the machine's python3) with its default retry mode
// ("legacy", which retries any HTTP 429 up to five attempts): one attempt.
func TestBoto3MakesOneAttemptPerRefusal(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 with boto3 is required (TOOLING.md): ", err)
	}
	e := newEnv(t, envOpt{}, teamConfig("boto", 1))
	script := `
import json, sys, boto3, botocore
c = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=sys.argv[1],
    aws_access_key_id="AKID-boto", aws_secret_access_key="secret")
out = {}
for op in ("invoke_model", "converse"):
    try:
        if op == "converse":
            c.converse(modelId=sys.argv[2], messages=[{"role": "user", "content": [{"text": "x"}]}], inferenceConfig={"maxTokens": 100})
        else:
            c.invoke_model(modelId=sys.argv[2], contentType="application/json", body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": "x"}]}))
        out[op] = {"error": None}
    except botocore.exceptions.ClientError as err:
        r = err.response
        out[op] = {"error": r["Error"]["Code"], "status": r["ResponseMetadata"]["HTTPStatusCode"], "attempts": r["ResponseMetadata"].get("RetryAttempts", 0) + 1}
print(json.dumps(out))
`
	cmd := exec.Command(py, "-c", script, e.srv.URL, sonnet)
	// boto3's defaults: no AWS_* setting from the caller's environment changes them.
	for _, kv := range cmd.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, outb)
	}
	var got map[string]struct {
		Error    *string
		Status   int
		Attempts int
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(outb))), &got); err != nil {
		t.Fatalf("boto3 output %s: %v", outb, err)
	}
	for op, r := range got {
		if r.Error == nil || *r.Error != "ServiceQuotaExceededException" || r.Status != http.StatusBadRequest || r.Attempts != 1 {
			t.Errorf("boto3 %s: %+v (error %v)", op, r, r.Error)
		}
	}
	if n := e.hits.Load(); n != 2 {
		t.Fatalf("boto3 made %d attempts for 2 refused calls", n)
	}
}

// Class 12: amounts in messages to people have one precision, cents; the room left is
// rounded down and the worst case up, so "less than" stays true as written.
func TestRefusalMessageAmountsInCents(t *testing.T) {
	t.Parallel()
	cfg := teamConfig("cents", 100*usd)
	cfg.DegradeModelID, cfg.DegradeProfileARN = "", ""
	e := newEnv(t, envOpt{}, cfg)
	if err := governance.LateCharge(context.Background(), ddb, e.table, "cents", 0, 99*usd+156, sonnet, governance.Usage{}); err != nil {
		t.Fatal(err)
	}
	resp, msg := e.post(context.Background(), "cents", sonnet, "converse", converseBody(strings.Repeat("large ", 60_000), 8000), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("%d %s", resp.StatusCode, msg)
	}
	if regexp.MustCompile(`\d\.\d{3,}`).Match(msg) || !strings.Contains(string(msg), "has 0.99 USD left, less than this request's worst-case cost of 1.48 USD") {
		t.Fatalf("refusal message: %s", msg)
	}
}
