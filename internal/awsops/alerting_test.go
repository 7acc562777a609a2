package awsops_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	budgettypes "github.com/aws/aws-sdk-go-v2/service/budgets/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/bedgov/terraform-provider-bedgov/internal/alerts"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const acct = localaws.DefaultAccount

func teamBudget(name, amount string) budgettypes.Budget {
	return budgettypes.Budget{BudgetName: aws.String(name), BudgetType: budgettypes.BudgetTypeCost, TimeUnit: budgettypes.TimeUnitMonthly,
		BudgetLimit: &budgettypes.Spend{Amount: aws.String(amount), Unit: aws.String("USD")},
		// The form the provider uses (budgetFilterExpression and budgetMetrics).
		FilterExpression: &budgettypes.Expression{Tags: &budgettypes.TagValues{
			Key: aws.String("team"), Values: []string{"t"}, MatchOptions: []budgettypes.MatchOption{budgettypes.MatchOptionEquals},
		}},
		Metrics: []budgettypes.Metric{budgettypes.MetricUnblendedCost}}
}

func notes(topic string, emails []string, notify, degrade, block float64) []awsops.BudgetNotification {
	return []awsops.BudgetNotification{
		{Type: budgettypes.NotificationTypeActual, Threshold: notify, TopicARN: topic, Emails: emails},
		{Type: budgettypes.NotificationTypeActual, Threshold: degrade, TopicARN: topic, Emails: emails},
		{Type: budgettypes.NotificationTypeActual, Threshold: block, TopicARN: topic, Emails: emails},
		{Type: budgettypes.NotificationTypeForecasted, Threshold: block, TopicARN: topic, Emails: emails},
	}
}

// Threshold changes in any direction update the notifications in place, in an order
// that never collides with another notification's current threshold.
func TestSyncBudgetNotifications(t *testing.T) {
	t.Parallel()
	cfg := emulator(t)
	c := budgets.NewFromConfig(cfg)
	ctx := context.Background()
	topic := "arn:aws:sns:us-east-1:" + acct + ":bedgov-t"
	if err := awsops.CreateBudget(ctx, c, acct, teamBudget("bedgov-t", "100.00"), notes(topic, []string{"a@example.com"}, 50, 80, 100), nil); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		emails                 []string
		notify, degrade, block float64
	}{
		{[]string{"a@example.com"}, 80, 100, 120},                 // all up, onto each other's thresholds
		{[]string{"a@example.com"}, 10, 80, 100},                  // all down
		{[]string{"b@example.com", "c@example.com"}, 15, 70, 110}, // mixed, and the emails change
		{nil, 15, 70, 110}, // emails gone: the topic stays
	}
	for i, s := range steps {
		have, err := awsops.BudgetNotifications(ctx, c, acct, "bedgov-t")
		if err != nil {
			t.Fatal(err)
		}
		want := notes(topic, s.emails, s.notify, s.degrade, s.block)
		if err := awsops.SyncBudgetNotifications(ctx, c, acct, "bedgov-t", have, want); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, _ := awsops.BudgetNotifications(ctx, c, acct, "bedgov-t")
		if len(got) != 4 {
			t.Fatalf("step %d: %d notifications", i, len(got))
		}
		for _, w := range want {
			found := false
			for _, g := range got {
				if g.Type == w.Type && g.Threshold == w.Threshold && g.TopicARN == w.TopicARN && reflect.DeepEqual(g.Emails, w.Emails) {
					found = true
				}
			}
			if !found {
				t.Fatalf("step %d: %+v missing from %+v", i, w, got)
			}
		}
	}

	// A create that finds the budget already there takes it over.
	if err := awsops.CreateBudget(ctx, c, acct, teamBudget("bedgov-t", "250.00"), notes(topic, nil, 50, 80, 100), map[string]string{"team": "t"}); err != nil {
		t.Fatal(err)
	}
	b, err := awsops.FindBudget(ctx, c, acct, "bedgov-t")
	if err != nil || aws.ToString(b.BudgetLimit.Amount) != "250.00" {
		t.Fatalf("budget after takeover = %+v, %v", b, err)
	}
	if err := awsops.DeleteBudget(ctx, c, acct, "bedgov-t"); err != nil {
		t.Fatal(err)
	}
	if err := awsops.DeleteBudget(ctx, c, acct, "bedgov-t"); err != nil {
		t.Fatalf("deleting again must be done: %v", err)
	}
	if _, err := awsops.FindBudget(ctx, c, acct, "bedgov-t"); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted = %v", err)
	}
}

func TestTopicAndEmailSubscriptions(t *testing.T) {
	t.Parallel()
	c := sns.NewFromConfig(emulator(t))
	ctx := context.Background()
	arn, err := awsops.CreateTopic(ctx, c, "bedgov-t", alerts.TopicPolicy("aws", acct, "arn:aws:sns:us-east-1:"+acct+":bedgov-t"), map[string]string{"team": "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := awsops.SubscribeEmail(ctx, c, arn, "lead@example.com"); err != nil {
		t.Fatal(err)
	}
	subs, err := awsops.EmailSubscriptions(ctx, c, arn)
	if err != nil || len(subs) != 1 || !subs["lead@example.com"].Pending {
		t.Fatalf("subscriptions = %+v, %v", subs, err)
	}
	if err := awsops.Unsubscribe(ctx, c, subs["lead@example.com"]); err != nil {
		t.Fatalf("a pending subscription cannot be deleted and is left to expire: %v", err)
	}
	if err := awsops.DeleteTopic(ctx, c, arn); err != nil {
		t.Fatal(err)
	}
	if _, err := awsops.FindTopic(ctx, c, arn); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted topic = %v", err)
	}
	if _, err := awsops.EmailSubscriptions(ctx, c, arn); !awsops.IsNotFound(err) {
		t.Fatalf("subscriptions of a deleted topic = %v", err)
	}
}

func TestAlarmsAndDashboardsNotFound(t *testing.T) {
	t.Parallel()
	c := cloudwatch.NewFromConfig(emulator(t))
	ctx := context.Background()
	a := alerts.Alarms("t", "arn:aws:bedrock:us-east-1:"+acct+":application-inference-profile/p", []string{"flex"}, alerts.AlarmConfig{Throttles: true})[0]
	if err := awsops.PutAlarm(ctx, c, a, "arn:aws:sns:us-east-1:"+acct+":bedgov-t", map[string]string{"team": "t"}); err != nil {
		t.Fatal(err)
	}
	got, err := awsops.FindAlarm(ctx, c, a.Name)
	if err != nil || len(got.Metrics) != 5 || aws.ToString(got.Metrics[0].MetricStat.Metric.Dimensions[0].Value) != a.ProfileARN ||
		aws.ToString(got.Metrics[3].MetricStat.Metric.Dimensions[0].Value) != "p+flex" || !aws.ToBool(got.Metrics[4].ReturnData) {
		t.Fatalf("alarm = %+v, %v", got, err)
	}
	for i := 0; i < 2; i++ {
		if err := awsops.DeleteAlarm(ctx, c, a.Name); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	if _, err := awsops.FindAlarm(ctx, c, a.Name); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted alarm = %v", err)
	}
	if _, err := awsops.FindDashboard(ctx, c, "bedgov-t"); !awsops.IsNotFound(err) {
		t.Fatalf("find missing dashboard = %v", err)
	}
	if err := awsops.DeleteDashboard(ctx, c, "bedgov-t"); err != nil {
		t.Fatalf("delete missing dashboard: %v", err)
	}
}

func TestAnomalyDetection(t *testing.T) {
	t.Parallel()
	c := costexplorer.NewFromConfig(emulator(t))
	ctx := context.Background()
	topic := "arn:aws:sns:us-east-1:" + acct + ":bedgov-t"
	mon, err := awsops.CreateAnomalyMonitor(ctx, c, "bedgov-t", "team", "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := awsops.CreateAnomalySubscription(ctx, c, "bedgov-t", mon, topic, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := awsops.UpdateAnomalySubscription(ctx, c, sub, topic, 250.5); err != nil {
		t.Fatal(err)
	}
	got, err := awsops.FindAnomalySubscription(ctx, c, sub)
	if err != nil || got.ThresholdUSD != 250.5 || got.TopicARN != topic {
		t.Fatalf("subscription = %+v, %v", got, err)
	}
	if byName, err := awsops.FindAnomalySubscriptionByName(ctx, c, mon, "bedgov-t"); err != nil || byName != sub {
		t.Fatalf("by name = %s, %v", byName, err)
	}
	for _, del := range []func() error{
		func() error { return awsops.DeleteAnomalySubscription(ctx, c, sub) },
		func() error { return awsops.DeleteAnomalySubscription(ctx, c, sub) },
		func() error { return awsops.DeleteAnomalyMonitor(ctx, c, mon) },
		func() error { return awsops.DeleteAnomalyMonitor(ctx, c, mon) },
	} {
		if err := del(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := awsops.FindAnomalyMonitor(ctx, c, mon); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted monitor = %v", err)
	}
	if _, err := awsops.FindAnomalySubscription(ctx, c, sub); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted subscription = %v", err)
	}
}
