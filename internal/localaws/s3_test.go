package localaws_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func s3Client(cfg aws.Config, region string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		o.Region = region
	})
}

const logBucketPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"BedrockLogs","Effect":"Allow",
"Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::acme-bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/*",
"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:bedrock:us-east-1:123456789012:*"}}}]}`

func TestS3BucketLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := s3Client(cfg, "us-east-1")
	ctx := context.Background()
	b := aws.String("acme-bedrock-logs")

	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Location) != "/acme-bedrock-logs" || !s.Store().Exists(localaws.KindS3Bucket, "acme-bedrock-logs") {
		t.Fatalf("create = %+v", out)
	}
	head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
	if err != nil || aws.ToString(head.BucketRegion) != "us-east-1" {
		t.Fatalf("head = %+v, %v", head, err)
	}

	// Public access block: none until set.
	_, err = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	wantAPIError(t, err, "NoSuchPublicAccessBlockConfiguration")
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Fatalf("public access block = %+v, %v", pab, err)
	}

	// Encryption: SSE-S3 by default, then KMS.
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("default encryption = %+v, %v", enc, err)
	}
	kms := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(kms)}, BucketKeyEnabled: aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	enc, err = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if r := enc.ServerSideEncryptionConfiguration.Rules[0]; r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAwsKms ||
		aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != kms || !aws.ToBool(r.BucketKeyEnabled) {
		t.Fatalf("kms encryption = %+v", r)
	}

	// Lifecycle.
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	wantAPIError(t, err, "NoSuchLifecycleConfiguration")
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{
		Rules: []types.LifecycleRule{{ID: aws.String("retention"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(365)}}}}}); err != nil {
		t.Fatal(err)
	}
	lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(lc.Rules) != 1 || aws.ToString(lc.Rules[0].ID) != "retention" || aws.ToInt32(lc.Rules[0].Expiration.Days) != 365 || lc.Rules[0].Status != types.ExpirationStatusEnabled {
		t.Fatalf("lifecycle = %+v, %v", lc, err)
	}

	// Policy: stored and returned as written.
	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	wantAPIError(t, err, "NoSuchBucketPolicy")
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(logBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	if err != nil || aws.ToString(pol.Policy) != logBucketPolicy {
		t.Fatalf("policy = %v, %v", pol, err)
	}

	// Deletes of the sub-resources, then of the bucket; a deleted bucket is NotFound.
	for _, err := range []error{
		func() error { _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b}); return err }(),
		func() error {
			_, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b})
			return err
		}(),
		func() error {
			_, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b})
			return err
		}(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	wantAPIError(t, err, "NoSuchBucketPolicy")
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("head after delete = %v", err)
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
	wantAPIError(t, err, "NoSuchBucket")
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(logBucketPolicy)})
	wantAPIError(t, err, "NoSuchBucket")
}

func TestS3CreateBucketRegionsAndNames(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	ctx := context.Background()
	east, west := s3Client(cfg, "us-east-1"), s3Client(cfg, "eu-west-1")

	// Outside us-east-1 the location constraint must name the Region.
	_, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-eu-logs")})
	wantAPIError(t, err, "IllegalLocationConstraintException")
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-eu-logs"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	_, err = west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-eu-logs"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	var owned *types.BucketAlreadyOwnedByYou
	if !errors.As(err, &owned) {
		t.Fatalf("re-create in eu-west-1 = %v", err)
	}
	// us-east-1 answers a re-create of one's own bucket with success.
	for i := 0; i < 2; i++ {
		if _, err := east.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-us-logs")}); err != nil {
			t.Fatalf("create %d in us-east-1: %v", i, err)
		}
	}
	for _, name := range []string{"Acme-Logs", "ab", "acme..logs", "192.168.1.1", "xn--acme", "acme-s3alias", "-acme", strings.Repeat("a", 64)} {
		_, err := east.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		if err == nil {
			t.Errorf("bucket name %q accepted", name)
			continue
		}
		var ae interface{ ErrorCode() string }
		if errors.As(err, &ae) && ae.ErrorCode() != "InvalidBucketName" {
			t.Errorf("bucket name %q: %v", name, err)
		}
	}
}

func TestS3ConfigurationValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := s3Client(cfg, "us-east-1")
	ctx := context.Background()
	b := aws.String("acme-validation")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	lifecycle := func(r types.LifecycleRule) error {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{r}}})
		return err
	}
	wantAPIError(t, lifecycle(types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}}), "InvalidArgument")
	wantAPIError(t, lifecycle(types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{}}), "InvalidRequest")
	wantAPIError(t, lifecycle(types.LifecycleRule{Status: "On", Filter: &types.LifecycleRuleFilter{}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}), "MalformedXML")

	_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256, KMSMasterKeyID: aws.String("k")}}}}})
	wantAPIError(t, err, "InvalidArgument")

	for name, doc := range map[string]string{
		"not json":       `nope`,
		"no principal":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::acme-validation/*"}]}`,
		"other bucket":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::someone-else/*"}]}`,
		"no statement":   `{"Version":"2012-10-17","Statement":[]}`,
		"bad effect":     `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::acme-validation/*"}]}`,
		"missing action": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::acme-validation"}]}`,
	} {
		_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(doc)})
		t.Run(name, func(t *testing.T) { wantAPIError(t, err, "MalformedPolicy") })
	}
}

// The restXml codec on the wire: the most specific route wins (?policy over the bare
// bucket path), unknown routes are S3's NotImplemented as an unwrapped <Error>, and a
// HEAD error carries no body.
func TestRESTXMLCodecRoutingAndErrors(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	ts := httptest.NewServer(s)
	defer ts.Close()
	auth := sigv4("s3", "us-east-1")

	if status, body := rawRequest(t, "PUT", ts.URL+"/acme-raw", auth, "", nil); status != http.StatusOK || body != "" {
		t.Fatalf("create: %d %q", status, body)
	}
	status, body := rawRequest(t, "GET", ts.URL+"/acme-raw?policy", auth, "", nil)
	if status != http.StatusNotFound || !strings.Contains(body, "<Error><Code>NoSuchBucketPolicy</Code>") || !strings.Contains(body, "<BucketName>acme-raw</BucketName>") {
		t.Fatalf("get policy: %d %s", status, body)
	}
	status, body = rawRequest(t, "GET", ts.URL+"/acme-raw?publicAccessBlock", auth, "", nil)
	if status != http.StatusNotFound || !strings.Contains(body, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("get public access block: %d %s", status, body)
	}
	status, body = rawRequest(t, "GET", ts.URL+"/acme-raw?website", auth, "", nil)
	if status != http.StatusNotFound || !strings.Contains(body, "<Error><Code>NotImplemented</Code>") {
		t.Fatalf("unknown sub-resource: %d %s", status, body)
	}
	status, body = rawRequest(t, "PUT", ts.URL+"/acme-raw?lifecycle", auth, "<LifecycleConfiguration><Rule>", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "MalformedXML") {
		t.Fatalf("malformed body: %d %s", status, body)
	}
	if status, body := rawRequest(t, "HEAD", ts.URL+"/no-such-bucket", auth, "", nil); status != http.StatusNotFound || body != "" {
		t.Fatalf("head of a missing bucket: %d %q", status, body)
	}
	calls := s.Calls()
	if calls[1].Operation != "GetBucketPolicy" || calls[1].ErrorCode != "NoSuchBucketPolicy" {
		t.Fatalf("call log = %+v", calls[1])
	}
}
