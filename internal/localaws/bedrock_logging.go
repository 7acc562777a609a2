package localaws

import (
	"regexp"
	"strings"
)

// Bedrock model invocation logging (restJson1): one configuration per account and
// Region, kept in the Store under KindBedrockLogging with the Region as id. Put replaces
// it, Get returns it (an empty document when none is set), Delete removes it and is
// idempotent, as in Bedrock.
//
// Put validates the shapes as the API documents them and, like Bedrock, that the
// CloudWatch Logs destination is usable: the log group exists and the role exists and
// trusts bedrock.amazonaws.com; and the S3 destination: the bucket exists (s3.go) and
// its policy lets bedrock.amazonaws.com put objects, after Bedrock has attached its own
// statement when the caller may (bedrock_logging_policy.go).
//
// While a Region has a configuration, the Region's Bedrock Runtime calls are logged to
// its destinations: bedrock_logging_delivery.go.

func init() {
	RegisterBuiltin("bedrock",
		Operation{Name: "PutModelInvocationLoggingConfiguration", Method: "PUT", Path: "/logging/modelinvocations", Handler: Handle(putInvocationLogging)},
		Operation{Name: "GetModelInvocationLoggingConfiguration", Method: "GET", Path: "/logging/modelinvocations", Handler: Handle(getInvocationLogging)},
		Operation{Name: "DeleteModelInvocationLoggingConfiguration", Method: "DELETE", Path: "/logging/modelinvocations", Handler: Handle(deleteInvocationLogging)},
	)
}

// KindBedrockLogging holds each Region's model invocation logging configuration
// (id: Region; value InvocationLoggingConfig).
const KindBedrockLogging = "bedrock:invocation-logging"

// InvocationLoggingConfig is Bedrock's LoggingConfig in its wire shape.
type InvocationLoggingConfig struct {
	CloudWatchConfig             *LoggingCloudWatchConfig `json:"cloudWatchConfig,omitempty"`
	S3Config                     *LoggingS3Config         `json:"s3Config,omitempty"`
	TextDataDeliveryEnabled      *bool                    `json:"textDataDeliveryEnabled,omitempty"`
	ImageDataDeliveryEnabled     *bool                    `json:"imageDataDeliveryEnabled,omitempty"`
	EmbeddingDataDeliveryEnabled *bool                    `json:"embeddingDataDeliveryEnabled,omitempty"`
	VideoDataDeliveryEnabled     *bool                    `json:"videoDataDeliveryEnabled,omitempty"`
	AudioDataDeliveryEnabled     *bool                    `json:"audioDataDeliveryEnabled,omitempty"`
}

// LoggingS3Config is an S3 destination of invocation logs.
type LoggingS3Config struct {
	BucketName string `json:"bucketName"`
	KeyPrefix  string `json:"keyPrefix,omitempty"`
}

// LoggingCloudWatchConfig is a CloudWatch Logs destination of invocation logs.
type LoggingCloudWatchConfig struct {
	LogGroupName              string           `json:"logGroupName"`
	RoleArn                   string           `json:"roleArn"`
	LargeDataDeliveryS3Config *LoggingS3Config `json:"largeDataDeliveryS3Config,omitempty"`
}

var (
	loggingBucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	loggingRoleRe   = regexp.MustCompile(`^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$`)
)

type putInvocationLoggingInput struct {
	LoggingConfig *InvocationLoggingConfig `json:"loggingConfig"`
}

type getInvocationLoggingOutput struct {
	LoggingConfig *InvocationLoggingConfig `json:"loggingConfig,omitempty"`
}

func validateLoggingS3(c *Call, field string, s *LoggingS3Config) error {
	if s == nil {
		return nil
	}
	if !loggingBucketRe.MatchString(s.BucketName) {
		return ErrValidation("1 validation error detected: Value '%s' at '%s.bucketName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", s.BucketName, field)
	}
	if len(s.KeyPrefix) > 1024 {
		return ErrValidation("1 validation error detected: Value at '%s.keyPrefix' failed to satisfy constraint: Member must have length less than or equal to 1024", field)
	}
	if _, err := bucket(c, s.BucketName); err != nil {
		return ErrValidation("Failed to validate permissions for log delivery to S3 bucket: %s. The bucket does not exist", s.BucketName)
	}
	if field == "loggingConfig.s3Config" {
		if err := attachLogsWritePolicy(c, s); err != nil {
			return err
		}
	}
	b, err := bucket(c, s.BucketName)
	if err != nil {
		return err
	}
	if !strings.Contains(b.Policy, "bedrock.amazonaws.com") || !strings.Contains(b.Policy, "s3:PutObject") {
		return ErrValidation("Failed to validate permissions for log delivery to S3 bucket: %s. Verify the bucket policy allows bedrock.amazonaws.com to put objects", s.BucketName)
	}
	return nil
}

func putInvocationLogging(c *Call, in *putInvocationLoggingInput) (*struct{}, error) {
	lc := in.LoggingConfig
	if lc == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'loggingConfig' failed to satisfy constraint: Member must not be null")
	}
	if lc.S3Config == nil && lc.CloudWatchConfig == nil {
		return nil, ErrValidation("At least one destination (s3Config or cloudWatchConfig) is required for model invocation logging")
	}
	if err := validateLoggingS3(c, "loggingConfig.s3Config", lc.S3Config); err != nil {
		return nil, err
	}
	if cw := lc.CloudWatchConfig; cw != nil {
		if len(cw.LogGroupName) < 1 || len(cw.LogGroupName) > 512 {
			return nil, ErrValidation("1 validation error detected: Value at 'loggingConfig.cloudWatchConfig.logGroupName' failed to satisfy constraint: Member must have length between 1 and 512")
		}
		if !loggingRoleRe.MatchString(cw.RoleArn) || len(cw.RoleArn) > 2048 {
			return nil, ErrValidation("1 validation error detected: Value '%s' at 'loggingConfig.cloudWatchConfig.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$", cw.RoleArn)
		}
		if err := validateLoggingS3(c, "loggingConfig.cloudWatchConfig.largeDataDeliveryS3Config", cw.LargeDataDeliveryS3Config); err != nil {
			return nil, err
		}
		if _, ok := c.Store().Lookup(KindLogGroup, LogGroupARN(c.Region, c.Account(), cw.LogGroupName)); !ok {
			return nil, ErrValidation("Failed to validate permissions for log group: %s, with role: %s. Verify the IAM role permissions are correct: the log group does not exist", cw.LogGroupName, cw.RoleArn)
		}
		name := cw.RoleArn[strings.LastIndex(cw.RoleArn, "/")+1:]
		v, ok := c.Store().Lookup(KindRole, strings.ToLower(name))
		if !ok || !strings.Contains(v.(IAMPrincipal).AssumeRolePolicy, "bedrock.amazonaws.com") {
			return nil, ErrValidation("Failed to validate permissions for log group: %s, with role: %s. Verify the IAM role permissions are correct: the role does not exist or does not trust bedrock.amazonaws.com", cw.LogGroupName, cw.RoleArn)
		}
	}
	c.Store().Put(KindBedrockLogging, c.Region, *lc)
	c.Server().invocationLogging.Store(true)
	return &struct{}{}, nil
}

func getInvocationLogging(c *Call, _ *struct{}) (*getInvocationLoggingOutput, error) {
	v, ok := c.Store().Lookup(KindBedrockLogging, c.Region)
	if !ok {
		return &getInvocationLoggingOutput{}, nil
	}
	lc := v.(InvocationLoggingConfig)
	return &getInvocationLoggingOutput{LoggingConfig: &lc}, nil
}

func deleteInvocationLogging(c *Call, _ *struct{}) (*struct{}, error) {
	c.Store().Delete(KindBedrockLogging, c.Region)
	c.Server().invocationLogging.Store(len(c.Store().IDs(KindBedrockLogging)) > 0)
	return &struct{}{}, nil
}
