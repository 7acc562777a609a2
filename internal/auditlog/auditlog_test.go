package auditlog

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/auditlog -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking the change):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

var dest = Destination{Partition: "aws", Account: "123456789012", Region: "us-east-1", Bucket: "acme-bedrock-invocation-logs", KeyPrefix: "/bedrock/"}

func price(t *testing.T, model, group string) governance.Price {
	t.Helper()
	p, _, err := governance.DefaultPricing().Lookup(model, group)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDocumentsGolden(t *testing.T) {
	t.Parallel()
	golden(t, "bucket_policy.json", BucketPolicy(dest))
	golden(t, "delivery_role_trust.json", DeliveryRoleTrust(dest))
	golden(t, "delivery_role_policy.json", DeliveryRolePolicy(dest, "/bedgov/invocations"))
	golden(t, "log_table.sql", LogTable(dest, "bedgov", "bedrock_invocations").DDL())
	golden(t, "monthly_query.sql", MonthlyQuery("bedgov", "bedrock_invocations", []TeamProfile{
		{Team: "research", ProfileARN: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/r2d2", ModelID: "anthropic.claude-3-5-haiku-20241022-v1:0", Price: price(t, "anthropic.claude-3-5-haiku-20241022-v1:0", "us")},
		{Team: "business", ProfileARN: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/b1", ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Price: price(t, "anthropic.claude-3-haiku-20240307-v1:0", "us")},
		{Team: "business", ProfileARN: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/b0", ModelID: "anthropic.claude-3-5-haiku-20241022-v1:0", Price: price(t, "anthropic.claude-3-5-haiku-20241022-v1:0", "us")},
	}))
	golden(t, "monthly_query_no_teams.sql", MonthlyQuery("bedgov", "bedrock_invocations", nil))
}

// The bucket policy grants Bedrock exactly the log prefix of this account, guarded by
// the source account and ARN; nothing else is allowed.
func TestBucketPolicyScope(t *testing.T) {
	t.Parallel()
	var doc policyDoc
	if err := json.Unmarshal([]byte(BucketPolicy(dest)), &doc); err != nil {
		t.Fatal(err)
	}
	allows := 0
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		allows++
		// Bedrock's documented statement, list forms and Sid included (it attaches that one).
		if fmt.Sprint(st.Resource) != "[arn:aws:s3:::acme-bedrock-invocation-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/*]" ||
			fmt.Sprint(st.Action) != "[s3:PutObject]" || st.Sid != LogsWriteSid || st.Condition["StringEquals"]["aws:SourceAccount"] != "123456789012" ||
			st.Condition["ArnLike"]["aws:SourceArn"] != "arn:aws:bedrock:us-east-1:123456789012:*" {
			t.Errorf("allow statement = %+v", st)
		}
	}
	if allows != 1 {
		t.Errorf("%d allow statements, want 1", allows)
	}
	if got := (Destination{Account: "1", Region: "eu-west-1"}).LogsPrefix(); got != "AWSLogs/1/BedrockModelInvocationLogs/eu-west-1/" {
		t.Errorf("prefix without key prefix = %q", got)
	}
}

// Names from configuration cannot break out of the query's literals or identifiers.
func TestMonthlyQueryQuoting(t *testing.T) {
	t.Parallel()
	q := MonthlyQuery(`my"db`, "t", []TeamProfile{{Team: "o'brien", ProfileARN: "arn", ModelID: "m"}})
	for _, want := range []string{`FROM "my""db"."t" l`, `'o''brien'`} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %s:\n%s", want, q)
		}
	}
	if strings.Count(q, "?") != 1 {
		t.Errorf("want exactly one execution parameter:\n%s", q)
	}
}

func TestEachRecord(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	big := strings.Repeat("x", 200_000) // larger than a bufio.Scanner's default token
	_, _ = zw.Write([]byte(`{"modelId":"a"}` + "\n\n" + `{"modelId":"` + big + `"}` + "\n" + `{"modelId":"c"}`))
	_ = zw.Close()
	var got []string
	if err := EachRecord(bytes.NewReader(buf.Bytes()), func(rec []byte) error {
		got = append(got, string(rec[:min(len(rec), 15)]))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != `{"modelId":"a"}` || got[2] != `{"modelId":"c"}` {
		t.Fatalf("records %q", got)
	}
	stop := errors.New("stop")
	n := 0
	if err := EachRecord(bytes.NewReader(buf.Bytes()), func([]byte) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: %v after %d records", err, n)
	}
	if err := EachRecord(strings.NewReader(`{"modelId":"plain"}`), func([]byte) error { return nil }); err == nil {
		t.Fatal("an object that is not gzip was read")
	}
}
