package localaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/budgets/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const account = localaws.DefaultAccount

func testNotification(threshold float64) *types.Notification {
	return &types.Notification{NotificationType: types.NotificationTypeActual, ComparisonOperator: types.ComparisonOperatorGreaterThan,
		Threshold: threshold, ThresholdType: types.ThresholdTypePercentage}
}

func TestBudgetLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := budgets.NewFromConfig(cfg)
	ctx := context.Background()
	email := types.Subscriber{SubscriptionType: types.SubscriptionTypeEmail, Address: aws.String("lead@example.com")}
	topic := types.Subscriber{SubscriptionType: types.SubscriptionTypeSns, Address: aws.String("arn:aws:sns:us-east-1:" + account + ":t")}

	_, err := c.CreateBudget(ctx, &budgets.CreateBudgetInput{
		AccountId: aws.String(account),
		Budget: &types.Budget{
			BudgetName: aws.String("bedgov-a"), BudgetType: types.BudgetTypeCost, TimeUnit: types.TimeUnitMonthly,
			BudgetLimit: &types.Spend{Amount: aws.String("2000.50"), Unit: aws.String("USD")},
			CostFilters: map[string][]string{"TagKeyValue": {"user:team$a"}}, //nolint:staticcheck // the form bedgov sends
		},
		NotificationsWithSubscribers: []types.NotificationWithSubscribers{
			{Notification: testNotification(50), Subscribers: []types.Subscriber{email, topic}},
		},
		ResourceTags: []types.ResourceTag{{Key: aws.String("team"), Value: aws.String("a")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The store keeps the filter exactly as sent.
	stored, ok := localaws.GetAs[localaws.Budget](s.Store(), localaws.KindBudget, localaws.BudgetARN(account, "bedgov-a"))
	if !ok || stored.CostFilters["TagKeyValue"][0] != "user:team$a" {
		t.Fatalf("stored budget = %+v", stored)
	}

	got, err := c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a")})
	if err != nil {
		t.Fatal(err)
	}
	b := got.Budget
	if aws.ToString(b.BudgetLimit.Amount) != "2000.50" || b.TimeUnit != types.TimeUnitMonthly || b.TimePeriod == nil || b.TimePeriod.Start == nil ||
		aws.ToString(b.CalculatedSpend.ActualSpend.Amount) != "0" {
		t.Fatalf("budget = %+v", b)
	}

	// Update keeps notifications.
	b.BudgetLimit.Amount = aws.String("500")
	if _, err := c.UpdateBudget(ctx, &budgets.UpdateBudgetInput{AccountId: aws.String(account), NewBudget: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateNotification(ctx, &budgets.UpdateNotificationInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"),
		OldNotification: testNotification(50), NewNotification: testNotification(60)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateNotification(ctx, &budgets.CreateNotificationInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"),
		Notification: testNotification(100), Subscribers: []types.Subscriber{topic}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateNotification(ctx, &budgets.CreateNotificationInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"),
		Notification: testNotification(100), Subscribers: []types.Subscriber{topic}})
	var dup *types.DuplicateRecordException
	if !errors.As(err, &dup) {
		t.Fatalf("duplicate notification: %v", err)
	}
	notes, err := c.DescribeNotificationsForBudget(ctx, &budgets.DescribeNotificationsForBudgetInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a")})
	if err != nil || len(notes.Notifications) != 2 || notes.Notifications[0].Threshold != 60 {
		t.Fatalf("notifications = %+v, %v", notes, err)
	}
	subs, err := c.DescribeSubscribersForNotification(ctx, &budgets.DescribeSubscribersForNotificationInput{AccountId: aws.String(account),
		BudgetName: aws.String("bedgov-a"), Notification: testNotification(60)})
	if err != nil || len(subs.Subscribers) != 2 {
		t.Fatalf("subscribers kept across UpdateNotification: %+v, %v", subs, err)
	}
	if _, err := c.DeleteSubscriber(ctx, &budgets.DeleteSubscriberInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"),
		Notification: testNotification(60), Subscriber: &email}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSubscriber(ctx, &budgets.CreateSubscriberInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"),
		Notification: testNotification(60), Subscriber: &types.Subscriber{SubscriptionType: types.SubscriptionTypeEmail, Address: aws.String("b@example.com")}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateSubscriber(ctx, &budgets.CreateSubscriberInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"),
		Notification: testNotification(60), Subscriber: &types.Subscriber{SubscriptionType: types.SubscriptionTypeSns, Address: aws.String("arn:aws:sns:us-east-1:" + account + ":other")}})
	var inv *types.InvalidParameterException
	if !errors.As(err, &inv) {
		t.Fatalf("second SNS subscriber: %v", err)
	}
	if _, err := c.DeleteNotification(ctx, &budgets.DeleteNotificationInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a"), Notification: testNotification(100)}); err != nil {
		t.Fatal(err)
	}

	arn := aws.String(localaws.BudgetARN(account, "bedgov-a"))
	if _, err := c.TagResource(ctx, &budgets.TagResourceInput{ResourceARN: arn, ResourceTags: []types.ResourceTag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &budgets.UntagResourceInput{ResourceARN: arn, ResourceTagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &budgets.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil || len(tags.ResourceTags) != 1 || aws.ToString(tags.ResourceTags[0].Key) != "env" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}

	if _, err := c.DeleteBudget(ctx, &budgets.DeleteBudgetInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String("bedgov-a")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("describe deleted: %v", err)
	}
}

func TestBudgetValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := budgets.NewFromConfig(cfg)
	ctx := context.Background()
	budget := func(name, amount string) *types.Budget {
		return &types.Budget{BudgetName: aws.String(name), BudgetType: types.BudgetTypeCost, TimeUnit: types.TimeUnitMonthly,
			BudgetLimit: &types.Spend{Amount: aws.String(amount), Unit: aws.String("USD")}}
	}
	topic := types.Subscriber{SubscriptionType: types.SubscriptionTypeSns, Address: aws.String("arn:aws:sns:us-east-1:" + account + ":t")}
	var many []types.NotificationWithSubscribers
	for i := 1; i <= 11; i++ {
		many = append(many, types.NotificationWithSubscribers{Notification: testNotification(float64(i * 10)), Subscribers: []types.Subscriber{topic}})
	}
	var emails []types.Subscriber
	for _, a := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"} {
		emails = append(emails, types.Subscriber{SubscriptionType: types.SubscriptionTypeEmail, Address: aws.String(a + "@example.com")})
	}
	cases := []struct {
		name string
		in   *budgets.CreateBudgetInput
		code string
	}{
		{"colon in name", &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: budget("a:b", "1")}, "InvalidParameterException"},
		{"zero amount", &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: budget("z", "0")}, "InvalidParameterException"},
		{"other account", &budgets.CreateBudgetInput{AccountId: aws.String("210987654321"), Budget: budget("o", "1")}, "AccessDeniedException"},
		{"11 notifications", &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: budget("n", "1"), NotificationsWithSubscribers: many}, "ValidationException"}, // the model's length limit of 10 (NotificationWithSubscribersList), checked before the service's own
		{"11 emails", &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: budget("e", "1"),
			NotificationsWithSubscribers: []types.NotificationWithSubscribers{{Notification: testNotification(50), Subscribers: emails}}}, "InvalidParameterException"},
	}
	for _, tc := range cases {
		_, err := c.CreateBudget(ctx, tc.in)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		wantAPIError(t, err, tc.code)
	}
	if _, err := c.CreateBudget(ctx, &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: budget("dup", "1")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBudget(ctx, &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: budget("dup", "1")})
	wantAPIError(t, err, "DuplicateRecordException")
}
