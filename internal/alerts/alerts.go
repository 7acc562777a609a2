// Package alerts builds the documents behind a team's native AWS alerting: the AWS
// Budgets cost filter, the SNS topic policy that lets the AWS alerting services publish,
// the CloudWatch alarm definitions and the team dashboard's body. Everything here is pure
// (no AWS calls), so each document is pinned by a golden-file test.
//
// Metrics: Amazon Bedrock publishes its runtime metrics (Invocations, InputTokenCount,
// OutputTokenCount, InvocationLatency, InvocationThrottles, InvocationServerErrors,
// InvocationClientErrors) in the AWS/Bedrock namespace with one per-model dimension,
// ModelId. Which value a call through an application inference profile is reported under
// is not documented: the caller passes the profile's ARN (or its id), and AWS's runtime
// metrics page does not say which form ModelId carries. Priority and flex traffic is
// reported apart, under "model-id+priority" and "model-id+flex" (Bedrock user guide,
// "Service tiers for optimizing performance and cost"). So every alarm and graph here
// sums ModelIDs: both forms of the profile, each in every tier the model offers, so that
// no form or tier of a team's traffic can go unwatched.
package alerts

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Namespace and dimension of Amazon Bedrock's runtime metrics.
const (
	Namespace = "AWS/Bedrock"
	Dimension = "ModelId"
)

// Services that publish to a team's topic.
const (
	BudgetsService    = "budgets.amazonaws.com"
	CloudWatchService = "cloudwatch.amazonaws.com"
	CostAlertsService = "costalerts.amazonaws.com" // Cost Anomaly Detection
)

type policyDoc struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id,omitempty"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal"`
	Action    any            `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// TopicPolicy is the access policy of a team's SNS topic: the owning account keeps full
// control, and Budgets, CloudWatch and Cost Anomaly Detection may publish, each only on
// behalf of this account (aws:SourceAccount), which closes the confused-deputy path of a
// service publishing for someone else's budget or alarm.
func TopicPolicy(partition, account, topicARN string) string {
	ownerActions := []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
		"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"}
	doc := policyDoc{
		Version: "2012-10-17",
		ID:      "bedgov-team-topic",
		Statement: []policyStatement{{
			Sid: "OwnerFullControl", Effect: "Allow",
			Principal: map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)},
			Action:    ownerActions, Resource: topicARN,
		}},
	}
	for _, s := range []struct{ sid, service string }{
		{"BudgetsPublish", BudgetsService}, {"CloudWatchAlarmsPublish", CloudWatchService}, {"CostAnomalyDetectionPublish", CostAlertsService},
	} {
		doc.Statement = append(doc.Statement, policyStatement{
			Sid: s.sid, Effect: "Allow", Principal: map[string]any{"Service": s.service}, Action: "SNS:Publish", Resource: topicARN,
			Condition: map[string]any{"StringEquals": map[string]string{"aws:SourceAccount": account}},
		})
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// AlarmConfig is what a team asks to be alarmed on.
type AlarmConfig struct {
	OutputTokensPerHour int64 // 0: no burn-rate alarm
	Throttles           bool
	ServerErrors        bool
}

// Alarm kinds, the keys of a team's alarm_arns.
const (
	AlarmOutputTokens = "output_tokens"
	AlarmThrottles    = "throttles"
	AlarmServerErrors = "server_errors"
)

// Alarm is one CloudWatch metric alarm definition.
type Alarm struct {
	Kind, Name, Description string
	MetricName, Statistic   string
	Period                  int32
	EvaluationPeriods       int32
	Threshold               float64
	ComparisonOperator      string
	TreatMissingData        string
	ProfileARN              string
	// ModelIDs are the ModelId values the alarm sums (see ModelIDs).
	ModelIDs []string
}

// ModelIDs are the ModelId dimension values under which Bedrock may report a profile's
// traffic: the profile's ARN and its id (the last part of the ARN), each as is (standard
// tier) and with "+<tier>" for every service tier the model offers besides the standard
// one (tiers as in the pricing catalog: "priority", "flex").
func ModelIDs(profileARN string, tiers []string) []string {
	if profileARN == "" {
		return nil
	}
	forms := []string{profileARN}
	if i := strings.LastIndex(profileARN, "/"); i >= 0 && i < len(profileARN)-1 {
		forms = append(forms, profileARN[i+1:])
	}
	var out []string
	for _, f := range forms {
		out = append(out, f)
		for _, t := range tiers {
			out = append(out, f+"+"+t)
		}
	}
	return out
}

// MaxModelIDs is how many metrics one alarm may sum: a PutMetricAlarm takes at most 10
// MetricStat queries (CloudWatch API reference, MetricDataQuery).
const MaxModelIDs = 10

// AlarmName is bedgov-<team>-<kind with hyphens>.
func AlarmName(team, kind string) string {
	return "bedgov-" + team + "-" + strings.ReplaceAll(kind, "_", "-")
}

// Alarms are the alarms a team's configuration asks for, on its primary profile, in a
// fixed order.
func Alarms(team, profileARN string, tiers []string, cfg AlarmConfig) []Alarm {
	ids := ModelIDs(profileARN, tiers)
	var out []Alarm
	defer func() {
		for i := range out {
			out[i].ModelIDs = ids
		}
	}()
	if cfg.OutputTokensPerHour > 0 {
		out = append(out, Alarm{
			Kind: AlarmOutputTokens, Name: AlarmName(team, AlarmOutputTokens),
			Description: fmt.Sprintf("bedgov team %s: more than %d output tokens in an hour", team, cfg.OutputTokensPerHour),
			MetricName:  "OutputTokenCount", Statistic: "Sum", Period: 3600, EvaluationPeriods: 1,
			Threshold: float64(cfg.OutputTokensPerHour), ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching", ProfileARN: profileARN,
		})
	}
	if cfg.Throttles {
		out = append(out, Alarm{
			Kind: AlarmThrottles, Name: AlarmName(team, AlarmThrottles),
			Description: fmt.Sprintf("bedgov team %s: Bedrock throttled calls in the last 5 minutes", team),
			MetricName:  "InvocationThrottles", Statistic: "Sum", Period: 300, EvaluationPeriods: 1,
			Threshold: 0, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching", ProfileARN: profileARN,
		})
	}
	if cfg.ServerErrors {
		out = append(out, Alarm{
			Kind: AlarmServerErrors, Name: AlarmName(team, AlarmServerErrors),
			Description: fmt.Sprintf("bedgov team %s: Bedrock server errors in the last 5 minutes", team),
			MetricName:  "InvocationServerErrors", Statistic: "Sum", Period: 300, EvaluationPeriods: 1,
			Threshold: 0, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching", ProfileARN: profileARN,
		})
	}
	return out
}

// Profile is one of a team's inference profiles, as the dashboard shows it.
type Profile struct {
	Label string // "primary", "degraded"
	ARN   string
	// Tiers are the service tiers the profile's model offers besides the standard one.
	Tiers []string
}

// DashboardInput is what a team's dashboard shows.
type DashboardInput struct {
	Team, Region string
	Profiles     []Profile
	// MonthlyBudgetUSD is shown in the header when set ("" otherwise).
	MonthlyBudgetUSD string
	// Thresholds (notify, degrade, block, percent of the budget) mark the spend graph.
	Thresholds [3]int64
}

// EnforcerNamespace and EnforcerDimension are where the bedgov enforcer publishes its
// per-team metrics (embedded metric format): SpendPercent of the monthly cap, CostMicroUSD.
const (
	EnforcerNamespace = "Bedgov/Enforcer"
	EnforcerDimension = "Team"
)

type widget struct {
	Type       string         `json:"type"`
	X          int            `json:"x"`
	Y          int            `json:"y"`
	Width      int            `json:"width"`
	Height     int            `json:"height"`
	Properties map[string]any `json:"properties"`
}

// DashboardBody is the CloudWatch dashboard of a team: a header, then graphs of tokens in
// and out, invocations, latency, and throttles and errors for each of its profiles, and
// the team's spend against its cap as the enforcer reports it, marked at the thresholds.
func DashboardBody(in DashboardInput) string {
	header := fmt.Sprintf("# bedgov team %s\nBedrock usage through the team's application inference profiles: each line sums metric dimension %s over the profile's ARN and id, in every service tier its model offers.", in.Team, Dimension)
	if in.MonthlyBudgetUSD != "" {
		header += fmt.Sprintf(" Monthly budget: %s USD (AWS Budgets `bedgov-%s`).", in.MonthlyBudgetUSD, in.Team)
	}
	widgets := []widget{{Type: "text", X: 0, Y: 0, Width: 24, Height: 2, Properties: map[string]any{"markdown": header}}}
	graph := func(x, y int, title, stat string, metrics ...string) widget {
		// Each line is the sum of the metric under every ModelId form and tier of the
		// profile (hidden series m<p>_<m>_<i>, summed by expression e<p>_<m>).
		var lines []any
		for pi, p := range in.Profiles {
			for mi, m := range metrics {
				var ids []string
				for i, v := range ModelIDs(p.ARN, p.Tiers) {
					id := fmt.Sprintf("m%d_%d_%d", pi, mi, i)
					ids = append(ids, id)
					lines = append(lines, []any{Namespace, m, Dimension, v, map[string]any{"id": id, "visible": false, "stat": stat}})
				}
				lines = append(lines, []any{map[string]any{"expression": "SUM([" + strings.Join(ids, ",") + "])", "id": fmt.Sprintf("e%d_%d", pi, mi), "label": p.Label + " " + m}})
			}
		}
		return widget{Type: "metric", X: x, Y: y, Width: 12, Height: 6, Properties: map[string]any{
			"title": title, "view": "timeSeries", "stacked": false, "region": in.Region, "period": 300, "stat": stat, "metrics": lines,
		}}
	}
	widgets = append(widgets,
		graph(0, 2, "Tokens in and out", "Sum", "InputTokenCount", "OutputTokenCount"),
		graph(12, 2, "Invocations", "Sum", "Invocations"),
		graph(0, 8, "Latency (ms)", "Average", "InvocationLatency"),
		graph(12, 8, "Throttles and errors", "Sum", "InvocationThrottles", "InvocationServerErrors", "InvocationClientErrors"),
	)
	// Spend vs budget, as the enforcer counts it (empty until an enforcer serves the team).
	var marks []map[string]any
	for i, label := range []string{"notify", "degrade", "block"} {
		if in.Thresholds[i] > 0 {
			marks = append(marks, map[string]any{"label": label, "value": in.Thresholds[i]})
		}
	}
	spend := map[string]any{
		"title": "Spend vs budget (% of the monthly cap, from the bedgov enforcer)", "view": "timeSeries", "stacked": false,
		"region": in.Region, "period": 300, "stat": "Maximum",
		"metrics": [][]any{{EnforcerNamespace, "SpendPercent", EnforcerDimension, in.Team, map[string]any{"label": "spend %"}}},
		"yAxis":   map[string]any{"left": map[string]any{"min": 0}},
	}
	if len(marks) > 0 {
		spend["annotations"] = map[string]any{"horizontal": marks}
	}
	widgets = append(widgets, widget{Type: "metric", X: 0, Y: 14, Width: 24, Height: 6, Properties: spend})
	b, _ := json.Marshal(map[string]any{"widgets": widgets})
	return string(b)
}
