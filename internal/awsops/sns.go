package awsops

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// SNS: the SDK retries SNS's Throttling code itself.

// CreateTopic creates a standard topic with its access policy and tags, and returns its
// ARN. CreateTopic is idempotent by name, so a retried create returns the same topic.
func CreateTopic(ctx context.Context, c *sns.Client, name, policy string, tags map[string]string) (string, error) {
	tflog.Debug(ctx, "creating SNS topic", map[string]any{"name": name})
	out, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Tags: snsTags(tags)})
	retag := false
	if err != nil && hasCode(err, "InvalidParameter") && strings.Contains(err.Error(), "different tags") {
		// The topic exists with other tags (a create whose response was lost, or tags
		// changed since): take it over and set its tags.
		tflog.Debug(ctx, "SNS topic exists with other tags; taking it over", map[string]any{"name": name})
		out, err = c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
		retag = true
	}
	if err != nil {
		return "", err
	}
	arn := aws.ToString(out.TopicArn)
	if retag {
		if err := SyncTags(ctx, TopicTagger(c), arn, tags); err != nil {
			return arn, err
		}
	}
	if err := SetTopicPolicy(ctx, c, arn, policy); err != nil {
		return arn, err
	}
	return arn, nil
}

// SetTopicPolicy replaces a topic's access policy.
func SetTopicPolicy(ctx context.Context, c *sns.Client, topicARN, policy string) error {
	tflog.Debug(ctx, "setting SNS topic policy", map[string]any{"topic": topicARN})
	_, err := c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(topicARN), AttributeName: aws.String("Policy"), AttributeValue: aws.String(policy)})
	if hasCode(err, "NotFound") {
		return wrapNotFound(err)
	}
	return err
}

// FindTopic returns a topic's attributes, or ErrNotFound.
func FindTopic(ctx context.Context, c *sns.Client, topicARN string) (map[string]string, error) {
	out, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
	if err != nil {
		if hasCode(err, "NotFound") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Attributes, nil
}

// DeleteTopic deletes a topic and its subscriptions; already gone is done.
func DeleteTopic(ctx context.Context, c *sns.Client, topicARN string) error {
	tflog.Debug(ctx, "deleting SNS topic", map[string]any{"topic": topicARN})
	_, err := c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(topicARN)})
	if hasCode(err, "NotFound") {
		return nil
	}
	return err
}

// EmailSubscription is a topic's subscription of one email address.
type EmailSubscription struct {
	ARN     string // "PendingConfirmation" while pending
	Pending bool
}

// EmailSubscriptions lists a topic's email subscriptions by address.
func EmailSubscriptions(ctx context.Context, c *sns.Client, topicARN string) (map[string]EmailSubscription, error) {
	subs := map[string]EmailSubscription{}
	p := sns.NewListSubscriptionsByTopicPaginator(c, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if hasCode(err, "NotFound") {
				return nil, wrapNotFound(err)
			}
			return nil, err
		}
		for _, s := range page.Subscriptions {
			if aws.ToString(s.Protocol) != "email" {
				continue
			}
			arn := aws.ToString(s.SubscriptionArn)
			subs[aws.ToString(s.Endpoint)] = EmailSubscription{ARN: arn, Pending: !strings.HasPrefix(arn, "arn:")}
		}
	}
	return subs, nil
}

// SubscribeEmail subscribes an address to a topic (SNS sends it a confirmation email).
func SubscribeEmail(ctx context.Context, c *sns.Client, topicARN, email string) error {
	tflog.Debug(ctx, "subscribing an email address to the SNS topic", map[string]any{"topic": topicARN})
	_, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("email"), Endpoint: aws.String(email)})
	return err
}

// Unsubscribe deletes a confirmed subscription; gone is done. A subscription still
// pending confirmation cannot be deleted in SNS (it expires after three days): that is
// reported as done too, with a debug line.
func Unsubscribe(ctx context.Context, c *sns.Client, sub EmailSubscription) error {
	if sub.Pending {
		tflog.Debug(ctx, "an SNS subscription pending confirmation cannot be deleted; it expires after three days")
		return nil
	}
	tflog.Debug(ctx, "unsubscribing from the SNS topic", map[string]any{"subscription": sub.ARN})
	_, err := c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(sub.ARN)})
	if hasCode(err, "NotFound") {
		return nil
	}
	if err != nil && strings.Contains(err.Error(), "pending confirmation") {
		return nil
	}
	return err
}

// TopicTags lists a topic's tags.
func TopicTags(ctx context.Context, c *sns.Client, topicARN string) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(topicARN)})
	if err != nil {
		if hasCode(err, "ResourceNotFound", "NotFound") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return tagMap(out.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

// TopicTagger tags SNS topics by ARN.
func TopicTagger(c *sns.Client) Tagger {
	return Tagger{Service: "sns",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return TopicTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: snsTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

func snsTags(tags map[string]string) []types.Tag {
	return tagList(tags, func(k, v *string) types.Tag { return types.Tag{Key: k, Value: v} })
}
