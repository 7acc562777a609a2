package localaws_test

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// readInvocationLogs reads every log object under prefix with the official S3 client:
// gzip, one JSON record a line. It returns the records by key.
func readInvocationLogs(t *testing.T, sc *s3.Client, bucket, prefix string) map[string][]map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string][]map[string]any{}
	p := s3.NewListObjectsV2Paginator(sc, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			obj, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			err = auditlog.EachRecord(obj.Body, func(line []byte) error {
				var rec map[string]any
				if err := json.Unmarshal(line, &rec); err != nil {
					return err
				}
				out[*o.Key] = append(out[*o.Key], rec)
				return nil
			})
			_ = obj.Body.Close()
			if err != nil {
				t.Fatalf("%s: %v", *o.Key, err)
			}
		}
	}
	return out
}

func field(rec map[string]any, path string) any {
	var v any = rec
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Every Bedrock Runtime call in a Region with a logging configuration is delivered as
// Bedrock documents it, to S3 (gzipped JSON lines under the hour of the call) and to
// the log group; prompts and completions only with text delivery; nothing after the
// configuration is deleted.
func TestBedrockInvocationLogDelivery(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	ctx := context.Background()
	sc := s3Client(cfg, "us-east-1")
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-bedrock-logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acme-bedrock-logs"), Policy: aws.String(logBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/bedgov/invocations")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bedgov-logging"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	bc := bedrock.NewFromConfig(cfg)
	put := func(text bool) {
		t.Helper()
		if _, err := bc.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: &types.LoggingConfig{
			S3Config:                &types.S3Config{BucketName: aws.String("acme-bedrock-logs"), KeyPrefix: aws.String("audit/")},
			CloudWatchConfig:        &types.CloudWatchConfig{LogGroupName: aws.String("/bedgov/invocations"), RoleArn: aws.String("arn:aws:iam::123456789012:role/bedgov-logging")},
			TextDataDeliveryEnabled: aws.Bool(text),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	rt := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) { o.RetryMaxAttempts = 1 })
	msgs := []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "secret prompt [[tokens:6]] [[cache_read:40]] [[cache_write:7]]"}}}}
	haiku := "anthropic.claude-3-haiku-20240307-v1:0"
	invokeBody := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":[{"role":"user","content":"secret prompt [[tokens:5]]"}]}`)

	// Before any configuration: no logs.
	if _, err := rt.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(haiku), Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	put(false)
	day := time.Now().UTC()
	if _, err := rt.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(haiku), Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	st, err := rt.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String("us." + haiku), Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	for range st.GetStream().Events() {
	}
	if _, err := rt.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(haiku), Body: invokeBody, ContentType: aws.String("application/json")}); err != nil {
		t.Fatal(err)
	}
	ist, err := rt.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(haiku), Body: invokeBody, ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatal(err)
	}
	for range ist.GetStream().Events() {
	}
	localaws.BedrockRuntimeOf(s).SetFaults(localaws.BedrockFaults{ThrottleNext: 1})
	if _, err := rt.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(haiku), Messages: msgs}); err == nil {
		t.Fatal("the throttled call succeeded")
	}

	prefix := "audit/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/"
	byKey := readInvocationLogs(t, sc, "acme-bedrock-logs", prefix)
	keyRe := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix+day.Format("2006/01/02/")) + `\d{2}/\d{8}T\d{9}Z_[0-9a-f]{16}\.json\.gz$`)
	var recs []map[string]any
	for k, rs := range byKey {
		if !keyRe.MatchString(k) || len(rs) != 1 {
			t.Errorf("object %s (%d records) is not a log object of today", k, len(rs))
		}
		recs = append(recs, rs...)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5 (calls before the configuration are not logged): %v", len(recs), byKey)
	}
	byOp := map[string]map[string]any{}
	for _, r := range recs {
		if r["schemaType"] != "ModelInvocationLog" || r["schemaVersion"] != "1.0" || r["accountId"] != "123456789012" || r["region"] != "us-east-1" ||
			field(r, "identity.arn") != localaws.DefaultIdentity || r["requestId"] == "" || r["inferenceRegion"] != "us-east-1" ||
			field(r, "input.inputContentType") != "application/json" || field(r, "input.inputBodyJson") != nil || field(r, "output.outputBodyJson") != nil {
			t.Errorf("record %v", r)
		}
		if ts, err := time.Parse(time.RFC3339, r["timestamp"].(string)); err != nil || ts.Format("2006/01/02") != day.Format("2006/01/02") {
			t.Errorf("timestamp %v: %v", r["timestamp"], err)
		}
		op := r["operation"].(string)
		if r["errorCode"] != nil {
			op += "/" + r["errorCode"].(string)
		}
		byOp[op] = r
	}
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	if strings.Join(ops, ",") != "Converse,Converse/ThrottlingException,ConverseStream,InvokeModel,InvokeModelWithResponseStream" {
		t.Fatalf("operations %v", ops)
	}
	calls := localaws.BedrockRuntimeOf(s).Calls()
	conv := calls[1].Usage // the first logged call
	if r := byOp["Converse"]; r["modelId"] != haiku || field(r, "input.inputTokenCount") != float64(conv.InputTokens) ||
		field(r, "input.cacheReadInputTokenCount") != float64(40) || field(r, "input.cacheWriteInputTokenCount") != float64(7) ||
		field(r, "output.outputTokenCount") != float64(6) || field(r, "output.outputContentType") != "application/json" {
		t.Errorf("converse %v (usage %+v)", r, conv)
	}
	if r := byOp["ConverseStream"]; r["modelId"] != "us."+haiku || field(r, "output.outputTokenCount") != float64(6) {
		t.Errorf("converse stream %v", r)
	}
	inv := localaws.BedrockUsageFor(invokeBody)
	for _, op := range []string{"InvokeModel", "InvokeModelWithResponseStream"} {
		if r := byOp[op]; field(r, "input.inputTokenCount") != float64(inv.InputTokens) || field(r, "output.outputTokenCount") != float64(5) ||
			field(r, "input.cacheReadInputTokenCount") != nil {
			t.Errorf("%s %v", op, r)
		}
	}
	if r := byOp["Converse/ThrottlingException"]; r["output"] != nil || field(r, "input.inputTokenCount") != nil {
		t.Errorf("throttled %v", r)
	}

	// The same records as events of the log group's Bedrock stream.
	ev, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/bedgov/invocations"), LogStreamName: aws.String(localaws.InvocationLogStream), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) != 5 {
		t.Fatalf("%d log events, want 5", len(ev.Events))
	}
	for _, e := range ev.Events {
		var r map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(e.Message)), &r); err != nil || r["schemaType"] != "ModelInvocationLog" {
			t.Errorf("event %q: %v", aws.ToString(e.Message), err)
		}
	}

	// Text delivery: the prompt and the completion are in the record.
	put(true)
	if _, err := bc.DeleteModelInvocationLoggingConfiguration(ctx, &bedrock.DeleteModelInvocationLoggingConfigurationInput{}); err != nil {
		t.Fatal(err)
	}
	put(true)
	if _, err := rt.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(haiku), Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	st, err = rt.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(haiku), Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	for range st.GetStream().Events() {
	}
	var texts int
	for _, rs := range readInvocationLogs(t, sc, "acme-bedrock-logs", prefix) {
		for _, r := range rs {
			in, _ := json.Marshal(field(r, "input.inputBodyJson"))
			out, _ := json.Marshal(field(r, "output.outputBodyJson"))
			if field(r, "input.inputBodyJson") == nil {
				continue
			}
			texts++
			if !strings.Contains(string(in), "secret prompt") || !strings.Contains(string(out), "ab ab ") {
				t.Errorf("text delivery: input %s output %s", in, out)
			}
			if r["operation"] == "ConverseStream" && !strings.Contains(string(out), `"metadata"`) {
				t.Errorf("stream output is not its events: %s", out)
			}
		}
	}
	if texts != 2 {
		t.Fatalf("%d records with text, want 2", texts)
	}

	// A stream that fails midway is logged with its error code and no usage.
	localaws.BedrockRuntimeOf(s).SetFaults(localaws.BedrockFaults{FailStreamAfter: 1, StreamFailure: localaws.BedrockStreamException})
	st, err = rt.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(haiku), Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	for range st.GetStream().Events() {
	}
	if st.GetStream().Err() == nil {
		t.Fatal("the stream did not fail")
	}
	localaws.BedrockRuntimeOf(s).SetFaults(localaws.BedrockFaults{})
	var failed int
	for _, rs := range readInvocationLogs(t, sc, "acme-bedrock-logs", prefix) {
		for _, r := range rs {
			if r["errorCode"] == "ModelStreamErrorException" {
				failed++
				if r["operation"] != "ConverseStream" || r["output"] != nil || field(r, "input.inputTokenCount") != nil {
					t.Errorf("failed stream %v", r)
				}
			}
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed-stream records, want 1", failed)
	}

	// No configuration, no logs.
	if _, err := bc.DeleteModelInvocationLoggingConfiguration(ctx, &bedrock.DeleteModelInvocationLoggingConfigurationInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(haiku), Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	if n := len(readInvocationLogs(t, sc, "acme-bedrock-logs", prefix)); n != 8 {
		t.Fatalf("%d log objects after the configuration was deleted, want 8", n)
	}
}
