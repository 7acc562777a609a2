package awsops

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/alerts"
)

// CloudWatch: metric alarms and dashboards. PutMetricAlarm and PutDashboard create or
// replace, so a retried step converges; the SDK retries CloudWatch throttling itself.

// PutAlarm creates or updates a metric alarm on a profile's AWS/Bedrock metric, notifying
// topicARN. Tags apply when the alarm is created (CloudWatch ignores them on update).
func PutAlarm(ctx context.Context, c *cloudwatch.Client, a alerts.Alarm, topicARN string, tags map[string]string) error {
	tflog.Debug(ctx, "putting CloudWatch alarm", map[string]any{"alarm": a.Name, "metric": a.MetricName, "threshold": a.Threshold})
	// A metric-math alarm summing the metric under every ModelId the team's traffic may
	// be reported under (alerts.ModelIDs): SUM(METRICS()) is one time series, as an
	// alarm's expression must be (CloudWatch API reference, MetricDataQuery).
	var queries []types.MetricDataQuery
	for i, v := range a.ModelIDs {
		queries = append(queries, types.MetricDataQuery{
			Id: aws.String(fmt.Sprintf("m%d", i)), ReturnData: aws.Bool(false),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String(alerts.Namespace), MetricName: aws.String(a.MetricName),
					Dimensions: []types.Dimension{{Name: aws.String(alerts.Dimension), Value: aws.String(v)}}},
				Period: aws.Int32(a.Period), Stat: aws.String(a.Statistic),
			},
		})
	}
	queries = append(queries, types.MetricDataQuery{Id: aws.String("total"), Expression: aws.String("SUM(METRICS())"),
		Label: aws.String(a.MetricName), ReturnData: aws.Bool(true)})
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(a.Name), AlarmDescription: aws.String(a.Description), ActionsEnabled: aws.Bool(true),
		Metrics:           queries,
		EvaluationPeriods: aws.Int32(a.EvaluationPeriods), Threshold: aws.Float64(a.Threshold),
		ComparisonOperator: types.ComparisonOperator(a.ComparisonOperator), TreatMissingData: aws.String(a.TreatMissingData),
		Tags: cwTags(tags),
	}
	if topicARN != "" {
		in.AlarmActions = []string{topicARN}
	}
	_, err := c.PutMetricAlarm(ctx, in)
	return err
}

// FindAlarm returns a metric alarm by name, or ErrNotFound.
func FindAlarm(ctx context.Context, c *cloudwatch.Client, name string) (*types.MetricAlarm, error) {
	out, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}, AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm}})
	if err != nil {
		return nil, err
	}
	for i := range out.MetricAlarms {
		if aws.ToString(out.MetricAlarms[i].AlarmName) == name {
			return &out.MetricAlarms[i], nil
		}
	}
	return nil, wrapNotFound(fmt.Errorf("CloudWatch alarm %s does not exist", name))
}

// DeleteAlarm deletes a metric alarm; already gone is done.
func DeleteAlarm(ctx context.Context, c *cloudwatch.Client, name string) error {
	tflog.Debug(ctx, "deleting CloudWatch alarm", map[string]any{"alarm": name})
	_, err := c.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name}})
	if hasCode(err, "ResourceNotFound", "ResourceNotFoundException") {
		return nil
	}
	return err
}

// PutDashboard creates or replaces a dashboard. CloudWatch answers a body it accepts with
// warnings as validation messages; those are an error here, since the body is ours.
func PutDashboard(ctx context.Context, c *cloudwatch.Client, name, body string, tags map[string]string) error {
	tflog.Debug(ctx, "putting CloudWatch dashboard", map[string]any{"dashboard": name, "bytes": len(body)})
	out, err := c.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String(name), DashboardBody: aws.String(body), Tags: cwTags(tags)})
	if err != nil {
		return err
	}
	if len(out.DashboardValidationMessages) > 0 {
		m := out.DashboardValidationMessages[0]
		return fmt.Errorf("CloudWatch found the dashboard body invalid at %s: %s", aws.ToString(m.DataPath), aws.ToString(m.Message))
	}
	return nil
}

// FindDashboard returns a dashboard's body, or ErrNotFound.
func FindDashboard(ctx context.Context, c *cloudwatch.Client, name string) (string, error) {
	out, err := c.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String(name)})
	if err != nil {
		if hasCode(err, "ResourceNotFound", "DashboardNotFoundError") {
			return "", wrapNotFound(err)
		}
		return "", err
	}
	return aws.ToString(out.DashboardBody), nil
}

// DeleteDashboard deletes a dashboard; already gone is done.
func DeleteDashboard(ctx context.Context, c *cloudwatch.Client, name string) error {
	tflog.Debug(ctx, "deleting CloudWatch dashboard", map[string]any{"dashboard": name})
	_, err := c.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{name}})
	if hasCode(err, "ResourceNotFound", "DashboardNotFoundError") {
		return nil
	}
	return err
}

// CloudWatchTags lists the tags of an alarm or dashboard.
func CloudWatchTags(ctx context.Context, c *cloudwatch.Client, resourceARN string) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(resourceARN)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException", "ResourceNotFound") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return tagMap(out.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

// CloudWatchTagger tags CloudWatch alarms and dashboards by ARN. (PutDashboard ignores
// the tags of a call that updates: tag a dashboard through this.)
func CloudWatchTagger(c *cloudwatch.Client) Tagger {
	return Tagger{Service: "cloudwatch",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return CloudWatchTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: aws.String(arn), Tags: cwTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &cloudwatch.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

func cwTags(tags map[string]string) []types.Tag {
	if len(tags) == 0 {
		return nil
	}
	return tagList(tags, func(k, v *string) types.Tag { return types.Tag{Key: k, Value: v} })
}

// Alarm is what bedgov reads back of a metric alarm.
type Alarm struct {
	Name string
	// ModelIDs are the ModelId values of the alarm's AWS/Bedrock metrics, in order.
	ModelIDs  []string
	Threshold float64
	Actions   []string
}

// Matches reports whether the alarm still watches profileARN and notifies topicARN (when
// given).
func (a Alarm) Matches(modelIDs []string, topicARN string) bool {
	if !slices.Equal(a.ModelIDs, modelIDs) {
		return false
	}
	if topicARN == "" {
		return true
	}
	for _, act := range a.Actions {
		if act == topicARN {
			return true
		}
	}
	return false
}

// FindAlarmsByPrefix returns the metric alarms whose names start with prefix, by name, in
// one paginated call.
func FindAlarmsByPrefix(ctx context.Context, c *cloudwatch.Client, prefix string) (map[string]Alarm, error) {
	found := map[string]Alarm{}
	p := cloudwatch.NewDescribeAlarmsPaginator(c, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(prefix), AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range page.MetricAlarms {
			a := Alarm{Name: aws.ToString(m.AlarmName), Threshold: aws.ToFloat64(m.Threshold), Actions: m.AlarmActions}
			for _, q := range m.Metrics {
				if q.MetricStat == nil || q.MetricStat.Metric == nil || aws.ToString(q.MetricStat.Metric.Namespace) != alerts.Namespace {
					continue
				}
				for _, d := range q.MetricStat.Metric.Dimensions {
					if aws.ToString(d.Name) == alerts.Dimension {
						a.ModelIDs = append(a.ModelIDs, aws.ToString(d.Value))
					}
				}
			}
			found[a.Name] = a
		}
	}
	return found, nil
}
