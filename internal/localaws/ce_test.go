package localaws_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
)

func TestCostAnomalyLifecycle(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := costexplorer.NewFromConfig(cfg)
	ctx := context.Background()
	topic := "arn:aws:sns:us-east-1:" + account + ":bedgov-a"

	_, err := c.CreateAnomalyMonitor(ctx, &costexplorer.CreateAnomalyMonitorInput{AnomalyMonitor: &types.AnomalyMonitor{
		MonitorName: aws.String("m"), MonitorType: types.MonitorTypeCustom}})
	wantAPIError(t, err, "ValidationException")

	mon, err := c.CreateAnomalyMonitor(ctx, &costexplorer.CreateAnomalyMonitorInput{
		AnomalyMonitor: &types.AnomalyMonitor{MonitorName: aws.String("bedgov-a"), MonitorType: types.MonitorTypeCustom,
			MonitorSpecification: &types.Expression{Tags: &types.TagValues{Key: aws.String("team"), Values: []string{"a"}, MatchOptions: []types.MatchOption{types.MatchOptionEquals}}}},
		ResourceTags: []types.ResourceTag{{Key: aws.String("team"), Value: aws.String("a")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	monARN := aws.ToString(mon.MonitorArn)
	got, err := c.GetAnomalyMonitors(ctx, &costexplorer.GetAnomalyMonitorsInput{MonitorArnList: []string{monARN}})
	if err != nil || len(got.AnomalyMonitors) != 1 || got.AnomalyMonitors[0].MonitorSpecification.Tags.Values[0] != "a" {
		t.Fatalf("monitor = %+v, %v", got, err)
	}

	threshold := func(usd string) *types.Expression {
		return &types.Expression{Dimensions: &types.DimensionValues{Key: types.DimensionAnomalyTotalImpactAbsolute, Values: []string{usd},
			MatchOptions: []types.MatchOption{types.MatchOptionGreaterThanOrEqual}}}
	}
	_, err = c.CreateAnomalySubscription(ctx, &costexplorer.CreateAnomalySubscriptionInput{AnomalySubscription: &types.AnomalySubscription{
		SubscriptionName: aws.String("s"), MonitorArnList: []string{monARN}, Frequency: types.AnomalySubscriptionFrequencyImmediate,
		Subscribers: []types.Subscriber{{Type: types.SubscriberTypeEmail, Address: aws.String("a@example.com")}}, ThresholdExpression: threshold("100")}})
	wantAPIError(t, err, "ValidationException")

	sub, err := c.CreateAnomalySubscription(ctx, &costexplorer.CreateAnomalySubscriptionInput{AnomalySubscription: &types.AnomalySubscription{
		SubscriptionName: aws.String("bedgov-a"), MonitorArnList: []string{monARN}, Frequency: types.AnomalySubscriptionFrequencyImmediate,
		Subscribers: []types.Subscriber{{Type: types.SubscriberTypeSns, Address: aws.String(topic)}}, ThresholdExpression: threshold("100")}})
	if err != nil {
		t.Fatal(err)
	}
	subARN := aws.ToString(sub.SubscriptionArn)
	if _, err := c.UpdateAnomalySubscription(ctx, &costexplorer.UpdateAnomalySubscriptionInput{SubscriptionArn: &subARN, ThresholdExpression: threshold("250")}); err != nil {
		t.Fatal(err)
	}
	subs, err := c.GetAnomalySubscriptions(ctx, &costexplorer.GetAnomalySubscriptionsInput{SubscriptionArnList: []string{subARN}})
	if err != nil || len(subs.AnomalySubscriptions) != 1 {
		t.Fatalf("subscriptions = %+v, %v", subs, err)
	}
	s := subs.AnomalySubscriptions[0]
	if s.ThresholdExpression.Dimensions.Values[0] != "250" || s.Subscribers[0].Status != types.SubscriberStatusConfirmed || s.MonitorArnList[0] != monARN {
		t.Fatalf("subscription = %+v", s)
	}
	tags, err := c.ListTagsForResource(ctx, &costexplorer.ListTagsForResourceInput{ResourceArn: &monARN})
	if err != nil || len(tags.ResourceTags) != 1 {
		t.Fatalf("monitor tags = %+v, %v", tags, err)
	}

	if _, err := c.DeleteAnomalySubscription(ctx, &costexplorer.DeleteAnomalySubscriptionInput{SubscriptionArn: &subARN}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAnomalySubscriptions(ctx, &costexplorer.GetAnomalySubscriptionsInput{SubscriptionArnList: []string{subARN}})
	var us *types.UnknownSubscriptionException
	if !asErr(err, &us) {
		t.Fatalf("get deleted subscription: %v", err)
	}
	if _, err := c.DeleteAnomalyMonitor(ctx, &costexplorer.DeleteAnomalyMonitorInput{MonitorArn: &monARN}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteAnomalyMonitor(ctx, &costexplorer.DeleteAnomalyMonitorInput{MonitorArn: &monARN})
	var um *types.UnknownMonitorException
	if !asErr(err, &um) {
		t.Fatalf("delete deleted monitor: %v", err)
	}
}
