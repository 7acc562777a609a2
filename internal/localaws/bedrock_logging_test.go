package localaws_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func TestBedrockInvocationLoggingLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := bedrock.NewFromConfig(cfg)
	ctx := context.Background()

	// Nothing configured: an empty document, not an error.
	got, err := c.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil || got.LoggingConfig != nil {
		t.Fatalf("get before put = %+v, %v", got, err)
	}

	s3Only := &types.LoggingConfig{
		S3Config:                     &types.S3Config{BucketName: aws.String("acme-bedrock-logs"), KeyPrefix: aws.String("invocations")},
		TextDataDeliveryEnabled:      aws.Bool(false),
		ImageDataDeliveryEnabled:     aws.Bool(false),
		EmbeddingDataDeliveryEnabled: aws.Bool(false),
	}
	// The bucket must exist and let Bedrock write.
	put := func(lc *types.LoggingConfig) error {
		_, err := c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: lc})
		return err
	}
	wantAPIError(t, put(s3Only), "ValidationException")
	sc := s3Client(cfg, "us-east-1")
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-bedrock-logs")}); err != nil {
		t.Fatal(err)
	}
	// (A bucket without a policy is accepted: Bedrock attaches its statement for a caller
	// that may; TestBedrockInvocationLoggingAttachesBucketPolicy.)
	if _, err := sc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acme-bedrock-logs"), Policy: aws.String(logBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	if err := put(s3Only); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		t.Fatal(err)
	}
	lc := got.LoggingConfig
	if lc == nil || aws.ToString(lc.S3Config.BucketName) != "acme-bedrock-logs" || aws.ToString(lc.S3Config.KeyPrefix) != "invocations" ||
		lc.CloudWatchConfig != nil || aws.ToBool(lc.TextDataDeliveryEnabled) || lc.TextDataDeliveryEnabled == nil {
		t.Fatalf("get = %+v", lc)
	}
	// One configuration per Region: another Region has none.
	west := bedrock.NewFromConfig(cfg, func(o *bedrock.Options) { o.Region = "us-west-2" })
	if w, err := west.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{}); err != nil || w.LoggingConfig != nil {
		t.Fatalf("us-west-2 = %+v, %v", w, err)
	}
	if !s.Store().Exists(localaws.KindBedrockLogging, "us-east-1") {
		t.Fatal("configuration not stored under its Region")
	}

	// A CloudWatch Logs destination needs the log group and a role Bedrock can assume.
	withLogs := *s3Only
	withLogs.CloudWatchConfig = &types.CloudWatchConfig{LogGroupName: aws.String("/bedgov/invocations"), RoleArn: aws.String("arn:aws:iam::123456789012:role/bedgov-logging")}
	_, err = c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: &withLogs})
	wantAPIError(t, err, "ValidationException")
	if _, err := cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/bedgov/invocations")}); err != nil {
		t.Fatal(err)
	}
	i := iam.NewFromConfig(cfg)
	if _, err := i.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bedgov-logging"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: &withLogs})
	wantAPIError(t, err, "ValidationException") // the role does not trust Bedrock
	if _, err := i.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("bedgov-logging"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	// A role Bedrock can assume is not enough without the log group.
	if _, err := cloudwatchlogs.NewFromConfig(cfg).DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/bedgov/invocations")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: &withLogs})
	wantAPIError(t, err, "ValidationException")
	if _, err := cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/bedgov/invocations")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: &withLogs}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil || aws.ToString(got.LoggingConfig.CloudWatchConfig.LogGroupName) != "/bedgov/invocations" {
		t.Fatalf("get with logs = %+v, %v", got.LoggingConfig, err)
	}

	// Delete is idempotent.
	for i := 0; i < 2; i++ {
		if _, err := c.DeleteModelInvocationLoggingConfiguration(ctx, &bedrock.DeleteModelInvocationLoggingConfigurationInput{}); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	if got, err := c.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{}); err != nil || got.LoggingConfig != nil {
		t.Fatalf("get after delete = %+v, %v", got, err)
	}
}

func TestBedrockInvocationLoggingValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := bedrock.NewFromConfig(cfg)
	ctx := context.Background()
	for name, lc := range map[string]*types.LoggingConfig{
		"no destination": {TextDataDeliveryEnabled: aws.Bool(true)},
		"bad bucket":     {S3Config: &types.S3Config{BucketName: aws.String("Acme_Logs")}},
		"short bucket":   {S3Config: &types.S3Config{BucketName: aws.String("ab")}},
		"bad role":       {CloudWatchConfig: &types.CloudWatchConfig{LogGroupName: aws.String("/x"), RoleArn: aws.String("arn:aws:iam::123456789012:user/x")}},
		"empty group":    {CloudWatchConfig: &types.CloudWatchConfig{LogGroupName: aws.String(""), RoleArn: aws.String("arn:aws:iam::123456789012:role/x")}},
	} {
		_, err := c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: lc})
		t.Run(name, func(t *testing.T) { wantAPIError(t, err, "ValidationException") })
	}
}

// Bedrock attaches its documented AmazonBedrockLogsWrite statement to the log bucket's
// policy for a caller allowed s3:GetBucketPolicy and s3:PutBucketPolicy, keeping the
// other statements and writing nothing when the statement is already there as
// documented; a caller without those permissions gets nothing attached, so a bucket
// whose policy does not let Bedrock write is refused.
func TestBedrockInvocationLoggingAttachesBucketPolicy(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	ctx := context.Background()
	c := bedrock.NewFromConfig(cfg)
	sc := s3Client(cfg, "us-east-1")
	lc := &types.LoggingConfig{S3Config: &types.S3Config{BucketName: aws.String("acme-logs"), KeyPrefix: aws.String("audit")}}
	put := func(c *bedrock.Client) error {
		_, err := c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: lc})
		return err
	}
	policy := func() string {
		out, err := sc.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("acme-logs")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Policy)
	}
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-logs")}); err != nil {
		t.Fatal(err)
	}
	deny := `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::acme-logs/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
	if _, err := sc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acme-logs"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[` + deny + `]}`)}); err != nil {
		t.Fatal(err)
	}

	// A role that may configure logging but not manage bucket policies: nothing attached.
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("logging-admin"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("logging-admin"), PolicyName: aws.String("bedrock"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ar, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + s.Account() + ":role/logging-admin"), RoleSessionName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Copy()
	rc.Credentials = credentials.NewStaticCredentialsProvider(*ar.Credentials.AccessKeyId, *ar.Credentials.SecretAccessKey, *ar.Credentials.SessionToken)
	wantAPIError(t, put(bedrock.NewFromConfig(rc)), "ValidationException")

	// The account's administrator: Bedrock attaches its statement beside the deny.
	if err := put(c); err != nil {
		t.Fatal(err)
	}
	got := policy()
	for _, want := range []string{`"Sid":"AmazonBedrockLogsWrite"`, `"arn:aws:s3:::acme-logs/audit/AWSLogs/` + s.Account() + `/BedrockModelInvocationLogs/*"`,
		`"aws:SourceArn":"arn:aws:bedrock:us-east-1:` + s.Account() + `:*"`, `"Sid":"DenyInsecureTransport"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("policy lacks %s: %s", want, got)
		}
	}
	// Configured again: the statement is there as documented, nothing is rewritten.
	if err := put(c); err != nil {
		t.Fatal(err)
	}
	if again := policy(); again != got {
		t.Fatalf("policy rewritten:\n%s\n%s", got, again)
	}
}
