package awsops_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// bucketPolicy is the policy bedgov writes: S3 must accept it, and Bedrock must then
// accept the bucket as a log destination.
var bucketPolicy = auditlog.BucketPolicy(auditlog.Destination{Partition: "aws", Account: "123456789012", Region: "us-east-1", Bucket: "acme-logs"})

func TestLogBucketSteps(t *testing.T) {
	t.Parallel()
	c := s3Client(emulator(t))
	ctx := context.Background()

	if _, err := awsops.FindBucket(ctx, c, "acme-logs"); !awsops.IsNotFound(err) {
		t.Fatalf("find before create = %v", err)
	}
	if _, err := awsops.FindBucketState(ctx, c, "acme-logs"); !awsops.IsNotFound(err) {
		t.Fatalf("state before create = %v", err)
	}
	// A create whose answer was lost is taken over on the next try.
	for i := 0; i < 2; i++ {
		if err := awsops.CreateBucket(ctx, c, "acme-logs", "us-east-1"); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	st, err := awsops.FindBucketState(ctx, c, "acme-logs")
	if err != nil {
		t.Fatal(err)
	}
	if st != (awsops.BucketState{Region: "us-east-1", SSEAlgorithm: "AES256"}) {
		t.Fatalf("a new bucket = %+v", st)
	}
	kms := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	steps := []error{
		awsops.BlockPublicAccess(ctx, c, "acme-logs"),
		awsops.SetBucketEncryption(ctx, c, "acme-logs", kms),
		awsops.SetBucketRetention(ctx, c, "acme-logs", 365),
		awsops.SetBucketPolicy(ctx, c, "acme-logs", bucketPolicy),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	st, err = awsops.FindBucketState(ctx, c, "acme-logs")
	if err != nil {
		t.Fatal(err)
	}
	want := awsops.BucketState{Region: "us-east-1", PublicAccessBlocked: true, SSEAlgorithm: "aws:kms", KMSKeyARN: kms, RetentionDays: 365, Policy: bucketPolicy}
	if st != want {
		t.Fatalf("configured bucket = %+v, want %+v", st, want)
	}
	if err := awsops.SetBucketEncryption(ctx, c, "acme-logs", ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := awsops.FindBucketState(ctx, c, "acme-logs"); st.SSEAlgorithm != "AES256" || st.KMSKeyARN != "" {
		t.Fatalf("back to SSE-S3 = %+v", st)
	}

	if err := awsops.DeleteBucket(ctx, c, "acme-logs"); err != nil {
		t.Fatal(err)
	}
	if err := awsops.DeleteBucket(ctx, c, "acme-logs"); err != nil {
		t.Fatalf("delete of a deleted bucket: %v", err)
	}
	if _, err := awsops.FindBucket(ctx, c, "acme-logs"); !awsops.IsNotFound(err) {
		t.Fatalf("find after delete = %v", err)
	}
}

func TestInvocationLoggingSteps(t *testing.T) {
	t.Parallel()
	cfg := emulator(t)
	sc, bc := s3Client(cfg), bedrock.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := awsops.FindInvocationLogging(ctx, bc); !awsops.IsNotFound(err) {
		t.Fatalf("find before put = %v", err)
	}
	lc := &bedrocktypes.LoggingConfig{S3Config: &bedrocktypes.S3Config{BucketName: aws.String("acme-logs")}, TextDataDeliveryEnabled: aws.Bool(false)}
	// A bucket Bedrock cannot write to is refused (after the propagation retries, cut
	// short here by the context).
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := awsops.PutInvocationLogging(short, bc, lc); err == nil {
		t.Fatal("put to a missing bucket succeeded")
	}
	if err := awsops.CreateBucket(ctx, sc, "acme-logs", "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if err := awsops.SetBucketPolicy(ctx, sc, "acme-logs", bucketPolicy); err != nil {
		t.Fatal(err)
	}
	if err := awsops.PutInvocationLogging(ctx, bc, lc); err != nil {
		t.Fatal(err)
	}
	got, err := awsops.FindInvocationLogging(ctx, bc)
	if err != nil || aws.ToString(got.S3Config.BucketName) != "acme-logs" {
		t.Fatalf("find = %+v, %v", got, err)
	}
	for i := 0; i < 2; i++ {
		if err := awsops.DeleteInvocationLogging(ctx, bc); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	if _, err := awsops.FindInvocationLogging(ctx, bc); !awsops.IsNotFound(err) {
		t.Fatalf("find after delete = %v", err)
	}
}
