package localaws

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// BedrockLogsWriteSid is the Sid of the statement Bedrock attaches to an invocation-log
// bucket's policy.
const BedrockLogsWriteSid = "AmazonBedrockLogsWrite"

// bedrockLogsWriteStatement is the statement the Bedrock user guide shows for an S3
// destination ("Monitor model invocation using CloudWatch Logs and Amazon S3", Set up an
// Amazon S3 destination, step 2): bedrock.amazonaws.com may put objects under
// <bucket>/<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/*, for this account and
// Region's Bedrock (aws:SourceAccount, aws:SourceArn).
func bedrockLogsWriteStatement(region, account, bucket, keyPrefix string) map[string]any {
	prefix := ""
	if p := strings.Trim(keyPrefix, "/"); p != "" {
		prefix = p + "/"
	}
	return map[string]any{
		"Sid": BedrockLogsWriteSid, "Effect": "Allow",
		"Principal": map[string]any{"Service": "bedrock.amazonaws.com"},
		"Action":    []any{"s3:PutObject"},
		"Resource":  []any{fmt.Sprintf("arn:aws:s3:::%s/%sAWSLogs/%s/BedrockModelInvocationLogs/*", bucket, prefix, account)},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": account},
			"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:aws:bedrock:%s:%s:*", region, account)},
		},
	}
}

// attachLogsWritePolicy does what the same step's note says Bedrock does: "A bucket
// policy is automatically attached to the bucket on your behalf when you configure
// logging with the permissions S3:GetBucketPolicy and S3:PutBucketPolicy". The guide does
// not say how it merges with a policy already there; the emulator keeps every other
// statement and puts the documented one in place of a statement with its Sid (or at the
// end), writing nothing when the policy already holds it as documented. A caller without
// both permissions on the bucket gets nothing attached (the bucket's own policy must then
// let Bedrock write, which Put checks next).
func attachLogsWritePolicy(c *Call, s *LoggingS3Config) error {
	if c.AccessKeyID == "" || c.server == nil {
		return nil
	}
	bucketARN := "arn:aws:s3:::" + s.BucketName
	q, _, err := c.server.authorize(c.Caller(), []authz{{Action: "s3:GetBucketPolicy", Resource: bucketARN}, {Action: "s3:PutBucketPolicy", Resource: bucketARN}})
	if err != nil || q != nil {
		return nil //nolint:nilerr // without both permissions Bedrock attaches nothing
	}
	want := bedrockLogsWriteStatement(c.Region, c.Account(), s.BucketName, s.KeyPrefix)
	return updateBucket(c, s.BucketName, func(b *S3Bucket) error {
		doc := map[string]any{"Version": "2012-10-17"}
		if b.Policy != "" {
			if err := json.Unmarshal([]byte(b.Policy), &doc); err != nil {
				return nil //nolint:nilerr // an unreadable policy is left alone; the check that follows refuses it
			}
		}
		var stmts []any
		switch v := doc["Statement"].(type) {
		case []any:
			stmts = v
		case map[string]any:
			stmts = []any{v}
		}
		// Compare in the decoded JSON form: the documented statement as a policy reads back.
		var wantDecoded any
		raw, _ := json.Marshal(want)
		_ = json.Unmarshal(raw, &wantDecoded)
		replaced := false
		for i, st := range stmts {
			m, ok := st.(map[string]any)
			if !ok || m["Sid"] != BedrockLogsWriteSid {
				continue
			}
			if reflect.DeepEqual(st, wantDecoded) {
				return nil // already as documented: nothing to write
			}
			stmts[i], replaced = wantDecoded, true
		}
		if !replaced {
			stmts = append(stmts, wantDecoded)
		}
		doc["Statement"] = stmts
		out, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		b.Policy = string(out)
		return nil
	})
}
