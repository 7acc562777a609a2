package awsops

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

// Bedrock model invocation logging: one configuration per account and Region.

// FindInvocationLogging returns the Region's logging configuration, or ErrNotFound when
// none is set.
func FindInvocationLogging(ctx context.Context, c *bedrock.Client) (*types.LoggingConfig, error) {
	out, err := c.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		return nil, err
	}
	if out.LoggingConfig == nil {
		return nil, ErrNotFound
	}
	return out.LoggingConfig, nil
}

// isDestinationNotReady reports Bedrock's refusal of a destination it cannot yet write
// to: a role or bucket policy that IAM or S3 has not propagated.
func isDestinationNotReady(err error) bool {
	return hasCode(err, "ValidationException") && strings.Contains(err.Error(), "Failed to validate permissions")
}

// PutInvocationLogging sets the Region's logging configuration, retrying while the
// destinations' permissions propagate (up to PropagationTimeout).
func PutInvocationLogging(ctx context.Context, c *bedrock.Client, cfg *types.LoggingConfig) error {
	return retry(ctx, "PutModelInvocationLoggingConfiguration", PropagationTimeout, isDestinationNotReady, func() error {
		_, err := c.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: cfg})
		return err
	})
}

// DeleteInvocationLogging turns logging off for the Region; it is idempotent.
func DeleteInvocationLogging(ctx context.Context, c *bedrock.Client) error {
	_, err := c.DeleteModelInvocationLoggingConfiguration(ctx, &bedrock.DeleteModelInvocationLoggingConfigurationInput{})
	return err
}
