package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	budgettypes "github.com/aws/aws-sdk-go-v2/service/budgets/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// alerting is the HCL of a team with every part-2 feature on.
func alerting(budget string, notify, degrade, block int, emails []string, tokens int, anomaly string) []string {
	return []string{
		attr("model", sonnet), attr("degrade_to_model", haiku),
		"monthly_budget = " + budget,
		fmt.Sprintf("thresholds {\n    notify  = %d\n    degrade = %d\n    block   = %d\n  }", notify, degrade, block),
		attr("notification_emails", emails),
		fmt.Sprintf("alarms {\n    output_tokens_per_hour = %d\n    throttles = true\n    server_errors = true\n  }", tokens),
		fmt.Sprintf("anomaly_detection {\n    threshold_usd = %s\n  }", anomaly),
		"dashboard = true",
	}
}

func topicARN(name string) string {
	return "arn:aws:sns:us-east-1:" + acctest.AccountID + ":bedgov-" + name
}

func alarmARN(name, kind string) string {
	return "arn:aws:cloudwatch:us-east-1:" + acctest.AccountID + ":alarm:bedgov-" + name + "-" + kind
}

func storedBudget(t *testing.T, name string) (localaws.Budget, bool) {
	return localaws.GetAs[localaws.Budget](acctest.Emulator(t).Store(), localaws.KindBudget, localaws.BudgetARN(acctest.AccountID, "bedgov-"+name))
}

// alertingObjects lists what the API still holds of a team's part-2 objects.
func alertingObjects(t *testing.T, name string) []string {
	t.Helper()
	c := acctest.Client(t)
	ctx := context.Background()
	var left []string
	if _, err := awsops.FindBudget(ctx, c.Budgets, acctest.AccountID, "bedgov-"+name); err == nil {
		left = append(left, "budget")
	}
	if _, err := awsops.FindTopic(ctx, c.SNS, topicARN(name)); err == nil {
		left = append(left, "topic")
	}
	if alarms, err := awsops.FindAlarmsByPrefix(ctx, c.CloudWatch, "bedgov-"+name+"-"); err == nil && len(alarms) > 0 {
		left = append(left, fmt.Sprintf("%d alarms", len(alarms)))
	}
	if _, err := awsops.FindDashboard(ctx, c.CloudWatch, "bedgov-"+name); err == nil {
		left = append(left, "dashboard")
	}
	if _, err := awsops.FindAnomalyMonitorByName(ctx, c.CostExplorer, "bedgov-"+name); err == nil {
		left = append(left, "anomaly monitor")
	}
	subs, _ := c.CostExplorer.GetAnomalySubscriptions(ctx, &costexplorer.GetAnomalySubscriptionsInput{})
	for _, s := range subs.AnomalySubscriptions {
		if aws.ToString(s.SubscriptionName) == "bedgov-"+name {
			left = append(left, "anomaly subscription")
		}
	}
	return left
}

func checkAllDestroyed(t *testing.T, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := checkTeamDestroyed(t, name)(s); err != nil {
			return err
		}
		if left := alertingObjects(t, name); len(left) > 0 {
			return fmt.Errorf("team %s left behind: %v", name, left)
		}
		return nil
	}
}

// checkAllPresent checks in the API that every part-2 object exists.
func checkAllPresent(t *testing.T, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		left := alertingObjects(t, name)
		want := []string{"budget", "topic", "3 alarms", "dashboard", "anomaly monitor", "anomaly subscription"}
		if fmt.Sprint(left) != fmt.Sprint(want) {
			return fmt.Errorf("team %s has %v, want %v", name, left, want)
		}
		return nil
	}
}

// alarmModelIDs are the ModelId values an alarm's AWS/Bedrock metrics select.
func alarmModelIDs(a cwtypes.MetricAlarm) []string {
	var ids []string
	for _, q := range a.Metrics {
		if q.MetricStat != nil && q.MetricStat.Metric != nil && aws.ToString(q.MetricStat.Metric.Namespace) == "AWS/Bedrock" {
			for _, d := range q.MetricStat.Metric.Dimensions {
				if aws.ToString(d.Name) == "ModelId" {
					ids = append(ids, aws.ToString(d.Value))
				}
			}
		}
	}
	return ids
}

// A model that offers the priority and flex tiers (Nova 2 Lite, per the pricing
// catalog) is reported under ModelId "<id>+priority" and "<id>+flex" as well (Bedrock
// user guide, "Service tiers for optimizing performance and cost"); and which form of a
// profile ModelId carries (ARN or id) is not documented. Every alarm sums all six, and
// the dashboard graphs them; a refresh after apply finds nothing changed.
func TestAccTeam_alertingServiceTiers(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{{
			Config: teamConfig(name, attr("model", "us.amazon.nova-2-lite-v1:0"),
				"alarms {\n    output_tokens_per_hour = 1000\n    throttles = true\n  }", "dashboard = true"),
			Check: func(s *terraform.State) error {
				attrs := s.RootModule().Resources[teamAddr].Primary.Attributes
				arn, id := attrs["inference_profile_arn"], attrs["inference_profile_id"]
				want := []string{arn, arn + "+priority", arn + "+flex", id, id + "+priority", id + "+flex"}
				c := acctest.Client(t)
				for _, kind := range []string{"output-tokens", "throttles"} {
					a, err := awsops.FindAlarm(context.Background(), c.CloudWatch, "bedgov-"+name+"-"+kind)
					if err != nil {
						return err
					}
					if got := alarmModelIDs(*a); fmt.Sprint(got) != fmt.Sprint(want) {
						return fmt.Errorf("alarm %s watches ModelId %v, want %v", kind, got, want)
					}
				}
				body, err := awsops.FindDashboard(context.Background(), c.CloudWatch, "bedgov-"+name)
				if err != nil {
					return err
				}
				for _, v := range want {
					if !strings.Contains(body, `"`+v+`"`) {
						return fmt.Errorf("dashboard does not graph ModelId %s: %s", v, body)
					}
				}
				return nil
			},
		}, {
			Config: teamConfig(name, attr("model", "us.amazon.nova-2-lite-v1:0"),
				"alarms {\n    output_tokens_per_hour = 1000\n    throttles = true\n  }", "dashboard = true"),
			PlanOnly: true,
		}},
	})
}

func TestAccTeam_alertingBasic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: teamConfig(name, alerting("1499.99", 60, 85, 110, []string{"lead@example.com"}, 2000000, "100")...),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("budget_name", knownvalue.StringExact("bedgov-"+name)),
					expect("sns_topic_arn", knownvalue.StringExact(topicARN(name))),
					expect("alarm_arns", knownvalue.MapExact(map[string]knownvalue.Check{
						"output_tokens": knownvalue.StringExact(alarmARN(name, "output-tokens")),
						"throttles":     knownvalue.StringExact(alarmARN(name, "throttles")),
						"server_errors": knownvalue.StringExact(alarmARN(name, "server-errors")),
					})),
					expect("dashboard_name", knownvalue.StringExact("bedgov-"+name)),
					expect("anomaly_monitor_arn", knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:ce::`+acctest.AccountID+`:anomalymonitor/`))),
					expect("anomaly_subscription_arn", knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:ce::`+acctest.AccountID+`:anomalysubscription/`))),
					expect("email_subscription_status", knownvalue.MapExact(map[string]knownvalue.Check{"lead@example.com": knownvalue.StringExact("pending confirmation")})),
				},
				Check: resource.ComposeTestCheckFunc(
					checkAllPresent(t, name),
					func(s *terraform.State) error {
						attrs := s.RootModule().Resources[teamAddr].Primary.Attributes
						// The budget filters on the team tag with FilterExpression and Metrics,
						// not the deprecated CostFilters.
						b, ok := storedBudget(t, name)
						if !ok {
							return fmt.Errorf("no budget in the emulator")
						}
						if f := b.FilterExpression; len(b.CostFilters) != 0 || f == nil || f.Tags == nil || aws.ToString(f.Tags.Key) != "team" ||
							fmt.Sprint(f.Tags.Values) != "["+name+"]" || fmt.Sprint(b.Metrics) != "[UnblendedCost]" {
							return fmt.Errorf("budget filter: CostFilters %v, FilterExpression %+v, Metrics %v; want Tags team=%s, UnblendedCost", b.CostFilters, f, b.Metrics, name)
						}
						if b.LimitAmount != "1499.99" || b.TimeUnit != "MONTHLY" || b.BudgetType != "COST" || b.Tags["team"] != name {
							return fmt.Errorf("budget = %+v", b)
						}
						var got []string
						for _, n := range b.Notifications {
							subs := []string{}
							for _, s := range n.Subscribers {
								subs = append(subs, s.SubscriptionType+":"+s.Address)
							}
							sort.Strings(subs)
							got = append(got, fmt.Sprintf("%s %v %v", n.NotificationType, n.Threshold, subs))
						}
						sort.Strings(got)
						subs := fmt.Sprintf("[EMAIL:lead@example.com SNS:%s]", topicARN(name))
						want := []string{"ACTUAL 110 " + subs, "ACTUAL 60 " + subs, "ACTUAL 85 " + subs, "FORECASTED 110 " + subs}
						if fmt.Sprint(got) != fmt.Sprint(want) {
							return fmt.Errorf("notifications = %v, want %v", got, want)
						}
						// The topic lets the three services publish for this account only.
						c := acctest.Client(t)
						topic, err := awsops.FindTopic(context.Background(), c.SNS, topicARN(name))
						if err != nil {
							return err
						}
						for _, svc := range []string{"budgets.amazonaws.com", "cloudwatch.amazonaws.com", "costalerts.amazonaws.com"} {
							if !strings.Contains(topic["Policy"], svc) {
								return fmt.Errorf("topic policy lacks %s: %s", svc, topic["Policy"])
							}
						}
						if !strings.Contains(topic["Policy"], `"aws:SourceAccount":"`+acctest.AccountID+`"`) {
							return fmt.Errorf("topic policy without aws:SourceAccount: %s", topic["Policy"])
						}
						// Alarms watch the primary profile under ModelId.
						alarm, err := awsops.FindAlarm(context.Background(), c.CloudWatch, "bedgov-"+name+"-output-tokens")
						if err != nil {
							return err
						}
						if ids := alarmModelIDs(*alarm); len(ids) != 2 || ids[0] != attrs["inference_profile_arn"] || ids[1] != attrs["inference_profile_id"] ||
							aws.ToFloat64(alarm.Threshold) != 2000000 || alarm.AlarmActions[0] != topicARN(name) {
							return fmt.Errorf("alarm = %+v", alarm)
						}
						// The dashboard graphs both profiles.
						body, err := awsops.FindDashboard(context.Background(), c.CloudWatch, "bedgov-"+name)
						if err != nil || !json.Valid([]byte(body)) || !strings.Contains(body, attrs["degrade_inference_profile_arn"]) {
							return fmt.Errorf("dashboard body = %s, %v", body, err)
						}
						// The profiles carry the monthly-budget tag.
						tags, err := awsops.ProfileTags(context.Background(), c.Bedrock, attrs["inference_profile_arn"])
						if err != nil || tags["monthly-budget"] != "1499.99" {
							return fmt.Errorf("profile tags = %v, %v", tags, err)
						}
						return nil
					},
				),
			},
			{
				ResourceName:            teamAddr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// Amount, thresholds, emails, alarm and anomaly settings change in place; the budget and
// its notifications are updated, never recreated (the budget's history survives).
func TestAccTeam_alertingUpdate(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	notifyState := func(b localaws.Budget, threshold float64) string {
		for _, n := range b.Notifications {
			if n.NotificationType == "ACTUAL" && n.Threshold == threshold {
				return n.State
			}
		}
		return "missing"
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: teamConfig(name, attr("model", sonnet), "monthly_budget = 1000", attr("notification_emails", []string{"a@example.com"})),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("thresholds", knownvalue.Null()),
					expect("alarm_arns", knownvalue.Null()),
					expect("dashboard_name", knownvalue.Null()),
					expect("anomaly_monitor_arn", knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					// History the budget has gathered: spend, and a notification in ALARM.
					return acctest.Emulator(t).Store().Update(localaws.KindBudget, localaws.BudgetARN(acctest.AccountID, "bedgov-"+name), func(v any) (any, error) {
						b := v.(localaws.Budget)
						if len(b.Notifications) != 4 || notifyState(b, 50) != "OK" {
							return nil, fmt.Errorf("notifications with default thresholds = %+v", b.Notifications)
						}
						b.ActualSpend = "640"
						b.Notifications = append([]localaws.BudgetNotification(nil), b.Notifications...)
						for i := range b.Notifications {
							if b.Notifications[i].Threshold == 50 {
								b.Notifications[i].State = "ALARM"
							}
						}
						return b, nil
					})
				},
			},
			{
				Config: teamConfig(name, alerting("2000", 60, 85, 120, []string{"b@example.com", "c@example.com"}, 1000, "250")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("budget_name"), knownvalue.StringExact("bedgov-"+name)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("email_subscription_status", knownvalue.MapExact(map[string]knownvalue.Check{
						"b@example.com": knownvalue.StringExact("pending confirmation"), "c@example.com": knownvalue.StringExact("pending confirmation"),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					checkAllPresent(t, name),
					func(s *terraform.State) error {
						b, _ := storedBudget(t, name)
						if b.ActualSpend != "640" || b.LimitAmount != "2000.00" {
							return fmt.Errorf("budget recreated or not updated: spend %s, limit %s", b.ActualSpend, b.LimitAmount)
						}
						if notifyState(b, 60) != "ALARM" {
							return fmt.Errorf("the notify notification was recreated, not updated: %+v", b.Notifications)
						}
						for _, n := range b.Notifications {
							var emails []string
							for _, s := range n.Subscribers {
								if s.SubscriptionType == "EMAIL" {
									emails = append(emails, s.Address)
								}
							}
							sort.Strings(emails)
							if fmt.Sprint(emails) != "[b@example.com c@example.com]" {
								return fmt.Errorf("notification %v subscribers = %v", n.Threshold, n.Subscribers)
							}
						}
						arn := s.RootModule().Resources[teamAddr].Primary.Attributes["inference_profile_arn"]
						tags, err := awsops.ProfileTags(context.Background(), acctest.Client(t).Bedrock, arn)
						if err != nil || tags["monthly-budget"] != "2000.00" {
							return fmt.Errorf("profile tags = %v, %v", tags, err)
						}
						return nil
					},
				),
			},
			{
				// Alarm threshold and anomaly threshold change in place too.
				Config: teamConfig(name, alerting("2000", 60, 85, 120, []string{"b@example.com"}, 5000, "300")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("anomaly_subscription_arn"), knownvalue.NotNull()),
				}},
				Check: func(*terraform.State) error {
					c := acctest.Client(t)
					a, err := awsops.FindAlarm(context.Background(), c.CloudWatch, "bedgov-"+name+"-output-tokens")
					if err != nil || aws.ToFloat64(a.Threshold) != 5000 {
						return fmt.Errorf("alarm = %+v, %v", a, err)
					}
					// Removing an email changed only subscribers: the notifications stayed.
					b, _ := storedBudget(t, name)
					if notifyState(b, 60) != "ALARM" {
						return fmt.Errorf("a notification was recreated for an email change: %+v", b.Notifications)
					}
					for _, n := range b.Notifications {
						if fmt.Sprint(n.Subscribers) != fmt.Sprint([]localaws.BudgetSubscriber{{SubscriptionType: "SNS", Address: topicARN(name)}, {SubscriptionType: "EMAIL", Address: "b@example.com"}}) {
							return fmt.Errorf("notification %v subscribers = %+v", n.Threshold, n.Subscribers)
						}
					}
					return nil
				},
			},
			{
				// A model swap re-points the alarms and the dashboard at the new profile.
				Config: teamConfig(name, append([]string{attr("model", haiku)}, alerting("2000", 60, 85, 120, []string{"b@example.com"}, 5000, "300")[1:]...)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(teamAddr, tfjsonpath.New("inference_profile_arn")),
				}},
				Check: func(s *terraform.State) error {
					profile := s.RootModule().Resources[teamAddr].Primary.Attributes["inference_profile_arn"]
					c := acctest.Client(t)
					for _, kind := range []string{"output-tokens", "throttles", "server-errors"} {
						a, err := awsops.FindAlarm(context.Background(), c.CloudWatch, "bedgov-"+name+"-"+kind)
						if err != nil || alarmModelIDs(*a)[0] != profile {
							return fmt.Errorf("alarm %s not on the new profile %s: %+v, %v", kind, profile, a, err)
						}
					}
					body, err := awsops.FindDashboard(context.Background(), c.CloudWatch, "bedgov-"+name)
					if err != nil || !strings.Contains(body, profile) {
						return fmt.Errorf("dashboard not on the new profile: %v", err)
					}
					return nil
				},
			},
			{
				// Dropping the part-2 settings deletes those objects; the team stays.
				Config: teamConfig(name, attr("model", sonnet), attr("degrade_to_model", haiku)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("budget_name", knownvalue.Null()),
					expect("sns_topic_arn", knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if left := alertingObjects(t, name); len(left) > 0 {
						return fmt.Errorf("left behind: %v", left)
					}
					return nil
				},
			},
		},
	})
}

// A topic the team brings is used as is: bedgov makes none and leaves its policy alone.
func TestAccTeam_alertingOwnTopic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	out, err := acctest.Client(t).SNS.CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String(name + "-alerts")})
	if err != nil {
		t.Fatal(err)
	}
	topic := aws.ToString(out.TopicArn)
	t.Cleanup(func() { _ = awsops.DeleteTopic(context.Background(), acctest.Client(t).SNS, topic) })
	config := teamConfig(name, attr("model", sonnet), "monthly_budget = 500", attr("sns_topic_arn", topic), attr("notification_emails", []string{"a@example.com"}),
		"alarms {\n    throttles = true\n  }")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expect("sns_topic_arn", knownvalue.StringExact(topic)),
					expect("email_subscription_status", knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if _, err := awsops.FindTopic(context.Background(), acctest.Client(t).SNS, topicARN(name)); !awsops.IsNotFound(err) {
						return fmt.Errorf("bedgov made a topic although one was given (%v)", err)
					}
					b, _ := storedBudget(t, name)
					for _, n := range b.Notifications {
						if fmt.Sprint(n.Subscribers) != fmt.Sprint([]localaws.BudgetSubscriber{{SubscriptionType: "SNS", Address: topic}, {SubscriptionType: "EMAIL", Address: "a@example.com"}}) {
							return fmt.Errorf("subscribers = %+v", n.Subscribers)
						}
					}
					return nil
				},
			},
			{ResourceName: teamAddr, ImportState: true, ImportStateId: name, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
		},
	})
}

// Each part-2 sub-object deleted out of band is recreated by the next apply, which plans
// an update of the team.
func TestAccTeam_alertingDisappears(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	attrOf := func(s *terraform.State, k string) string {
		return s.RootModule().Resources[teamAddr].Primary.Attributes[k]
	}
	cases := map[string]func(*testing.T, *terraform.State) error{
		"budget": func(t *testing.T, s *terraform.State) error {
			return awsops.DeleteBudget(ctx, acctest.Client(t).Budgets, acctest.AccountID, attrOf(s, "budget_name"))
		},
		"budget_notification": func(t *testing.T, s *terraform.State) error {
			_, err := acctest.Client(t).Budgets.DeleteNotification(ctx, &budgets.DeleteNotificationInput{AccountId: aws.String(acctest.AccountID), BudgetName: aws.String(attrOf(s, "budget_name")),
				Notification: &budgettypes.Notification{NotificationType: budgettypes.NotificationTypeForecasted, ComparisonOperator: budgettypes.ComparisonOperatorGreaterThan,
					Threshold: 100, ThresholdType: budgettypes.ThresholdTypePercentage}})
			return err
		},
		"topic": func(t *testing.T, s *terraform.State) error {
			return awsops.DeleteTopic(ctx, acctest.Client(t).SNS, attrOf(s, "sns_topic_arn"))
		},
		"topic_policy": func(t *testing.T, s *terraform.State) error {
			return awsops.SetTopicPolicy(ctx, acctest.Client(t).SNS, attrOf(s, "sns_topic_arn"),
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Publish","Resource":"*"}]}`)
		},
		"alarm": func(t *testing.T, s *terraform.State) error {
			_, err := acctest.Client(t).CloudWatch.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"bedgov-" + attrOf(s, "name") + "-throttles"}})
			return err
		},
		"dashboard": func(t *testing.T, s *terraform.State) error {
			return awsops.DeleteDashboard(ctx, acctest.Client(t).CloudWatch, attrOf(s, "dashboard_name"))
		},
		"anomaly_monitor": func(t *testing.T, s *terraform.State) error {
			return awsops.DeleteAnomalyMonitor(ctx, acctest.Client(t).CostExplorer, attrOf(s, "anomaly_monitor_arn"))
		},
		"anomaly_subscription": func(t *testing.T, s *terraform.State) error {
			return awsops.DeleteAnomalySubscription(ctx, acctest.Client(t).CostExplorer, attrOf(s, "anomaly_subscription_arn"))
		},
	}
	for sub, destroy := range cases {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			name := acctest.RandomName()
			config := teamConfig(name, alerting("100", 50, 80, 100, []string{"a@example.com"}, 1000, "10")...)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkAllDestroyed(t, name),
				Steps: []resource.TestStep{
					{
						Config:             config,
						Check:              func(s *terraform.State) error { return destroy(t, s) },
						ExpectNonEmptyPlan: true,
					},
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
						}},
						Check: resource.ComposeTestCheckFunc(
							checkAllPresent(t, name),
							func(*terraform.State) error {
								b, _ := storedBudget(t, name)
								if len(b.Notifications) != 4 {
									return fmt.Errorf("budget notifications after re-apply: %+v", b.Notifications)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// Amount, thresholds, emails and alarm settings changed out of band show as drift and
// are put back.
func TestAccTeam_alertingDrift(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	config := teamConfig(name, alerting("100", 50, 80, 100, []string{"a@example.com"}, 1000, "10")...)
	ctx := context.Background()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					c := acctest.Client(t)
					b, err := awsops.FindBudget(ctx, c.Budgets, acctest.AccountID, "bedgov-"+name)
					if err != nil {
						return err
					}
					b.BudgetLimit.Amount = aws.String("99999")
					if err := awsops.UpdateBudget(ctx, c.Budgets, acctest.AccountID, *b); err != nil {
						return err
					}
					notify := &budgettypes.Notification{NotificationType: budgettypes.NotificationTypeActual, ComparisonOperator: budgettypes.ComparisonOperatorGreaterThan,
						Threshold: 50, ThresholdType: budgettypes.ThresholdTypePercentage}
					moved := *notify
					moved.Threshold = 70
					if _, err := c.Budgets.UpdateNotification(ctx, &budgets.UpdateNotificationInput{AccountId: aws.String(acctest.AccountID), BudgetName: aws.String("bedgov-" + name),
						OldNotification: notify, NewNotification: &moved}); err != nil {
						return err
					}
					in := &cloudwatch.PutMetricAlarmInput{}
					a, err := awsops.FindAlarm(ctx, c.CloudWatch, "bedgov-"+name+"-output-tokens")
					if err != nil {
						return err
					}
					in.AlarmName, in.Metrics, in.EvaluationPeriods, in.Threshold, in.ComparisonOperator, in.AlarmActions =
						a.AlarmName, a.Metrics, a.EvaluationPeriods, aws.Float64(1), a.ComparisonOperator, a.AlarmActions
					_, err = c.CloudWatch.PutMetricAlarm(ctx, in)
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("monthly_budget"), knownvalue.Float64Exact(100)),
					},
				},
				Check: func(*terraform.State) error {
					b, _ := storedBudget(t, name)
					var ths []float64
					for _, n := range b.Notifications {
						ths = append(ths, n.Threshold)
					}
					sort.Float64s(ths)
					if b.LimitAmount != "100.00" || fmt.Sprint(ths) != "[50 80 100 100]" {
						return fmt.Errorf("budget not put back: %s %v", b.LimitAmount, ths)
					}
					a, err := awsops.FindAlarm(ctx, acctest.Client(t).CloudWatch, "bedgov-"+name+"-output-tokens")
					if err != nil || aws.ToFloat64(a.Threshold) != 1000 {
						return fmt.Errorf("alarm not put back: %+v, %v", a, err)
					}
					return nil
				},
			},
		},
	})
}

// A confirmed email subscription reads as confirmed, and is not drift either way.
func TestAccTeam_alertingEmailConfirmation(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	config := teamConfig(name, attr("model", sonnet), "monthly_budget = 10", attr("notification_emails", []string{"a@example.com", "b@example.com"}))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					store := acctest.Emulator(t).Store()
					for _, o := range store.List(localaws.KindSNSSubscription) {
						if s := o.Value.(localaws.SNSSubscription); s.TopicARN == topicARN(name) && s.Endpoint == "a@example.com" {
							localaws.ConfirmSNSSubscription(store, s.ARN)
							return nil
						}
					}
					return fmt.Errorf("no subscription for a@example.com")
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("email_subscription_status", knownvalue.MapExact(map[string]knownvalue.Check{
						"a@example.com": knownvalue.StringExact("confirmed"), "b@example.com": knownvalue.StringExact("pending confirmation"),
					})),
				},
			},
			{
				// Removing the confirmed address unsubscribes it; the pending one cannot be
				// deleted in SNS and is not drift once removed.
				Config: teamConfig(name, attr("model", sonnet), "monthly_budget = 10"),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("email_subscription_status", knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					subs, err := awsops.EmailSubscriptions(context.Background(), acctest.Client(t).SNS, topicARN(name))
					if err != nil {
						return err
					}
					if _, ok := subs["a@example.com"]; ok {
						return fmt.Errorf("a@example.com still subscribed: %+v", subs)
					}
					return nil
				},
			},
		},
	})
}

// A failure at any new create step leaves nothing orphaned: the next apply converges and
// destroy removes everything.
//
// Not parallel: an injected fault matches any caller.
func TestAccTeam_alertingPartialCreate(t *testing.T) {
	acctest.PartialCreate(t, acctest.Calls(
		"sns:CreateTopic", "sns:SetTopicAttributes", "sns:Subscribe", "budgets:CreateBudget",
		"cloudwatch:PutMetricAlarm", "cloudwatch:PutDashboard", "ce:CreateAnomalyMonitor", "ce:CreateAnomalySubscription",
	), func(t *testing.T) acctest.PartialCreateRun {
		name := acctest.RandomName()
		return acctest.PartialCreateRun{
			Config:       teamConfig(name, alerting("100", 50, 80, 100, []string{"a@example.com"}, 1000, "10")...),
			Converged:    checkAllPresent(t, name),
			CheckDestroy: checkAllDestroyed(t, name),
		}
	})
}

// Throttling of every new service is retried until the apply succeeds.
//
// Not parallel: injected faults match any caller.
func TestAccTeam_alertingRetries(t *testing.T) {
	name := acctest.RandomName()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				emu := acctest.Emulator(t)
				emu.FailTimes("sns", "CreateTopic", 2, localaws.ErrThrottling())
				emu.FailTimes("budgets", "CreateBudget", 2, localaws.ErrThrottling())
				emu.FailTimes("cloudwatch", "PutMetricAlarm", 2, localaws.ErrThrottling())
				emu.FailTimes("ce", "CreateAnomalyMonitor", 2, localaws.Errorf("LimitExceededException", "Rate exceeded"))
				emu.FailTimes("ce", "CreateAnomalySubscription", 1, localaws.Errorf("LimitExceededException", "Rate exceeded"))
			},
			Config: teamConfig(name, alerting("100", 50, 80, 100, []string{"a@example.com"}, 1000, "10")...),
			Check:  checkAllPresent(t, name),
		}},
	})
}

func TestAccTeam_alertingValidation(t *testing.T) {
	t.Parallel()
	base := func(lines ...string) string {
		return teamConfig("valid", append([]string{attr("model", sonnet)}, lines...)...)
	}
	cases := []struct {
		name, config, want string
	}{
		{"zero budget", base("monthly_budget = 0"), `monthly_budget must be greater than 0 with at most two decimals (cents), e.g. 2000 or 1499.99; got 0.`},
		{"three decimals", base("monthly_budget = 10.005"), `monthly_budget must be greater than 0 with at most two decimals (cents), e.g. 2000 or 1499.99; got 10.005.`},
		{"not ascending", base("thresholds {\n notify = 80\n degrade = 80\n }"), `thresholds must be strictly ascending (notify < degrade < block); got notify = 80, degrade = 80, block = 100`},
		{"default block below degrade", base("thresholds {\n degrade = 150\n }"), `got notify = 50, degrade = 150, block = 100`},
		{"threshold zero", base("thresholds {\n notify = 0\n }"), `value must be between 1 and 1000, got: 0`},
		{"threshold too high", base("thresholds {\n block = 1001\n }"), `value must be between 1 and 1000, got: 1001`},
		{"bad email", base(attr("notification_emails", []string{"lead at example.com"})), `"lead at example.com" is not a valid email address`},
		{"too many emails", base(attr("notification_emails", []string{"a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io", "g@x.io", "h@x.io", "i@x.io", "j@x.io", "k@x.io"})), `set must contain at most 10 elements`},
		{"not a topic", base(attr("sns_topic_arn", "arn:aws:sqs:us-east-1:123456789012:q")), `is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`},
		{"other account", base(attr("sns_topic_arn", "arn:aws:sns:us-east-1:210987654321:alerts")), `sns_topic_arn "arn:aws:sns:us-east-1:210987654321:alerts" is in account 210987654321, but the provider works in account ` + acctest.AccountID},
		{"anomaly without threshold", base("anomaly_detection {\n }"), `anomaly_detection.threshold_usd is required`},
		{"anomaly threshold zero", base("anomaly_detection {\n threshold_usd = 0\n }"), `anomaly_detection.threshold_usd must be greater than 0; got 0.`},
		{"tokens zero", base("alarms {\n output_tokens_per_hour = 0\n }"), `value must be at least 1, got: 0`},
		{"reserved budget tag", base(attr("tags", map[string]string{"monthly-budget": "1"})), `value must be none of`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: messageRe(regexp.QuoteMeta(tc.want))}},
			})
		})
	}
}

// What a plan of an unchanged team with every part-2 object costs: reads only, and a
// fixed number per refresh. ModifyPlan itself calls nothing (model resolution happens
// only when a model changes).
//
// Not parallel: it counts every call the emulator sees.
func TestAccTeam_alertingRefreshCost(t *testing.T) {
	name := acctest.RandomName()
	config := teamConfig(name, alerting("100", 50, 80, 100, []string{"a@example.com"}, 1000, "10")...)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { acctest.Emulator(t).ResetCalls() },
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					calls := acctest.Emulator(t).Requested() // what the provider asked for, not SDK retries
					refreshes := acctest.Emulator(t).RequestedCount("budgets", "DescribeBudget")
					perService := map[string]int{}
					for _, c := range calls {
						perService[c.Service+"."+c.Operation]++
						for _, w := range []string{"Create", "Put", "Update", "Delete", "Tag", "Untag", "Subscribe", "Unsubscribe", "Set", "Attach", "Detach"} {
							if strings.HasPrefix(c.Operation, w) {
								t.Errorf("a plan of an unchanged team called %s.%s", c.Service, c.Operation)
							}
						}
					}
					if perService["bedrock.GetFoundationModel"] > 0 {
						t.Errorf("ModifyPlan resolved the model of an unchanged team %d times", perService["bedrock.GetFoundationModel"])
					}
					part2 := 0
					for op, n := range perService {
						if svc, _, _ := strings.Cut(op, "."); svc == "budgets" || svc == "sns" || svc == "cloudwatch" || svc == "ce" {
							part2 += n
						}
					}
					if refreshes == 0 || part2/refreshes > 12 {
						t.Errorf("%d part-2 calls over %d refreshes: %v", part2, refreshes, perService)
					}
					t.Logf("plan of an unchanged team: %d calls over %d refresh(es), %d of them for part 2: %v", len(calls), refreshes, part2, perService)
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

// A change of tags reaches every part-2 object in place.
func TestAccTeam_alertingTags(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	config := func(env string) string {
		if env == "" {
			return teamConfig(name, alerting("100", 50, 80, 100, nil, 1000, "10")...)
		}
		return teamConfig(name, append(alerting("100", 50, 80, 100, nil, 1000, "10"), attr("tags", map[string]string{"environment": env}))...)
	}
	ctx := context.Background()
	checkTags := func(env string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			c := acctest.Client(t)
			attrs := s.RootModule().Resources[teamAddr].Primary.Attributes
			lookups := map[string]func() (map[string]string, error){
				"budget": func() (map[string]string, error) {
					return awsops.BudgetTags(ctx, c.Budgets, awsops.BudgetARN(acctest.AccountID, "bedgov-"+name))
				},
				"topic": func() (map[string]string, error) { return awsops.TopicTags(ctx, c.SNS, topicARN(name)) },
				"alarm": func() (map[string]string, error) {
					return awsops.CloudWatchTags(ctx, c.CloudWatch, alarmARN(name, "throttles"))
				},
				"dashboard": func() (map[string]string, error) {
					return awsops.CloudWatchTags(ctx, c.CloudWatch, "arn:aws:cloudwatch::"+acctest.AccountID+":dashboard/bedgov-"+name)
				},
				"monitor": func() (map[string]string, error) {
					return awsops.CostExplorerTags(ctx, c.CostExplorer, attrs["anomaly_monitor_arn"])
				},
				"anomaly subscription": func() (map[string]string, error) {
					return awsops.CostExplorerTags(ctx, c.CostExplorer, attrs["anomaly_subscription_arn"])
				},
			}
			for what, get := range lookups {
				tags, err := get()
				if err != nil {
					return fmt.Errorf("%s: %v", what, err)
				}
				if got, ok := tags["environment"]; got != env || ok != (env != "") || tags["team"] != name || tags["managed-by"] != "bedgov" {
					return fmt.Errorf("%s tags = %v, want environment=%s", what, tags, env)
				}
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAllDestroyed(t, name),
		Steps: []resource.TestStep{
			{Config: config("dev"), Check: checkTags("dev")},
			{
				Config: config("prod"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
				}},
				Check: checkTags("prod"),
			},
			{
				// A removed tag leaves every object.
				Config: config(""),
				Check:  checkTags(""),
			},
		},
	})
}

// Settings known only at apply (here, from another team's computed attribute) plan as
// unknown identifiers and apply cleanly.
func TestAccTeam_alertingUnknownAtPlan(t *testing.T) {
	t.Parallel()
	first, second := acctest.RandomName(), acctest.RandomName()
	config := acctest.ProviderConfig() + fmt.Sprintf(`
resource "bedgov_team" "first" {
  name  = %[1]q
  model = %[3]q
}

resource "bedgov_team" "test" {
  name                = %[2]q
  model               = %[3]q
  notification_emails = bedgov_team.first.inference_profile_id != "" ? ["a@example.com"] : []
  dashboard           = bedgov_team.first.inference_profile_id != ""
  alarms {
    throttles = bedgov_team.first.inference_profile_id != ""
  }
}
`, first, second, sonnet)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkAllDestroyed(t, first), checkAllDestroyed(t, second)),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(teamAddr, tfjsonpath.New("alarm_arns")),
				plancheck.ExpectUnknownValue(teamAddr, tfjsonpath.New("sns_topic_arn")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				expect("sns_topic_arn", knownvalue.StringExact(topicARN(second))),
				expect("alarm_arns", knownvalue.MapSizeExact(1)),
				expect("dashboard_name", knownvalue.StringExact("bedgov-"+second)),
				expect("email_subscription_status", knownvalue.MapSizeExact(1)),
			},
		}},
	})
}

// budgetsOf names the budgets the API holds among names.
func budgetsOf(t *testing.T, names ...string) []string {
	t.Helper()
	var found []string
	for _, n := range names {
		if _, err := awsops.FindBudget(context.Background(), acctest.Client(t).Budgets, acctest.AccountID, n); err == nil {
			found = append(found, n)
		}
	}
	return found
}

// budget_name overrides the budget's name; a new name makes a new budget and deletes the
// old one (AWS Budgets cannot rename); removing it goes back to bedgov-<name>.
func TestAccTeam_alertingBudgetName(t *testing.T) {
	t.Parallel()
	name := acctest.RandomName()
	first, second, fallback := name+" monthly", name+"-ai-spend", "bedgov-"+name
	config := func(lines ...string) string {
		return teamConfig(name, append([]string{attr("model", sonnet), "monthly_budget = 100"}, lines...)...)
	}
	budgetsAre := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := budgetsOf(t, first, second, fallback); fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("budgets %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(checkAllDestroyed(t, name), func(*terraform.State) error {
			if left := budgetsOf(t, first, second); len(left) > 0 {
				return fmt.Errorf("budgets left behind: %v", left)
			}
			return nil
		}),
		Steps: []resource.TestStep{
			{
				Config:            config(attr("budget_name", first)),
				ConfigStateChecks: []statecheck.StateCheck{expect("budget_name", knownvalue.StringExact(first))},
				Check:             budgetsAre(first),
			},
			{
				Config: config(attr("budget_name", second)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(teamAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(teamAddr, tfjsonpath.New("budget_name"), knownvalue.StringExact(second)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{expect("budget_name", knownvalue.StringExact(second))},
				Check:             budgetsAre(second),
			},
			{
				// Out of band, the budget goes: the next apply makes it again under its name.
				Config: config(attr("budget_name", second)),
				Check: func(*terraform.State) error {
					return awsops.DeleteBudget(context.Background(), acctest.Client(t).Budgets, acctest.AccountID, second)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config(attr("budget_name", second)),
				Check:  budgetsAre(second),
			},
			{
				Config:            config(),
				ConfigStateChecks: []statecheck.StateCheck{expect("budget_name", knownvalue.StringExact(fallback))},
				Check:             budgetsAre(fallback),
			},
		},
	})
}

func TestAccTeam_alertingBudgetNameValidation(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, config, want string }{
		{"colon", teamConfig("valid", attr("model", sonnet), "monthly_budget = 10", attr("budget_name", "team:x")),
			`is not a budget name: AWS Budgets does not allow ":", "\" or "/action/" in one`},
		{"action", teamConfig("valid", attr("model", sonnet), "monthly_budget = 10", attr("budget_name", "a/action/b")),
			`is not a budget name`},
		{"too long", teamConfig("valid", attr("model", sonnet), "monthly_budget = 10", attr("budget_name", strings.Repeat("b", 101))),
			`string length must be between 1 and 100`},
		{"no budget", teamConfig("valid", attr("model", sonnet), attr("budget_name", "spend")),
			`budget_name names the team's AWS Budget, which monthly_budget creates: set monthly_budget too, or remove budget_name.`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: messageRe(regexp.QuoteMeta(tc.want))}},
			})
		})
	}
}
