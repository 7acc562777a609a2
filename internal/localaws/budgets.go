package localaws

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AWS Budgets (awsJson1_1): cost budgets with their notifications and subscribers, and
// tags. Budgets are global (no region in the ARN) and named uniquely per account. The
// limits enforced are AWS's: names without ':' or '\', at most 10 notifications per
// budget, and per notification at most 10 email subscribers and one SNS subscriber.

// KindBudget is a stored budget; id is the budget ARN, value Budget.
const KindBudget = "budgets:budget"

// Budget is a stored AWS budget.
type Budget struct {
	Name, Account, ARN   string
	BudgetType, TimeUnit string
	LimitAmount          string
	LimitUnit            string
	// CostFilters are kept exactly as sent (e.g. TagKeyValue: ["user:team$ai-core"]), so
	// tests can check the wire form.
	CostFilters map[string][]string
	// FilterExpression and Metrics, the supported form of CostFilters and CostTypes.
	FilterExpression *BudgetExpression
	Metrics          []string
	Start, End       time.Time
	LastUpdated      time.Time
	ActualSpend      string // for tests; "0" unless set
	Notifications    []BudgetNotification
	Tags             map[string]string
}

// BudgetNotification is one notification of a budget with its subscribers.
type BudgetNotification struct {
	NotificationType   string // ACTUAL | FORECASTED
	ComparisonOperator string // GREATER_THAN | LESS_THAN | EQUAL_TO
	Threshold          float64
	ThresholdType      string // PERCENTAGE | ABSOLUTE_VALUE
	State              string // OK | ALARM
	Subscribers        []BudgetSubscriber
}

// BudgetSubscriber is an EMAIL or SNS subscriber.
type BudgetSubscriber struct {
	SubscriptionType string
	Address          string
}

// BudgetARN is the ARN of a budget.
func BudgetARN(account, name string) string {
	return fmt.Sprintf("arn:aws:budgets::%s:budget/%s", account, name)
}

const (
	budgetMaxNotifications = 10
	budgetMaxEmails        = 10
)

var budgetNameRe = regexp.MustCompile(`^[^:\\]+$`)

func init() {
	RegisterBuiltin("budgets",
		Operation{Name: "CreateBudget", Handler: Handle(createBudget)},
		Operation{Name: "DescribeBudget", Handler: Handle(describeBudget)},
		Operation{Name: "UpdateBudget", Handler: Handle(updateBudget)},
		Operation{Name: "DeleteBudget", Handler: Handle(deleteBudget)},
		Operation{Name: "CreateNotification", Handler: Handle(createBudgetNotification)},
		Operation{Name: "UpdateNotification", Handler: Handle(updateBudgetNotification)},
		Operation{Name: "DeleteNotification", Handler: Handle(deleteBudgetNotification)},
		Operation{Name: "DescribeNotificationsForBudget", Handler: Handle(describeNotificationsForBudget)},
		Operation{Name: "CreateSubscriber", Handler: Handle(createBudgetSubscriber)},
		Operation{Name: "DeleteSubscriber", Handler: Handle(deleteBudgetSubscriber)},
		Operation{Name: "DescribeSubscribersForNotification", Handler: Handle(describeSubscribersForNotification)},
		Operation{Name: "TagResource", Handler: Handle(budgetsTagResource)},
		Operation{Name: "UntagResource", Handler: Handle(budgetsUntagResource)},
		Operation{Name: "ListTagsForResource", Handler: Handle(budgetsListTags)},
	)
}

func budgetsInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidParameterException", format, args...)
}

func budgetsNotFound(format string, args ...any) *APIError {
	return ErrorStatus(http.StatusBadRequest, "NotFoundException", format, args...)
}

// ---- wire shapes ----------------------------------------------------------------

type budgetSpend struct {
	Amount *string `json:"Amount"`
	Unit   *string `json:"Unit"`
}

type budgetTimePeriod struct {
	Start *EpochSeconds `json:"Start,omitempty"`
	End   *EpochSeconds `json:"End,omitempty"`
}

type budgetCalculatedSpend struct {
	ActualSpend budgetSpend `json:"ActualSpend"`
}

type budgetWire struct {
	BudgetName       *string                `json:"BudgetName"`
	BudgetType       *string                `json:"BudgetType"`
	TimeUnit         *string                `json:"TimeUnit"`
	BudgetLimit      *budgetSpend           `json:"BudgetLimit,omitempty"`
	CostFilters      map[string][]string    `json:"CostFilters,omitempty"`
	CostTypes        map[string]any         `json:"CostTypes,omitempty"`
	FilterExpression *BudgetExpression      `json:"FilterExpression,omitempty"`
	Metrics          []string               `json:"Metrics,omitempty"`
	TimePeriod       *budgetTimePeriod      `json:"TimePeriod,omitempty"`
	CalculatedSpend  *budgetCalculatedSpend `json:"CalculatedSpend,omitempty"`
	LastUpdatedTime  *EpochSeconds          `json:"LastUpdatedTime,omitempty"`
}

type budgetNotificationWire struct {
	NotificationType   *string  `json:"NotificationType"`
	ComparisonOperator *string  `json:"ComparisonOperator"`
	Threshold          *float64 `json:"Threshold"`
	ThresholdType      *string  `json:"ThresholdType,omitempty"`
	NotificationState  *string  `json:"NotificationState,omitempty"`
}

type budgetSubscriberWire struct {
	SubscriptionType *string `json:"SubscriptionType"`
	Address          *string `json:"Address"`
}

type budgetResourceTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func checkBudgetAccount(c *Call, account *string) error {
	if account == nil || !regexp.MustCompile(`^\d{12}$`).MatchString(*account) {
		return budgetsInvalid("AccountId must be a 12-digit AWS account id.")
	}
	if *account != c.Account() {
		return ErrorStatus(http.StatusBadRequest, "AccessDeniedException", "Account %s is not the caller's account.", *account)
	}
	return nil
}

func checkBudgetName(name *string) (string, error) {
	if name == nil || *name == "" {
		return "", budgetsInvalid("BudgetName is required.")
	}
	if len(*name) > 100 || !budgetNameRe.MatchString(*name) {
		return "", budgetsInvalid("Budget name %q is invalid: up to 100 characters, without ':' or '\\'.", *name)
	}
	return *name, nil
}

// requestedBudget checks a request's account and budget name as Budgets does and finds
// the budget.
func requestedBudget(c *Call, account, name *string) (Budget, error) {
	if err := checkBudgetAccount(c, account); err != nil {
		return Budget{}, err
	}
	n, err := checkBudgetName(name)
	if err != nil {
		return Budget{}, err
	}
	return lookupBudget(c, n)
}

func lookupBudget(c *Call, name string) (Budget, error) {
	v, ok := c.Store().Lookup(KindBudget, BudgetARN(c.Account(), name))
	if !ok {
		return Budget{}, budgetsNotFound("Unable to get budget: %s - the budget doesn't exist.", name)
	}
	return v.(Budget), nil
}

// budgetFromWire validates a budget as Budgets does and converts it.
func budgetFromWire(w *budgetWire) (Budget, error) {
	if w == nil {
		return Budget{}, budgetsInvalid("Budget is required.")
	}
	name, err := checkBudgetName(w.BudgetName)
	if err != nil {
		return Budget{}, err
	}
	b := Budget{Name: name, BudgetType: deref(w.BudgetType), TimeUnit: deref(w.TimeUnit), CostFilters: w.CostFilters,
		FilterExpression: w.FilterExpression, Metrics: w.Metrics}
	if err := checkBudgetFilter(w); err != nil {
		return Budget{}, err
	}
	switch b.BudgetType {
	case "COST", "USAGE", "RI_UTILIZATION", "RI_COVERAGE", "SAVINGS_PLANS_UTILIZATION", "SAVINGS_PLANS_COVERAGE":
	default:
		return Budget{}, budgetsInvalid("BudgetType %q is not valid.", b.BudgetType)
	}
	switch b.TimeUnit {
	case "DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY":
	default:
		return Budget{}, budgetsInvalid("TimeUnit %q is not valid.", b.TimeUnit)
	}
	if b.BudgetType == "COST" || b.BudgetType == "USAGE" {
		if w.BudgetLimit == nil || w.BudgetLimit.Amount == nil || w.BudgetLimit.Unit == nil {
			return Budget{}, budgetsInvalid("A budget limit is required for a %s budget.", b.BudgetType)
		}
		amount, err := strconv.ParseFloat(*w.BudgetLimit.Amount, 64)
		if err != nil || amount <= 0 || math.IsInf(amount, 0) {
			return Budget{}, budgetsInvalid("The budget limit amount %q must be a positive number.", *w.BudgetLimit.Amount)
		}
		b.LimitAmount, b.LimitUnit = *w.BudgetLimit.Amount, *w.BudgetLimit.Unit
	}
	for k, vals := range w.CostFilters {
		if len(vals) == 0 {
			return Budget{}, budgetsInvalid("Cost filter %s has no values.", k)
		}
	}
	now := time.Now().UTC()
	b.Start = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	b.End = time.Date(2087, 6, 15, 0, 0, 0, 0, time.UTC)
	if w.TimePeriod != nil {
		if w.TimePeriod.Start != nil {
			b.Start = time.Time(*w.TimePeriod.Start)
		}
		if w.TimePeriod.End != nil {
			b.End = time.Time(*w.TimePeriod.End)
		}
	}
	b.ActualSpend = "0"
	b.LastUpdated = now
	return b, nil
}

func (b Budget) wire() *budgetWire {
	start, end, updated := EpochSeconds(b.Start), EpochSeconds(b.End), EpochSeconds(b.LastUpdated)
	w := &budgetWire{
		BudgetName: &b.Name, BudgetType: &b.BudgetType, TimeUnit: &b.TimeUnit, CostFilters: b.CostFilters,
		FilterExpression: b.FilterExpression, Metrics: b.Metrics,
		TimePeriod: &budgetTimePeriod{Start: &start, End: &end}, LastUpdatedTime: &updated,
	}
	if b.LimitAmount != "" {
		unit := b.LimitUnit
		spend := b.ActualSpend
		w.BudgetLimit = &budgetSpend{Amount: &b.LimitAmount, Unit: &unit}
		w.CalculatedSpend = &budgetCalculatedSpend{ActualSpend: budgetSpend{Amount: &spend, Unit: &unit}}
	}
	return w
}

func notificationFromWire(w *budgetNotificationWire) (BudgetNotification, error) {
	if w == nil {
		return BudgetNotification{}, budgetsInvalid("Notification is required.")
	}
	n := BudgetNotification{NotificationType: deref(w.NotificationType), ComparisonOperator: deref(w.ComparisonOperator), ThresholdType: deref(w.ThresholdType), State: "OK"}
	if n.ThresholdType == "" {
		n.ThresholdType = "PERCENTAGE"
	}
	if n.NotificationType != "ACTUAL" && n.NotificationType != "FORECASTED" {
		return n, budgetsInvalid("NotificationType %q is not valid.", n.NotificationType)
	}
	switch n.ComparisonOperator {
	case "GREATER_THAN", "LESS_THAN", "EQUAL_TO":
	default:
		return n, budgetsInvalid("ComparisonOperator %q is not valid.", n.ComparisonOperator)
	}
	if n.ThresholdType != "PERCENTAGE" && n.ThresholdType != "ABSOLUTE_VALUE" {
		return n, budgetsInvalid("ThresholdType %q is not valid.", n.ThresholdType)
	}
	if w.Threshold == nil || *w.Threshold < 0 || *w.Threshold > 40000000000 {
		return n, budgetsInvalid("Threshold must be between 0 and 40000000000.")
	}
	n.Threshold = *w.Threshold
	return n, nil
}

// same is how Budgets identifies a notification: type, operator, threshold and type.
func (n BudgetNotification) same(o BudgetNotification) bool {
	return n.NotificationType == o.NotificationType && n.ComparisonOperator == o.ComparisonOperator &&
		n.Threshold == o.Threshold && n.ThresholdType == o.ThresholdType
}

func (n BudgetNotification) wire() budgetNotificationWire {
	t := n.Threshold
	return budgetNotificationWire{NotificationType: &n.NotificationType, ComparisonOperator: &n.ComparisonOperator,
		Threshold: &t, ThresholdType: &n.ThresholdType, NotificationState: &n.State}
}

var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func subscriberFromWire(w budgetSubscriberWire) (BudgetSubscriber, error) {
	s := BudgetSubscriber{SubscriptionType: deref(w.SubscriptionType), Address: deref(w.Address)}
	switch s.SubscriptionType {
	case "EMAIL":
		if !emailRe.MatchString(s.Address) {
			return s, budgetsInvalid("Invalid email address %q.", s.Address)
		}
	case "SNS":
		if !strings.HasPrefix(s.Address, "arn:aws") || !strings.Contains(s.Address, ":sns:") {
			return s, budgetsInvalid("Invalid SNS topic ARN %q.", s.Address)
		}
	default:
		return s, budgetsInvalid("SubscriptionType %q is not valid.", s.SubscriptionType)
	}
	return s, nil
}

func checkSubscribers(subs []BudgetSubscriber) error {
	if len(subs) == 0 {
		return budgetsInvalid("A notification needs at least one subscriber.")
	}
	emails, topics := 0, 0
	seen := map[BudgetSubscriber]bool{}
	for _, s := range subs {
		if seen[s] {
			return ErrorStatus(http.StatusBadRequest, "DuplicateRecordException", "Subscriber %s %s is given twice.", s.SubscriptionType, s.Address)
		}
		seen[s] = true
		if s.SubscriptionType == "EMAIL" {
			emails++
		} else {
			topics++
		}
	}
	if emails > budgetMaxEmails || topics > 1 {
		return budgetsInvalid("A notification can have at most %d email subscribers and one SNS subscriber.", budgetMaxEmails)
	}
	return nil
}

// ---- budgets ----------------------------------------------------------------------

type notificationWithSubscribers struct {
	Notification *budgetNotificationWire `json:"Notification"`
	Subscribers  []budgetSubscriberWire  `json:"Subscribers"`
}

type createBudgetInput struct {
	AccountId                    *string                       `json:"AccountId"`
	Budget                       *budgetWire                   `json:"Budget"`
	NotificationsWithSubscribers []notificationWithSubscribers `json:"NotificationsWithSubscribers"`
	ResourceTags                 []budgetResourceTag           `json:"ResourceTags"`
}

func budgetTags(tags []budgetResourceTag) (map[string]string, error) {
	if len(tags) > 50 {
		return nil, budgetsInvalid("A budget can have at most 50 tags.")
	}
	m := map[string]string{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(t.Key, "aws:") {
			return nil, budgetsInvalid("Invalid tag key %q.", t.Key)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

func createBudget(c *Call, in *createBudgetInput) (*empty, error) {
	if err := checkBudgetAccount(c, in.AccountId); err != nil {
		return nil, err
	}
	b, err := budgetFromWire(in.Budget)
	if err != nil {
		return nil, err
	}
	b.Account, b.ARN = c.Account(), BudgetARN(c.Account(), b.Name)
	if len(in.NotificationsWithSubscribers) > budgetMaxNotifications {
		return nil, ErrorStatus(http.StatusBadRequest, "CreationLimitExceededException", "A budget can have at most %d notifications.", budgetMaxNotifications)
	}
	for _, nws := range in.NotificationsWithSubscribers {
		n, err := notificationFromWire(nws.Notification)
		if err != nil {
			return nil, err
		}
		for _, sw := range nws.Subscribers {
			s, err := subscriberFromWire(sw)
			if err != nil {
				return nil, err
			}
			n.Subscribers = append(n.Subscribers, s)
		}
		if err := checkSubscribers(n.Subscribers); err != nil {
			return nil, err
		}
		for _, o := range b.Notifications {
			if o.same(n) {
				return nil, ErrorStatus(http.StatusBadRequest, "DuplicateRecordException", "Duplicate notification.")
			}
		}
		b.Notifications = append(b.Notifications, n)
	}
	if b.Tags, err = budgetTags(in.ResourceTags); err != nil {
		return nil, err
	}
	if !c.Store().Create(KindBudget, b.ARN, b) {
		return nil, ErrorStatus(http.StatusBadRequest, "DuplicateRecordException", "Error creating budget: %s - the budget already exists.", b.Name)
	}
	return &empty{}, nil
}

type budgetNameInput struct {
	AccountId  *string `json:"AccountId"`
	BudgetName *string `json:"BudgetName"`
	// DescribeBudget returns the filter expression only when asked ("Specifies whether
	// the response includes the filter expression": Budgets API reference, DescribeBudget).
	ShowFilterExpression *bool `json:"ShowFilterExpression,omitempty"`
}

type describeBudgetOutput struct {
	Budget *budgetWire `json:"Budget"`
}

func describeBudget(c *Call, in *budgetNameInput) (*describeBudgetOutput, error) {
	b, err := requestedBudget(c, in.AccountId, in.BudgetName)
	if err != nil {
		return nil, err
	}
	w := b.wire()
	if in.ShowFilterExpression == nil || !*in.ShowFilterExpression {
		w.FilterExpression = nil
	}
	return &describeBudgetOutput{Budget: w}, nil
}

type updateBudgetInput struct {
	AccountId *string     `json:"AccountId"`
	NewBudget *budgetWire `json:"NewBudget"`
}

// updateBudget replaces the budget's definition; its notifications, tags, spend and
// history stay.
func updateBudget(c *Call, in *updateBudgetInput) (*empty, error) {
	if err := checkBudgetAccount(c, in.AccountId); err != nil {
		return nil, err
	}
	nb, err := budgetFromWire(in.NewBudget)
	if err != nil {
		return nil, err
	}
	arn := BudgetARN(c.Account(), nb.Name)
	if _, ok := c.Store().Lookup(KindBudget, arn); !ok {
		return nil, budgetsNotFound("Unable to update budget: %s - the budget doesn't exist.", nb.Name)
	}
	err = c.Store().Update(KindBudget, arn, func(v any) (any, error) {
		b := v.(Budget)
		b.BudgetType, b.TimeUnit, b.LimitAmount, b.LimitUnit, b.CostFilters = nb.BudgetType, nb.TimeUnit, nb.LimitAmount, nb.LimitUnit, nb.CostFilters
		b.FilterExpression, b.Metrics = nb.FilterExpression, nb.Metrics
		if in.NewBudget.TimePeriod != nil {
			b.Start, b.End = nb.Start, nb.End
		}
		b.LastUpdated = nb.LastUpdated
		return b, nil
	})
	if err != nil {
		return nil, budgetsNotFound("Unable to update budget: %s - the budget doesn't exist.", nb.Name)
	}
	return &empty{}, nil
}

func deleteBudget(c *Call, in *budgetNameInput) (*empty, error) {
	if err := checkBudgetAccount(c, in.AccountId); err != nil {
		return nil, err
	}
	name, err := checkBudgetName(in.BudgetName)
	if err != nil {
		return nil, err
	}
	if !c.Store().Delete(KindBudget, BudgetARN(c.Account(), name)) {
		return nil, budgetsNotFound("Unable to delete budget: %s - the budget doesn't exist.", name)
	}
	return &empty{}, nil
}

// updateBudgetNotifications changes a budget's notifications under the store lock.
func updateBudgetNotifications(c *Call, account, name *string, fn func(b *Budget) error) error {
	if err := checkBudgetAccount(c, account); err != nil {
		return err
	}
	n, err := checkBudgetName(name)
	if err != nil {
		return err
	}
	if _, err := lookupBudget(c, n); err != nil {
		return err
	}
	err = c.Store().Update(KindBudget, BudgetARN(c.Account(), n), func(v any) (any, error) {
		b := v.(Budget)
		b.Notifications = append([]BudgetNotification(nil), b.Notifications...)
		for i := range b.Notifications {
			b.Notifications[i].Subscribers = append([]BudgetSubscriber(nil), b.Notifications[i].Subscribers...)
		}
		if err := fn(&b); err != nil {
			return nil, err
		}
		return b, nil
	})
	if errors.Is(err, ErrNotFound) {
		return budgetsNotFound("Unable to get budget: %s - the budget doesn't exist.", n)
	}
	return err
}

func findNotification(b *Budget, n BudgetNotification) int {
	for i, o := range b.Notifications {
		if o.same(n) {
			return i
		}
	}
	return -1
}

type createNotificationInput struct {
	AccountId    *string                 `json:"AccountId"`
	BudgetName   *string                 `json:"BudgetName"`
	Notification *budgetNotificationWire `json:"Notification"`
	Subscribers  []budgetSubscriberWire  `json:"Subscribers"`
}

func createBudgetNotification(c *Call, in *createNotificationInput) (*empty, error) {
	n, err := notificationFromWire(in.Notification)
	if err != nil {
		return nil, err
	}
	for _, sw := range in.Subscribers {
		s, err := subscriberFromWire(sw)
		if err != nil {
			return nil, err
		}
		n.Subscribers = append(n.Subscribers, s)
	}
	if err := checkSubscribers(n.Subscribers); err != nil {
		return nil, err
	}
	return &empty{}, updateBudgetNotifications(c, in.AccountId, in.BudgetName, func(b *Budget) error {
		if findNotification(b, n) >= 0 {
			return ErrorStatus(http.StatusBadRequest, "DuplicateRecordException", "Error creating notification: the notification already exists.")
		}
		if len(b.Notifications) >= budgetMaxNotifications {
			return ErrorStatus(http.StatusBadRequest, "CreationLimitExceededException", "A budget can have at most %d notifications.", budgetMaxNotifications)
		}
		b.Notifications = append(b.Notifications, n)
		return nil
	})
}

type updateNotificationInput struct {
	AccountId       *string                 `json:"AccountId"`
	BudgetName      *string                 `json:"BudgetName"`
	OldNotification *budgetNotificationWire `json:"OldNotification"`
	NewNotification *budgetNotificationWire `json:"NewNotification"`
}

// updateBudgetNotification changes a notification's definition; its subscribers stay.
func updateBudgetNotification(c *Call, in *updateNotificationInput) (*empty, error) {
	old, err := notificationFromWire(in.OldNotification)
	if err != nil {
		return nil, err
	}
	nn, err := notificationFromWire(in.NewNotification)
	if err != nil {
		return nil, err
	}
	return &empty{}, updateBudgetNotifications(c, in.AccountId, in.BudgetName, func(b *Budget) error {
		i := findNotification(b, old)
		if i < 0 {
			return budgetsNotFound("Unable to update notification: the notification doesn't exist.")
		}
		if j := findNotification(b, nn); j >= 0 && j != i {
			return ErrorStatus(http.StatusBadRequest, "DuplicateRecordException", "Error updating notification: the new notification already exists.")
		}
		nn.Subscribers, nn.State = b.Notifications[i].Subscribers, b.Notifications[i].State
		b.Notifications[i] = nn
		return nil
	})
}

type notificationInput struct {
	AccountId    *string                 `json:"AccountId"`
	BudgetName   *string                 `json:"BudgetName"`
	Notification *budgetNotificationWire `json:"Notification"`
}

func deleteBudgetNotification(c *Call, in *notificationInput) (*empty, error) {
	n, err := notificationFromWire(in.Notification)
	if err != nil {
		return nil, err
	}
	return &empty{}, updateBudgetNotifications(c, in.AccountId, in.BudgetName, func(b *Budget) error {
		i := findNotification(b, n)
		if i < 0 {
			return budgetsNotFound("Unable to delete notification: the notification doesn't exist.")
		}
		b.Notifications = append(b.Notifications[:i], b.Notifications[i+1:]...)
		return nil
	})
}

type pagedBudgetInput struct {
	AccountId    *string                 `json:"AccountId"`
	BudgetName   *string                 `json:"BudgetName"`
	Notification *budgetNotificationWire `json:"Notification"`
	MaxResults   *int                    `json:"MaxResults"`
	NextToken    *string                 `json:"NextToken"`
}

type describeNotificationsOutput struct {
	Notifications []budgetNotificationWire `json:"Notifications"`
	NextToken     *string                  `json:"NextToken,omitempty"`
}

func pageBounds(maxResults *int, token *string, n int) (int, int, error) {
	size := 100
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return 0, 0, budgetsInvalid("MaxResults must be between 1 and 100.")
		}
		size = *maxResults
	}
	start, err := pageStart(token, n)
	if err != nil {
		return 0, 0, Errorf("InvalidNextTokenException", "The next token is invalid.")
	}
	return start, min(start+size, n), nil
}

func describeNotificationsForBudget(c *Call, in *pagedBudgetInput) (*describeNotificationsOutput, error) {
	b, err := requestedBudget(c, in.AccountId, in.BudgetName)
	if err != nil {
		return nil, err
	}
	start, end, err := pageBounds(in.MaxResults, in.NextToken, len(b.Notifications))
	if err != nil {
		return nil, err
	}
	out := &describeNotificationsOutput{Notifications: []budgetNotificationWire{}}
	for _, n := range b.Notifications[start:end] {
		out.Notifications = append(out.Notifications, n.wire())
	}
	if end < len(b.Notifications) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

type subscriberInput struct {
	AccountId    *string                 `json:"AccountId"`
	BudgetName   *string                 `json:"BudgetName"`
	Notification *budgetNotificationWire `json:"Notification"`
	Subscriber   *budgetSubscriberWire   `json:"Subscriber"`
}

func (in *subscriberInput) parse() (BudgetNotification, BudgetSubscriber, error) {
	n, err := notificationFromWire(in.Notification)
	if err != nil {
		return n, BudgetSubscriber{}, err
	}
	if in.Subscriber == nil {
		return n, BudgetSubscriber{}, budgetsInvalid("Subscriber is required.")
	}
	s, err := subscriberFromWire(*in.Subscriber)
	return n, s, err
}

func createBudgetSubscriber(c *Call, in *subscriberInput) (*empty, error) {
	n, s, err := in.parse()
	if err != nil {
		return nil, err
	}
	return &empty{}, updateBudgetNotifications(c, in.AccountId, in.BudgetName, func(b *Budget) error {
		i := findNotification(b, n)
		if i < 0 {
			return budgetsNotFound("Unable to create subscriber: the notification doesn't exist.")
		}
		subs := append(b.Notifications[i].Subscribers, s)
		if err := checkSubscribers(subs); err != nil {
			return err
		}
		b.Notifications[i].Subscribers = subs
		return nil
	})
}

func deleteBudgetSubscriber(c *Call, in *subscriberInput) (*empty, error) {
	n, s, err := in.parse()
	if err != nil {
		return nil, err
	}
	return &empty{}, updateBudgetNotifications(c, in.AccountId, in.BudgetName, func(b *Budget) error {
		i := findNotification(b, n)
		if i < 0 {
			return budgetsNotFound("Unable to delete subscriber: the notification doesn't exist.")
		}
		subs := b.Notifications[i].Subscribers
		for j, o := range subs {
			if o == s {
				if len(subs) == 1 {
					return budgetsInvalid("A notification needs at least one subscriber; delete the notification instead.")
				}
				b.Notifications[i].Subscribers = append(subs[:j], subs[j+1:]...)
				return nil
			}
		}
		return budgetsNotFound("Unable to delete subscriber: the subscriber doesn't exist.")
	})
}

type describeSubscribersOutput struct {
	Subscribers []budgetSubscriberWire `json:"Subscribers"`
	NextToken   *string                `json:"NextToken,omitempty"`
}

func describeSubscribersForNotification(c *Call, in *pagedBudgetInput) (*describeSubscribersOutput, error) {
	if err := checkBudgetAccount(c, in.AccountId); err != nil {
		return nil, err
	}
	name, err := checkBudgetName(in.BudgetName)
	if err != nil {
		return nil, err
	}
	n, err := notificationFromWire(in.Notification)
	if err != nil {
		return nil, err
	}
	b, err := lookupBudget(c, name)
	if err != nil {
		return nil, err
	}
	i := findNotification(&b, n)
	if i < 0 {
		return nil, budgetsNotFound("Unable to get subscribers: the notification doesn't exist.")
	}
	subs := b.Notifications[i].Subscribers
	start, end, err := pageBounds(in.MaxResults, in.NextToken, len(subs))
	if err != nil {
		return nil, err
	}
	out := &describeSubscribersOutput{Subscribers: []budgetSubscriberWire{}}
	for _, s := range subs[start:end] {
		out.Subscribers = append(out.Subscribers, budgetSubscriberWire{SubscriptionType: &s.SubscriptionType, Address: &s.Address})
	}
	if end < len(subs) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

// ---- tags -------------------------------------------------------------------------

type budgetsTagInput struct {
	ResourceARN     *string             `json:"ResourceARN"`
	ResourceTags    []budgetResourceTag `json:"ResourceTags"`
	ResourceTagKeys []string            `json:"ResourceTagKeys"`
}

type budgetsListTagsOutput struct {
	ResourceTags []budgetResourceTag `json:"ResourceTags"`
}

func updateBudgetTags(c *Call, arn *string, fn func(map[string]string) error) error {
	if arn == nil {
		return budgetsInvalid("ResourceARN is required.")
	}
	if _, ok := c.Store().Lookup(KindBudget, *arn); !ok {
		return budgetsNotFound("Resource %s doesn't exist.", *arn)
	}
	err := c.Store().Update(KindBudget, *arn, func(v any) (any, error) {
		b := v.(Budget)
		tags := map[string]string{}
		for k, v := range b.Tags {
			tags[k] = v
		}
		if err := fn(tags); err != nil {
			return nil, err
		}
		b.Tags = tags
		return b, nil
	})
	if errors.Is(err, ErrNotFound) {
		return budgetsNotFound("Resource %s doesn't exist.", *arn)
	}
	return err
}

func budgetsTagResource(c *Call, in *budgetsTagInput) (*empty, error) {
	add, err := budgetTags(in.ResourceTags)
	if err != nil {
		return nil, err
	}
	return &empty{}, updateBudgetTags(c, in.ResourceARN, func(tags map[string]string) error {
		for k, v := range add {
			tags[k] = v
		}
		if len(tags) > 50 {
			return ErrorStatus(http.StatusBadRequest, "ServiceQuotaExceededException", "A budget can have at most 50 tags.")
		}
		return nil
	})
}

func budgetsUntagResource(c *Call, in *budgetsTagInput) (*empty, error) {
	return &empty{}, updateBudgetTags(c, in.ResourceARN, func(tags map[string]string) error {
		for _, k := range in.ResourceTagKeys {
			delete(tags, k)
		}
		return nil
	})
}

func budgetsListTags(c *Call, in *budgetsTagInput) (*budgetsListTagsOutput, error) {
	if in.ResourceARN == nil {
		return nil, budgetsInvalid("ResourceARN is required.")
	}
	v, ok := c.Store().Lookup(KindBudget, *in.ResourceARN)
	if !ok {
		return nil, budgetsNotFound("Resource %s doesn't exist.", *in.ResourceARN)
	}
	b := v.(Budget)
	keys := make([]string, 0, len(b.Tags))
	for k := range b.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &budgetsListTagsOutput{ResourceTags: []budgetResourceTag{}}
	for _, k := range keys {
		out.ResourceTags = append(out.ResourceTags, budgetResourceTag{Key: k, Value: b.Tags[k]})
	}
	return out, nil
}
