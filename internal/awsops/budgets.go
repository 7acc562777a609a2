package awsops

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/budgets/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Budgets: the SDK retries Budgets' ThrottlingException itself (it is one of the
// standard retryer's throttle codes), so these steps add no loop of their own.

// BudgetNotification is a notification with its subscribers, compared by value.
type BudgetNotification struct {
	Type      types.NotificationType // ACTUAL | FORECASTED
	Threshold float64                // percentage of the budget
	Emails    []string               // sorted
	TopicARN  string                 // "" for none
}

func (n BudgetNotification) notification() *types.Notification {
	return &types.Notification{NotificationType: n.Type, ComparisonOperator: types.ComparisonOperatorGreaterThan,
		Threshold: n.Threshold, ThresholdType: types.ThresholdTypePercentage}
}

func (n BudgetNotification) subscribers() []types.Subscriber {
	var out []types.Subscriber
	if n.TopicARN != "" {
		out = append(out, types.Subscriber{SubscriptionType: types.SubscriptionTypeSns, Address: aws.String(n.TopicARN)})
	}
	for _, e := range n.Emails {
		out = append(out, types.Subscriber{SubscriptionType: types.SubscriptionTypeEmail, Address: aws.String(e)})
	}
	return out
}

// FindBudget returns a budget by name, or ErrNotFound.
func FindBudget(ctx context.Context, c *budgets.Client, account, name string) (*types.Budget, error) {
	// FilterExpression is in the answer only when asked for (DescribeBudget, ShowFilterExpression).
	out, err := c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String(name),
		ShowFilterExpression: aws.Bool(true)})
	if err != nil {
		if hasCode(err, "NotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out.Budget, nil
}

// CreateBudget creates a budget with its notifications and tags. A budget of that name
// that already exists (a create whose response was lost) is taken over and updated to b,
// so a retried apply converges instead of failing on DuplicateRecordException.
func CreateBudget(ctx context.Context, c *budgets.Client, account string, b types.Budget, notes []BudgetNotification, tags map[string]string) error {
	in := &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: &b, ResourceTags: budgetTags(tags)}
	for _, n := range notes {
		in.NotificationsWithSubscribers = append(in.NotificationsWithSubscribers, types.NotificationWithSubscribers{Notification: n.notification(), Subscribers: n.subscribers()})
	}
	tflog.Debug(ctx, "creating budget", map[string]any{"budget": aws.ToString(b.BudgetName), "notifications": len(notes)})
	_, err := c.CreateBudget(ctx, in)
	if !hasCode(err, "DuplicateRecordException") {
		return err
	}
	tflog.Debug(ctx, "budget exists already; updating it", map[string]any{"budget": aws.ToString(b.BudgetName)})
	if err := UpdateBudget(ctx, c, account, b); err != nil {
		return err
	}
	have, err := BudgetNotifications(ctx, c, account, aws.ToString(b.BudgetName))
	if err != nil {
		return err
	}
	if err := SyncBudgetNotifications(ctx, c, account, aws.ToString(b.BudgetName), have, notes); err != nil {
		return err
	}
	return SyncTags(ctx, BudgetTagger(c), BudgetARN(account, aws.ToString(b.BudgetName)), tags)
}

// BudgetARN is the ARN of a budget (budgets are global).
func BudgetARN(account, name string) string { return "arn:aws:budgets::" + account + ":budget/" + name }

// UpdateBudget replaces a budget's definition; its history, notifications and tags stay.
func UpdateBudget(ctx context.Context, c *budgets.Client, account string, b types.Budget) error {
	tflog.Debug(ctx, "updating budget", map[string]any{"budget": aws.ToString(b.BudgetName)})
	b.CalculatedSpend = nil // read-only
	_, err := c.UpdateBudget(ctx, &budgets.UpdateBudgetInput{AccountId: aws.String(account), NewBudget: &b})
	return err
}

// DeleteBudget deletes a budget; already gone is done.
func DeleteBudget(ctx context.Context, c *budgets.Client, account, name string) error {
	tflog.Debug(ctx, "deleting budget", map[string]any{"budget": name})
	_, err := c.DeleteBudget(ctx, &budgets.DeleteBudgetInput{AccountId: aws.String(account), BudgetName: aws.String(name)})
	if hasCode(err, "NotFoundException") {
		return nil
	}
	return err
}

// BudgetNotifications lists a budget's percentage notifications with their subscribers.
func BudgetNotifications(ctx context.Context, c *budgets.Client, account, name string) ([]BudgetNotification, error) {
	var out []BudgetNotification
	p := budgets.NewDescribeNotificationsForBudgetPaginator(c, &budgets.DescribeNotificationsForBudgetInput{AccountId: aws.String(account), BudgetName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if hasCode(err, "NotFoundException") {
				return nil, wrapNotFound(err)
			}
			return nil, err
		}
		for _, n := range page.Notifications {
			bn := BudgetNotification{Type: n.NotificationType, Threshold: n.Threshold}
			sp := budgets.NewDescribeSubscribersForNotificationPaginator(c, &budgets.DescribeSubscribersForNotificationInput{
				AccountId: aws.String(account), BudgetName: aws.String(name), Notification: &n})
			for sp.HasMorePages() {
				subs, err := sp.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, s := range subs.Subscribers {
					if s.SubscriptionType == types.SubscriptionTypeSns {
						bn.TopicARN = aws.ToString(s.Address)
					} else {
						bn.Emails = append(bn.Emails, aws.ToString(s.Address))
					}
				}
			}
			sort.Strings(bn.Emails)
			out = append(out, bn)
		}
	}
	return out, nil
}

// SyncBudgetNotifications turns the notifications have into want in place: a
// notification whose threshold moved is updated (UpdateNotification keeps it and its
// subscribers), subscribers are added and removed one by one, and only notifications
// without a counterpart are created or deleted. Notifications pair up by type and rank
// (the i-th lowest ACTUAL with the i-th lowest ACTUAL wanted). Updates run in an order
// that never moves one onto another's current threshold.
func SyncBudgetNotifications(ctx context.Context, c *budgets.Client, account, name string, have, want []BudgetNotification) error {
	type pair struct{ old, new *BudgetNotification }
	var pairs []pair
	var extra, missing []BudgetNotification
	for _, typ := range []types.NotificationType{types.NotificationTypeActual, types.NotificationTypeForecasted} {
		h, w := ofType(have, typ), ofType(want, typ)
		for i := 0; i < len(h) || i < len(w); i++ {
			switch {
			case i >= len(w):
				extra = append(extra, h[i])
			case i >= len(h):
				missing = append(missing, w[i])
			default:
				pairs = append(pairs, pair{&h[i], &w[i]})
			}
		}
	}
	for _, n := range extra {
		tflog.Debug(ctx, "deleting budget notification", map[string]any{"budget": name, "type": n.Type, "threshold": n.Threshold})
		if _, err := c.DeleteNotification(ctx, &budgets.DeleteNotificationInput{AccountId: aws.String(account), BudgetName: aws.String(name), Notification: n.notification()}); err != nil && !hasCode(err, "NotFoundException") {
			return err
		}
	}
	// Raised thresholds from the top down, then lowered ones from the bottom up.
	sort.SliceStable(pairs, func(i, k int) bool {
		ui, uk := pairs[i].new.Threshold > pairs[i].old.Threshold, pairs[k].new.Threshold > pairs[k].old.Threshold
		if ui != uk {
			return ui
		}
		if ui {
			return pairs[i].old.Threshold > pairs[k].old.Threshold
		}
		return pairs[i].old.Threshold < pairs[k].old.Threshold
	})
	for _, p := range pairs {
		if p.old.Threshold != p.new.Threshold {
			tflog.Debug(ctx, "updating budget notification", map[string]any{"budget": name, "type": p.old.Type, "from": p.old.Threshold, "to": p.new.Threshold})
			if _, err := c.UpdateNotification(ctx, &budgets.UpdateNotificationInput{AccountId: aws.String(account), BudgetName: aws.String(name),
				OldNotification: p.old.notification(), NewNotification: p.new.notification()}); err != nil {
				return err
			}
		}
		if err := syncSubscribers(ctx, c, account, name, *p.old, *p.new); err != nil {
			return err
		}
	}
	for _, n := range missing {
		tflog.Debug(ctx, "creating budget notification", map[string]any{"budget": name, "type": n.Type, "threshold": n.Threshold})
		if _, err := c.CreateNotification(ctx, &budgets.CreateNotificationInput{AccountId: aws.String(account), BudgetName: aws.String(name),
			Notification: n.notification(), Subscribers: n.subscribers()}); err != nil {
			return err
		}
	}
	return nil
}

func ofType(list []BudgetNotification, typ types.NotificationType) []BudgetNotification {
	var out []BudgetNotification
	for _, n := range list {
		if n.Type == typ {
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Threshold < out[k].Threshold })
	return out
}

// syncSubscribers adds want's subscribers before it removes have's, so a notification
// never drops to no subscriber (which Budgets refuses).
func syncSubscribers(ctx context.Context, c *budgets.Client, account, name string, have, want BudgetNotification) error {
	key := func(s types.Subscriber) string { return string(s.SubscriptionType) + " " + aws.ToString(s.Address) }
	current := map[string]bool{}
	for _, s := range have.subscribers() {
		current[key(s)] = true
	}
	wanted := map[string]bool{}
	for _, s := range want.subscribers() {
		wanted[key(s)] = true
		if current[key(s)] {
			continue
		}
		tflog.Debug(ctx, "adding budget subscriber", map[string]any{"budget": name, "threshold": want.Threshold, "type": s.SubscriptionType})
		if _, err := c.CreateSubscriber(ctx, &budgets.CreateSubscriberInput{AccountId: aws.String(account), BudgetName: aws.String(name),
			Notification: want.notification(), Subscriber: &s}); err != nil && !hasCode(err, "DuplicateRecordException") {
			return err
		}
	}
	for _, s := range have.subscribers() {
		if wanted[key(s)] {
			continue
		}
		tflog.Debug(ctx, "removing budget subscriber", map[string]any{"budget": name, "threshold": want.Threshold, "type": s.SubscriptionType})
		if _, err := c.DeleteSubscriber(ctx, &budgets.DeleteSubscriberInput{AccountId: aws.String(account), BudgetName: aws.String(name),
			Notification: want.notification(), Subscriber: &s}); err != nil && !hasCode(err, "NotFoundException") {
			return err
		}
	}
	return nil
}

// BudgetTags lists a budget's tags.
func BudgetTags(ctx context.Context, c *budgets.Client, budgetARN string) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &budgets.ListTagsForResourceInput{ResourceARN: aws.String(budgetARN)})
	if err != nil {
		if hasCode(err, "NotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return tagMap(out.ResourceTags, func(t types.ResourceTag) (*string, *string) { return t.Key, t.Value }), nil
}

// BudgetTagger tags budgets by ARN (BudgetARN).
func BudgetTagger(c *budgets.Client) Tagger {
	return Tagger{Service: "budgets",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return BudgetTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &budgets.TagResourceInput{ResourceARN: aws.String(arn), ResourceTags: budgetTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &budgets.UntagResourceInput{ResourceARN: aws.String(arn), ResourceTagKeys: keys})
			return err
		},
	}
}

func budgetTags(tags map[string]string) []types.ResourceTag {
	return tagList(tags, func(k, v *string) types.ResourceTag { return types.ResourceTag{Key: k, Value: v} })
}
