package localaws_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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
	wantAPIError(t, put(s3Only), "ValidationException")
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
