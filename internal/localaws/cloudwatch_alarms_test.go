package localaws_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
)

func alarmInput(name string, threshold float64) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("AWS/Bedrock"), MetricName: aws.String("OutputTokenCount"),
		Statistic: types.StatisticSum, Period: aws.Int32(3600), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(threshold),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("notBreaching"),
		Dimensions:   []types.Dimension{{Name: aws.String("ModelId"), Value: aws.String("arn:aws:bedrock:us-east-1:" + account + ":application-inference-profile/abc")}},
		AlarmActions: []string{"arn:aws:sns:us-east-1:" + account + ":t"},
		Tags:         []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	}
}

func TestCloudWatchAlarmLifecycle(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := cloudwatch.NewFromConfig(cfg)
	ctx := context.Background()

	if _, err := c.PutMetricAlarm(ctx, alarmInput("bedgov-a-tokens", 1000)); err != nil {
		t.Fatal(err)
	}
	// Same name: an update of the one alarm; tags in an update are ignored.
	in := alarmInput("bedgov-a-tokens", 2000)
	in.Tags = nil
	if _, err := c.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMetricAlarm(ctx, alarmInput("other", 1)); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"bedgov-a-tokens"}})
	if err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("describe = %+v, %v", out, err)
	}
	a := out.MetricAlarms[0]
	wantARN := "arn:aws:cloudwatch:us-east-1:" + account + ":alarm:bedgov-a-tokens"
	if aws.ToString(a.AlarmArn) != wantARN || aws.ToFloat64(a.Threshold) != 2000 || aws.ToInt32(a.Period) != 3600 ||
		len(a.Dimensions) != 1 || aws.ToString(a.Dimensions[0].Name) != "ModelId" || len(a.AlarmActions) != 1 || a.StateValue != types.StateValueInsufficientData {
		t.Fatalf("alarm = %+v", a)
	}
	prefixed, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("bedgov-")})
	if err != nil || len(prefixed.MetricAlarms) != 1 {
		t.Fatalf("by prefix = %+v, %v", prefixed, err)
	}
	tags, err := c.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(wantARN)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "a" {
		t.Fatalf("tags kept across the update = %+v, %v", tags, err)
	}
	if _, err := c.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: aws.String(wantARN), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &cloudwatch.UntagResourceInput{ResourceARN: aws.String(wantARN), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(wantARN)})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("tags = %+v", tags)
	}

	// Dashboards are taggable through the same operations.
	if _, err := c.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("d"), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
		t.Fatal(err)
	}
	dash := aws.String("arn:aws:cloudwatch::" + account + ":dashboard/d")
	if _, err := c.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: dash, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	if dt, err := c.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: dash}); err != nil || len(dt.Tags) != 1 {
		t.Fatalf("dashboard tags = %+v, %v", dt, err)
	}

	// Deleting with an unknown name deletes nothing.
	_, err = c.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"bedgov-a-tokens", "nope"}})
	var nf *types.ResourceNotFound
	if !asErr(err, &nf) {
		t.Fatalf("delete with unknown name: %v", err)
	}
	if _, err := c.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"bedgov-a-tokens"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"bedgov-a-tokens"}})
	if len(out.MetricAlarms) != 0 {
		t.Fatalf("alarm still there: %+v", out.MetricAlarms)
	}
	_, err = c.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(wantARN)})
	var rnf *types.ResourceNotFoundException
	if !asErr(err, &rnf) {
		t.Fatalf("tags of a deleted alarm: %v", err)
	}
}

func TestCloudWatchPutMetricAlarmValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := cloudwatch.NewFromConfig(cfg)
	cases := map[string]func(*cloudwatch.PutMetricAlarmInput){
		"period":  func(in *cloudwatch.PutMetricAlarmInput) { in.Period = aws.Int32(45) },
		"missing": func(in *cloudwatch.PutMetricAlarmInput) { in.TreatMissingData = aws.String("zero") },
		"action":  func(in *cloudwatch.PutMetricAlarmInput) { in.AlarmActions = []string{"not-an-arn"} },
	}
	for name, mutate := range cases {
		in := alarmInput("v", 1)
		mutate(in)
		_, err := c.PutMetricAlarm(context.Background(), in)
		var inv *types.InvalidParameterValueException
		if !asErr(err, &inv) || inv.ErrorCode() != "InvalidParameterValue" {
			t.Errorf("%s: error = %v, want InvalidParameterValue", name, err)
		}
	}
	// A statistic outside the model's enum fails AWS's request validation first:
	// ValidationError, as CloudWatch answers constraint failures (awsQuery code).
	in := alarmInput("v", 1)
	in.Statistic = "Median"
	_, err := c.PutMetricAlarm(context.Background(), in)
	var ae smithy.APIError
	if !asErr(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.Contains(ae.ErrorMessage(), "at 'statistic' failed to satisfy constraint: Member must satisfy enum value set") {
		t.Errorf("statistic: error = %v, want ValidationError", err)
	}
}

// A metric-math alarm: MetricStat queries summed by one expression that returns data,
// read back as sent; the API reference's rules on the Metrics array are enforced.
func TestCloudWatchMetricMathAlarm(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := cloudwatch.NewFromConfig(cfg)
	ctx := context.Background()
	stat := func(id, model string) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("AWS/Bedrock"), MetricName: aws.String("InvocationThrottles"),
				Dimensions: []types.Dimension{{Name: aws.String("ModelId"), Value: aws.String(model)}}},
			Period: aws.Int32(300), Stat: aws.String("Sum")}}
	}
	sum := types.MetricDataQuery{Id: aws.String("total"), Expression: aws.String("SUM(METRICS())"), ReturnData: aws.Bool(true)}
	in := func(metrics ...types.MetricDataQuery) *cloudwatch.PutMetricAlarmInput {
		return &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("math"), Metrics: metrics, EvaluationPeriods: aws.Int32(1),
			Threshold: aws.Float64(0), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold}
	}
	if _, err := c.PutMetricAlarm(ctx, in(stat("m0", "p"), stat("m1", "p+flex"), sum)); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"math"}})
	if err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("describe = %+v, %v", out, err)
	}
	a := out.MetricAlarms[0]
	if a.MetricName != nil || len(a.Metrics) != 3 || aws.ToString(a.Metrics[1].MetricStat.Metric.Dimensions[0].Value) != "p+flex" ||
		aws.ToString(a.Metrics[2].Expression) != "SUM(METRICS())" {
		t.Fatalf("alarm = %+v", a)
	}
	eleven := []types.MetricDataQuery{}
	for i := 0; i < 11; i++ {
		eleven = append(eleven, stat(fmt.Sprintf("m%d", i), "p"))
	}
	both := stat("m0", "p")
	both.Expression = aws.String("m0")
	withName := in(stat("m0", "p"), sum)
	withName.MetricName = aws.String("InvocationThrottles")
	for name, bad := range map[string]*cloudwatch.PutMetricAlarmInput{
		"no expression returns data": in(stat("m0", "p")),
		"two return data":            in(stat("m0", "p"), sum, types.MetricDataQuery{Id: aws.String("e2"), Expression: aws.String("m0"), ReturnData: aws.Bool(true)}),
		"11 MetricStat":              in(append(eleven, sum)...),
		"MetricStat and Expression":  in(both, sum),
		"upper-case id":              in(stat("M0", "p"), sum),
		"MetricName beside Metrics":  withName,
	} {
		var ae smithy.APIError
		if _, err := c.PutMetricAlarm(ctx, bad); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
			t.Errorf("%s: err = %v, want InvalidParameterValue", name, err)
		}
	}
}

// A single-metric alarm gets the checks every alarm shares (storeAlarm): the threshold
// and the missing-data treatment.
func TestCloudWatchMetricAlarmSharedChecks(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := cloudwatch.NewFromConfig(cfg)
	noThreshold := alarmInput("a", 1)
	noThreshold.Threshold = nil
	badMissing := alarmInput("a", 1)
	badMissing.TreatMissingData = aws.String("sometimes")
	for name, tc := range map[string]struct {
		in   *cloudwatch.PutMetricAlarmInput
		code string
	}{"no threshold": {noThreshold, "MissingParameter"}, "bad missing data": {badMissing, "InvalidParameterValue"}} {
		_, err := c.PutMetricAlarm(context.Background(), tc.in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
			t.Errorf("%s: err = %v, want %s", name, err, tc.code)
		}
	}
	out, err := c.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{})
	if err != nil || len(out.MetricAlarms) != 0 {
		t.Fatalf("describe = %+v, %v; want no alarm stored", out, err)
	}
}
