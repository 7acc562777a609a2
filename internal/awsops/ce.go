package awsops

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Cost Anomaly Detection. Cost Explorer throttles with LimitExceededException, which the
// SDK does not treat as throttling; these steps retry it themselves.

// ceThrottleTimeout bounds the retries of a throttled Cost Explorer call.
var ceThrottleTimeout = PropagationTimeout

func isCEThrottle(err error) bool {
	return hasCode(err, "LimitExceededException", "ThrottlingException")
}

// CreateAnomalyMonitor creates a CUSTOM monitor of the costs tagged tagKey=value.
func CreateAnomalyMonitor(ctx context.Context, c *costexplorer.Client, name, tagKey, value string, tags map[string]string) (string, error) {
	in := &costexplorer.CreateAnomalyMonitorInput{
		AnomalyMonitor: &types.AnomalyMonitor{
			MonitorName: aws.String(name), MonitorType: types.MonitorTypeCustom,
			MonitorSpecification: &types.Expression{Tags: &types.TagValues{Key: aws.String(tagKey), Values: []string{value}, MatchOptions: []types.MatchOption{types.MatchOptionEquals}}},
		},
		ResourceTags: ceTags(tags),
	}
	var out *costexplorer.CreateAnomalyMonitorOutput
	tflog.Debug(ctx, "creating Cost Anomaly Detection monitor", map[string]any{"name": name})
	err := retry(ctx, "ce.CreateAnomalyMonitor", ceThrottleTimeout, isCEThrottle, func() (err error) {
		out, err = c.CreateAnomalyMonitor(ctx, in)
		return err
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.MonitorArn), nil
}

// FindAnomalyMonitor returns a monitor by ARN, or ErrNotFound.
func FindAnomalyMonitor(ctx context.Context, c *costexplorer.Client, arn string) (*types.AnomalyMonitor, error) {
	var out *costexplorer.GetAnomalyMonitorsOutput
	err := retry(ctx, "ce.GetAnomalyMonitors", ceThrottleTimeout, isCEThrottle, func() (err error) {
		out, err = c.GetAnomalyMonitors(ctx, &costexplorer.GetAnomalyMonitorsInput{MonitorArnList: []string{arn}})
		return err
	})
	if err != nil {
		if hasCode(err, "UnknownMonitorException", "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	for i := range out.AnomalyMonitors {
		if aws.ToString(out.AnomalyMonitors[i].MonitorArn) == arn {
			return &out.AnomalyMonitors[i], nil
		}
	}
	return nil, ErrNotFound
}

// DeleteAnomalyMonitor deletes a monitor; already gone is done.
func DeleteAnomalyMonitor(ctx context.Context, c *costexplorer.Client, arn string) error {
	tflog.Debug(ctx, "deleting Cost Anomaly Detection monitor", map[string]any{"arn": arn})
	err := retry(ctx, "ce.DeleteAnomalyMonitor", ceThrottleTimeout, isCEThrottle, func() error {
		_, err := c.DeleteAnomalyMonitor(ctx, &costexplorer.DeleteAnomalyMonitorInput{MonitorArn: aws.String(arn)})
		return err
	})
	if hasCode(err, "UnknownMonitorException", "ResourceNotFoundException") {
		return nil
	}
	return err
}

// thresholdExpression alerts on anomalies whose total impact is at least usd dollars.
func thresholdExpression(usd float64) *types.Expression {
	return &types.Expression{Dimensions: &types.DimensionValues{
		Key:          types.DimensionAnomalyTotalImpactAbsolute,
		Values:       []string{strconv.FormatFloat(usd, 'f', -1, 64)},
		MatchOptions: []types.MatchOption{types.MatchOptionGreaterThanOrEqual},
	}}
}

// CreateAnomalySubscription subscribes topicARN, immediately, to the monitor's anomalies
// with a total impact of at least thresholdUSD.
func CreateAnomalySubscription(ctx context.Context, c *costexplorer.Client, name, monitorARN, topicARN string, thresholdUSD float64, tags map[string]string) (string, error) {
	in := &costexplorer.CreateAnomalySubscriptionInput{
		AnomalySubscription: &types.AnomalySubscription{
			SubscriptionName: aws.String(name), MonitorArnList: []string{monitorARN}, Frequency: types.AnomalySubscriptionFrequencyImmediate,
			Subscribers:         []types.Subscriber{{Type: types.SubscriberTypeSns, Address: aws.String(topicARN)}},
			ThresholdExpression: thresholdExpression(thresholdUSD),
		},
		ResourceTags: ceTags(tags),
	}
	var out *costexplorer.CreateAnomalySubscriptionOutput
	tflog.Debug(ctx, "creating Cost Anomaly Detection subscription", map[string]any{"name": name, "threshold_usd": thresholdUSD})
	err := retry(ctx, "ce.CreateAnomalySubscription", ceThrottleTimeout, isCEThrottle, func() (err error) {
		out, err = c.CreateAnomalySubscription(ctx, in)
		return err
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SubscriptionArn), nil
}

// UpdateAnomalySubscription sets a subscription's threshold and topic.
func UpdateAnomalySubscription(ctx context.Context, c *costexplorer.Client, arn, topicARN string, thresholdUSD float64) error {
	tflog.Debug(ctx, "updating Cost Anomaly Detection subscription", map[string]any{"arn": arn, "threshold_usd": thresholdUSD})
	return retry(ctx, "ce.UpdateAnomalySubscription", ceThrottleTimeout, isCEThrottle, func() error {
		_, err := c.UpdateAnomalySubscription(ctx, &costexplorer.UpdateAnomalySubscriptionInput{
			SubscriptionArn: aws.String(arn), ThresholdExpression: thresholdExpression(thresholdUSD),
			Subscribers: []types.Subscriber{{Type: types.SubscriberTypeSns, Address: aws.String(topicARN)}},
		})
		return err
	})
}

// AnomalySubscription is what bedgov reads back of a subscription.
type AnomalySubscription struct {
	ThresholdUSD float64
	TopicARN     string
	MonitorARNs  []string
}

// FindAnomalySubscription returns a subscription by ARN, or ErrNotFound.
func FindAnomalySubscription(ctx context.Context, c *costexplorer.Client, arn string) (*AnomalySubscription, error) {
	var out *costexplorer.GetAnomalySubscriptionsOutput
	err := retry(ctx, "ce.GetAnomalySubscriptions", ceThrottleTimeout, isCEThrottle, func() (err error) {
		out, err = c.GetAnomalySubscriptions(ctx, &costexplorer.GetAnomalySubscriptionsInput{SubscriptionArnList: []string{arn}})
		return err
	})
	if err != nil {
		if hasCode(err, "UnknownSubscriptionException", "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	for _, s := range out.AnomalySubscriptions {
		if aws.ToString(s.SubscriptionArn) != arn {
			continue
		}
		sub := &AnomalySubscription{MonitorARNs: s.MonitorArnList}
		if s.ThresholdExpression != nil && s.ThresholdExpression.Dimensions != nil && len(s.ThresholdExpression.Dimensions.Values) > 0 {
			sub.ThresholdUSD, _ = strconv.ParseFloat(s.ThresholdExpression.Dimensions.Values[0], 64)
		} else if s.Threshold != nil { //nolint:staticcheck // older subscriptions carry only the deprecated Threshold
			sub.ThresholdUSD = *s.Threshold //nolint:staticcheck // as above
		}
		for _, sb := range s.Subscribers {
			if sb.Type == types.SubscriberTypeSns {
				sub.TopicARN = aws.ToString(sb.Address)
			}
		}
		return sub, nil
	}
	return nil, ErrNotFound
}

// DeleteAnomalySubscription deletes a subscription; already gone is done.
func DeleteAnomalySubscription(ctx context.Context, c *costexplorer.Client, arn string) error {
	tflog.Debug(ctx, "deleting Cost Anomaly Detection subscription", map[string]any{"arn": arn})
	err := retry(ctx, "ce.DeleteAnomalySubscription", ceThrottleTimeout, isCEThrottle, func() error {
		_, err := c.DeleteAnomalySubscription(ctx, &costexplorer.DeleteAnomalySubscriptionInput{SubscriptionArn: aws.String(arn)})
		return err
	})
	if hasCode(err, "UnknownSubscriptionException", "ResourceNotFoundException") {
		return nil
	}
	return err
}

// FindAnomalyMonitorByName finds a monitor by name (for import), or ErrNotFound.
func FindAnomalyMonitorByName(ctx context.Context, c *costexplorer.Client, name string) (*types.AnomalyMonitor, error) {
	p := costexplorer.NewGetAnomalyMonitorsPaginator(c, &costexplorer.GetAnomalyMonitorsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i := range page.AnomalyMonitors {
			if aws.ToString(page.AnomalyMonitors[i].MonitorName) == name {
				return &page.AnomalyMonitors[i], nil
			}
		}
	}
	return nil, ErrNotFound
}

// FindAnomalySubscriptionByName finds a subscription of a monitor by name (for import).
func FindAnomalySubscriptionByName(ctx context.Context, c *costexplorer.Client, monitorARN, name string) (string, error) {
	p := costexplorer.NewGetAnomalySubscriptionsPaginator(c, &costexplorer.GetAnomalySubscriptionsInput{MonitorArn: aws.String(monitorARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, s := range page.AnomalySubscriptions {
			if aws.ToString(s.SubscriptionName) == name {
				return aws.ToString(s.SubscriptionArn), nil
			}
		}
	}
	return "", ErrNotFound
}

func ceTags(tags map[string]string) []types.ResourceTag {
	return tagList(tags, func(k, v *string) types.ResourceTag { return types.ResourceTag{Key: k, Value: v} })
}

// CostExplorerTags lists the tags of an anomaly monitor or subscription.
func CostExplorerTags(ctx context.Context, c *costexplorer.Client, arn string) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &costexplorer.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return tagMap(out.ResourceTags, func(t types.ResourceTag) (*string, *string) { return t.Key, t.Value }), nil
}

// AnomalyTagger tags Cost Explorer anomaly monitors and subscriptions by ARN.
func AnomalyTagger(c *costexplorer.Client) Tagger {
	return Tagger{Service: "ce",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return CostExplorerTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &costexplorer.TagResourceInput{ResourceArn: aws.String(arn), ResourceTags: ceTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &costexplorer.UntagResourceInput{ResourceArn: aws.String(arn), ResourceTagKeys: keys})
			return err
		},
	}
}
