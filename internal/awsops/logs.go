package awsops

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// CreateLogGroup creates a log group with a retention and tags; one that already exists
// is adopted (its retention and tags are set).
func CreateLogGroup(ctx context.Context, c *cloudwatchlogs.Client, name string, retentionDays int32, tags map[string]string) error {
	tflog.Debug(ctx, "creating log group", map[string]any{"log_group": name, "retention_days": retentionDays})
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: tags})
	if err != nil && !hasCode(err, "ResourceAlreadyExistsException") {
		return err
	}
	return SetLogRetention(ctx, c, name, retentionDays)
}

// SetLogRetention sets a log group's retention.
func SetLogRetention(ctx context.Context, c *cloudwatchlogs.Client, name string, days int32) error {
	_, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(days)})
	return err
}

// FindLogGroup returns a log group by exact name, or ErrNotFound.
func FindLogGroup(ctx context.Context, c *cloudwatchlogs.Client, name string) (*types.LogGroup, error) {
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i := range page.LogGroups {
			if aws.ToString(page.LogGroups[i].LogGroupName) == name {
				return &page.LogGroups[i], nil
			}
		}
	}
	return nil, ErrNotFound
}

// DeleteLogGroup deletes a log group; already gone is done.
func DeleteLogGroup(ctx context.Context, c *cloudwatchlogs.Client, name string) error {
	tflog.Debug(ctx, "deleting log group", map[string]any{"log_group": name})
	_, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)})
	if hasCode(err, "ResourceNotFoundException") {
		return nil
	}
	return err
}

// LogGroupTagger tags log groups by ARN, with or without the ":*" suffix.
func LogGroupTagger(c *cloudwatchlogs.Client) Tagger {
	return Tagger{Service: "logs",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return LogGroupTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(strings.TrimSuffix(arn, ":*")), Tags: set})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String(strings.TrimSuffix(arn, ":*")), TagKeys: keys})
			return err
		},
	}
}

// LogGroupTags lists a log group's tags (by its ARN, with or without the ":*" suffix).
func LogGroupTags(ctx context.Context, c *cloudwatchlogs.Client, logGroupARN string) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(strings.TrimSuffix(logGroupARN, ":*"))})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Tags, nil
}
