package localaws_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func TestSNSTopicLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := sns.NewFromConfig(cfg)
	ctx := context.Background()

	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"budgets.amazonaws.com"},"Action":"SNS:Publish","Resource":"*"}]}`
	out, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bedgov-a"), Attributes: map[string]string{"DisplayName": "team a"},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TopicArn)
	if arn != "arn:aws:sns:us-east-1:"+account+":bedgov-a" {
		t.Fatalf("topic ARN = %s", arn)
	}
	again, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bedgov-a"), Attributes: map[string]string{"DisplayName": "team a"}})
	if err != nil || aws.ToString(again.TopicArn) != arn {
		t.Fatalf("CreateTopic is idempotent: %v, %v", again, err)
	}
	_, err = c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bedgov-a"), Attributes: map[string]string{"DisplayName": "other"}})
	wantAPIError(t, err, "InvalidParameter")

	attrs, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil || attrs.Attributes["DisplayName"] != "team a" || !json.Valid([]byte(attrs.Attributes["Policy"])) || attrs.Attributes["TopicArn"] != arn {
		t.Fatalf("attributes = %v, %v", attrs, err)
	}
	if _, err := c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Policy"), AttributeValue: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Policy"), AttributeValue: aws.String("{not json")})
	wantAPIError(t, err, "InvalidParameter")
	attrs, _ = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if attrs.Attributes["Policy"] != policy {
		t.Fatalf("policy = %s", attrs.Attributes["Policy"])
	}

	// An email subscription waits for confirmation and cannot be deleted meanwhile.
	sub, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("lead@example.com"), ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	subARN := aws.ToString(sub.SubscriptionArn)
	plain, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("lead@example.com")})
	if err != nil || aws.ToString(plain.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("subscribe again = %v, %v", plain, err)
	}
	list, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil || len(list.Subscriptions) != 1 || aws.ToString(list.Subscriptions[0].SubscriptionArn) != "PendingConfirmation" {
		t.Fatalf("subscriptions = %+v, %v", list, err)
	}
	sa, err := c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &subARN})
	if err != nil || sa.Attributes["PendingConfirmation"] != "true" {
		t.Fatalf("subscription attributes = %v, %v", sa, err)
	}
	_, err = c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &subARN})
	wantAPIError(t, err, "InvalidParameter")
	if !localaws.ConfirmSNSSubscription(s.Store(), subARN) {
		t.Fatal("confirm failed")
	}
	list, _ = c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if aws.ToString(list.Subscriptions[0].SubscriptionArn) != subARN || aws.ToString(list.Subscriptions[0].Endpoint) != "lead@example.com" {
		t.Fatalf("confirmed subscription = %+v", list.Subscriptions[0])
	}
	if _, err := c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &subARN}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("not-an-address")})
	wantAPIError(t, err, "InvalidParameter")

	// Published messages are kept for tests.
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Subject: aws.String("budget"), Message: aws.String("80% reached")}); err != nil {
		t.Fatal(err)
	}
	msgs := localaws.PublishedMessages(s.Store(), arn)
	if len(msgs) != 1 || msgs[0].Message != "80% reached" || msgs[0].Subject != "budget" {
		t.Fatalf("messages = %+v", msgs)
	}

	if _, err := c.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}

	if _, err := c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	var nf *types.NotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("get deleted topic: %v", err)
	}
	if _, err := c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatalf("deleting a deleted topic succeeds in SNS: %v", err)
	}
}
