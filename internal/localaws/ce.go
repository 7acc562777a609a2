package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Cost Explorer (awsJson1_1): Cost Anomaly Detection monitors and subscriptions, and
// their tags. Both are global (no region in the ARN). A CUSTOM monitor needs a
// MonitorSpecification; a DIMENSIONAL one a MonitorDimension. An IMMEDIATE subscription
// may only notify SNS topics, as in Cost Explorer.

// Object kinds of the Cost Explorer operations.
const (
	KindAnomalyMonitor      = "ce:anomaly-monitor"      // id: monitor ARN; value AnomalyMonitor
	KindAnomalySubscription = "ce:anomaly-subscription" // id: subscription ARN; value AnomalySubscription
)

// AnomalyMonitor is a stored Cost Anomaly Detection monitor.
type AnomalyMonitor struct {
	ARN, Name, Type, Dimension string
	// Specification is the monitor's cost category expression as sent, e.g.
	// {"Tags":{"Key":"team","Values":["ai-core"]}}.
	Specification json.RawMessage
	Created       time.Time
	Tags          map[string]string
}

// AnomalySubscription is a stored anomaly subscription.
type AnomalySubscription struct {
	ARN, Name, Account, Frequency string
	MonitorARNs                   []string
	Subscribers                   []AnomalySubscriber
	Threshold                     *float64
	ThresholdExpression           json.RawMessage
	Tags                          map[string]string
}

// AnomalySubscriber is an EMAIL or SNS subscriber of an anomaly subscription.
type AnomalySubscriber struct {
	Address string `json:"Address"`
	Type    string `json:"Type"`
	Status  string `json:"Status,omitempty"`
}

func init() {
	RegisterBuiltin("ce",
		Operation{Name: "CreateAnomalyMonitor", Handler: Handle(ceCreateMonitor)},
		Operation{Name: "GetAnomalyMonitors", Handler: Handle(ceGetMonitors)},
		Operation{Name: "UpdateAnomalyMonitor", Handler: Handle(ceUpdateMonitor)},
		Operation{Name: "DeleteAnomalyMonitor", Handler: Handle(ceDeleteMonitor)},
		Operation{Name: "CreateAnomalySubscription", Handler: Handle(ceCreateSubscription)},
		Operation{Name: "GetAnomalySubscriptions", Handler: Handle(ceGetSubscriptions)},
		Operation{Name: "UpdateAnomalySubscription", Handler: Handle(ceUpdateSubscription)},
		Operation{Name: "DeleteAnomalySubscription", Handler: Handle(ceDeleteSubscription)},
		Operation{Name: "TagResource", Handler: Handle(ceTagResource)},
		Operation{Name: "UntagResource", Handler: Handle(ceUntagResource)},
		Operation{Name: "ListTagsForResource", Handler: Handle(ceListTags)},
	)
}

func ceUnknownMonitor(arn string) *APIError {
	return Errorf("UnknownMonitorException", "No anomaly monitor with ARN %s.", arn)
}

func ceUnknownSubscription(arn string) *APIError {
	return Errorf("UnknownSubscriptionException", "No anomaly subscription with ARN %s.", arn)
}

func ceDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

type ceTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func ceTags(tags []ceTag) (map[string]string, error) {
	if len(tags) > 200 {
		return nil, Errorf("TooManyTagsException", "Too many tags.")
	}
	m := map[string]string{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(t.Key, "aws:") {
			return nil, ErrValidation("Invalid tag key %q.", t.Key)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

// ---- monitors ---------------------------------------------------------------------

type anomalyMonitorWire struct {
	MonitorArn            *string         `json:"MonitorArn,omitempty"`
	MonitorName           *string         `json:"MonitorName"`
	MonitorType           *string         `json:"MonitorType"`
	MonitorDimension      *string         `json:"MonitorDimension,omitempty"`
	MonitorSpecification  json.RawMessage `json:"MonitorSpecification,omitempty"`
	CreationDate          *string         `json:"CreationDate,omitempty"`
	LastUpdatedDate       *string         `json:"LastUpdatedDate,omitempty"`
	DimensionalValueCount int             `json:"DimensionalValueCount"`
}

func (m AnomalyMonitor) wire() anomalyMonitorWire {
	created := ceDate(m.Created)
	w := anomalyMonitorWire{MonitorArn: &m.ARN, MonitorName: &m.Name, MonitorType: &m.Type, MonitorSpecification: m.Specification,
		CreationDate: &created, LastUpdatedDate: &created}
	if m.Dimension != "" {
		w.MonitorDimension = &m.Dimension
	}
	return w
}

type ceCreateMonitorInput struct {
	AnomalyMonitor *anomalyMonitorWire `json:"AnomalyMonitor"`
	ResourceTags   []ceTag             `json:"ResourceTags"`
}

type ceMonitorARNOutput struct {
	MonitorArn string `json:"MonitorArn"`
}

func checkCEName(member string, name *string) error {
	if name == nil || len(*name) < 1 || len(*name) > 1024 {
		return ErrValidation("%s must be between 1 and 1024 characters.", member)
	}
	return nil
}

func ceCreateMonitor(c *Call, in *ceCreateMonitorInput) (*ceMonitorARNOutput, error) {
	w := in.AnomalyMonitor
	if w == nil {
		return nil, ErrValidation("AnomalyMonitor is required.")
	}
	if err := checkCEName("MonitorName", w.MonitorName); err != nil {
		return nil, err
	}
	m := AnomalyMonitor{Name: *w.MonitorName, Type: deref(w.MonitorType), Dimension: deref(w.MonitorDimension), Created: time.Now().UTC()}
	switch m.Type {
	case "CUSTOM":
		if len(w.MonitorSpecification) == 0 || string(w.MonitorSpecification) == "null" {
			return nil, ErrValidation("A CUSTOM monitor needs a MonitorSpecification.")
		}
		var spec map[string]json.RawMessage
		if err := json.Unmarshal(w.MonitorSpecification, &spec); err != nil || len(spec) == 0 {
			return nil, ErrValidation("MonitorSpecification must be a non-empty expression.")
		}
		m.Specification = w.MonitorSpecification
	case "DIMENSIONAL":
		if m.Dimension == "" {
			return nil, ErrValidation("A DIMENSIONAL monitor needs a MonitorDimension.")
		}
	default:
		return nil, ErrValidation("MonitorType must be DIMENSIONAL or CUSTOM.")
	}
	// Cost Management user guide, "Getting started with AWS Cost Anomaly Detection":
	// "Cost monitors for linked accounts, cost allocation tags, and cost categories can
	// only be created in the management account." A member account is refused with
	// AccessDeniedException, as Cost Explorer refuses its cost-allocation-tag calls
	// ("Linked account doesn't have access to cost allocation tags.").
	if c.Server().IsMemberAccount() && managementOnlyMonitor(m) {
		return nil, ErrorStatus(http.StatusBadRequest, "AccessDeniedException",
			"Linked account doesn't have access to cost allocation tags. Monitors of linked accounts, cost allocation tags and cost categories can only be created in the management account.")
	}
	tags, err := ceTags(in.ResourceTags)
	if err != nil {
		return nil, err
	}
	m.Tags = tags
	m.ARN = fmt.Sprintf("arn:aws:ce::%s:anomalymonitor/%s", c.Account(), newUUID())
	if !c.Store().Create(KindAnomalyMonitor, m.ARN, m) {
		return nil, ErrInternal()
	}
	return &ceMonitorARNOutput{MonitorArn: m.ARN}, nil
}

type ceGetMonitorsInput struct {
	MonitorArnList []string `json:"MonitorArnList"`
	NextPageToken  *string  `json:"NextPageToken"`
	MaxResults     *int     `json:"MaxResults"`
}

type ceGetMonitorsOutput struct {
	AnomalyMonitors []anomalyMonitorWire `json:"AnomalyMonitors"`
	NextPageToken   *string              `json:"NextPageToken,omitempty"`
}

// ceGetMonitors answers UnknownMonitorException when a listed ARN does not exist.
func ceGetMonitors(c *Call, in *ceGetMonitorsInput) (*ceGetMonitorsOutput, error) {
	var all []anomalyMonitorWire
	if len(in.MonitorArnList) > 0 {
		for _, arn := range in.MonitorArnList {
			v, ok := c.Store().Lookup(KindAnomalyMonitor, arn)
			if !ok {
				return nil, ceUnknownMonitor(arn)
			}
			all = append(all, v.(AnomalyMonitor).wire())
		}
	} else {
		for _, o := range c.Store().ListVisible(KindAnomalyMonitor) {
			all = append(all, o.Value.(AnomalyMonitor).wire())
		}
	}
	size := 100
	if in.MaxResults != nil && *in.MaxResults > 0 {
		size = *in.MaxResults
	}
	start, err := pageStart(in.NextPageToken, len(all))
	if err != nil {
		return nil, Errorf("InvalidNextTokenException", "The next page token is invalid.")
	}
	end := min(start+size, len(all))
	out := &ceGetMonitorsOutput{AnomalyMonitors: append([]anomalyMonitorWire{}, all[start:end]...)}
	if end < len(all) {
		tok := PageToken(end)
		out.NextPageToken = &tok
	}
	return out, nil
}

type ceUpdateMonitorInput struct {
	MonitorArn  *string `json:"MonitorArn"`
	MonitorName *string `json:"MonitorName"`
}

func ceUpdateMonitor(c *Call, in *ceUpdateMonitorInput) (*ceMonitorARNOutput, error) {
	arn := deref(in.MonitorArn)
	if in.MonitorName != nil {
		if err := checkCEName("MonitorName", in.MonitorName); err != nil {
			return nil, err
		}
	}
	err := c.Store().Update(KindAnomalyMonitor, arn, func(v any) (any, error) {
		m := v.(AnomalyMonitor)
		if in.MonitorName != nil {
			m.Name = *in.MonitorName
		}
		return m, nil
	})
	if err != nil {
		return nil, ceUnknownMonitor(arn)
	}
	return &ceMonitorARNOutput{MonitorArn: arn}, nil
}

type ceMonitorInput struct {
	MonitorArn *string `json:"MonitorArn"`
}

func ceDeleteMonitor(c *Call, in *ceMonitorInput) (*empty, error) {
	if !c.Store().Delete(KindAnomalyMonitor, deref(in.MonitorArn)) {
		return nil, ceUnknownMonitor(deref(in.MonitorArn))
	}
	return &empty{}, nil
}

// ---- subscriptions ----------------------------------------------------------------

type anomalySubscriptionWire struct {
	SubscriptionArn     *string             `json:"SubscriptionArn,omitempty"`
	AccountId           *string             `json:"AccountId,omitempty"`
	SubscriptionName    *string             `json:"SubscriptionName"`
	MonitorArnList      []string            `json:"MonitorArnList"`
	Subscribers         []AnomalySubscriber `json:"Subscribers"`
	Frequency           *string             `json:"Frequency"`
	Threshold           *float64            `json:"Threshold,omitempty"`
	ThresholdExpression json.RawMessage     `json:"ThresholdExpression,omitempty"`
}

func (s AnomalySubscription) wire() anomalySubscriptionWire {
	return anomalySubscriptionWire{SubscriptionArn: &s.ARN, AccountId: &s.Account, SubscriptionName: &s.Name,
		MonitorArnList: s.MonitorARNs, Subscribers: s.Subscribers, Frequency: &s.Frequency, Threshold: s.Threshold,
		ThresholdExpression: s.ThresholdExpression}
}

// checkSubscription validates the fields a create or update sets.
func checkAnomalySubscription(c *Call, s *AnomalySubscription) error {
	switch s.Frequency {
	case "DAILY", "IMMEDIATE", "WEEKLY":
	default:
		return ErrValidation("Frequency must be DAILY, IMMEDIATE or WEEKLY.")
	}
	if len(s.MonitorARNs) == 0 {
		return ErrValidation("MonitorArnList must name at least one monitor.")
	}
	for _, arn := range s.MonitorARNs {
		if _, ok := c.Store().Lookup(KindAnomalyMonitor, arn); !ok {
			return ceUnknownMonitor(arn)
		}
	}
	if len(s.Subscribers) == 0 || len(s.Subscribers) > 10 {
		return ErrValidation("A subscription needs between 1 and 10 subscribers.")
	}
	for i, sub := range s.Subscribers {
		switch sub.Type {
		case "EMAIL":
			if s.Frequency == "IMMEDIATE" {
				return ErrValidation("Subscriptions with IMMEDIATE frequency can only notify SNS topics.")
			}
			if !emailRe.MatchString(sub.Address) {
				return ErrValidation("Invalid email address %q.", sub.Address)
			}
		case "SNS":
			if !snsTopicARNRe.MatchString(sub.Address) {
				return ErrValidation("Invalid SNS topic ARN %q.", sub.Address)
			}
		default:
			return ErrValidation("Subscriber type must be EMAIL or SNS.")
		}
		if sub.Status == "" {
			s.Subscribers[i].Status = "CONFIRMED"
		}
	}
	if s.Threshold == nil && len(s.ThresholdExpression) == 0 {
		return ErrValidation("Either Threshold or ThresholdExpression is required.")
	}
	if s.Threshold != nil && *s.Threshold < 0 {
		return ErrValidation("Threshold must not be negative.")
	}
	if len(s.ThresholdExpression) > 0 {
		var expr map[string]json.RawMessage
		if err := json.Unmarshal(s.ThresholdExpression, &expr); err != nil || len(expr) == 0 {
			return ErrValidation("ThresholdExpression must be a non-empty expression.")
		}
	}
	return nil
}

type ceCreateSubscriptionInput struct {
	AnomalySubscription *anomalySubscriptionWire `json:"AnomalySubscription"`
	ResourceTags        []ceTag                  `json:"ResourceTags"`
}

type ceSubscriptionARNOutput struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

func ceCreateSubscription(c *Call, in *ceCreateSubscriptionInput) (*ceSubscriptionARNOutput, error) {
	w := in.AnomalySubscription
	if w == nil {
		return nil, ErrValidation("AnomalySubscription is required.")
	}
	if err := checkCEName("SubscriptionName", w.SubscriptionName); err != nil {
		return nil, err
	}
	s := AnomalySubscription{Name: *w.SubscriptionName, Account: c.Account(), Frequency: deref(w.Frequency),
		MonitorARNs: w.MonitorArnList, Subscribers: append([]AnomalySubscriber(nil), w.Subscribers...),
		Threshold: w.Threshold, ThresholdExpression: w.ThresholdExpression}
	if err := checkAnomalySubscription(c, &s); err != nil {
		return nil, err
	}
	tags, err := ceTags(in.ResourceTags)
	if err != nil {
		return nil, err
	}
	s.Tags = tags
	s.ARN = fmt.Sprintf("arn:aws:ce::%s:anomalysubscription/%s", c.Account(), newUUID())
	if !c.Store().Create(KindAnomalySubscription, s.ARN, s) {
		return nil, ErrInternal()
	}
	return &ceSubscriptionARNOutput{SubscriptionArn: s.ARN}, nil
}

type ceGetSubscriptionsInput struct {
	SubscriptionArnList []string `json:"SubscriptionArnList"`
	MonitorArn          *string  `json:"MonitorArn"`
	NextPageToken       *string  `json:"NextPageToken"`
	MaxResults          *int     `json:"MaxResults"`
}

type ceGetSubscriptionsOutput struct {
	AnomalySubscriptions []anomalySubscriptionWire `json:"AnomalySubscriptions"`
	NextPageToken        *string                   `json:"NextPageToken,omitempty"`
}

func ceGetSubscriptions(c *Call, in *ceGetSubscriptionsInput) (*ceGetSubscriptionsOutput, error) {
	var all []anomalySubscriptionWire
	keep := func(s AnomalySubscription) bool {
		return in.MonitorArn == nil || containsString(s.MonitorARNs, *in.MonitorArn)
	}
	if len(in.SubscriptionArnList) > 0 {
		for _, arn := range in.SubscriptionArnList {
			v, ok := c.Store().Lookup(KindAnomalySubscription, arn)
			if !ok {
				return nil, ceUnknownSubscription(arn)
			}
			if s := v.(AnomalySubscription); keep(s) {
				all = append(all, s.wire())
			}
		}
	} else {
		for _, o := range c.Store().ListVisible(KindAnomalySubscription) {
			if s := o.Value.(AnomalySubscription); keep(s) {
				all = append(all, s.wire())
			}
		}
	}
	size := 100
	if in.MaxResults != nil && *in.MaxResults > 0 {
		size = *in.MaxResults
	}
	start, err := pageStart(in.NextPageToken, len(all))
	if err != nil {
		return nil, Errorf("InvalidNextTokenException", "The next page token is invalid.")
	}
	end := min(start+size, len(all))
	out := &ceGetSubscriptionsOutput{AnomalySubscriptions: append([]anomalySubscriptionWire{}, all[start:end]...)}
	if end < len(all) {
		tok := PageToken(end)
		out.NextPageToken = &tok
	}
	return out, nil
}

type ceUpdateSubscriptionInput struct {
	SubscriptionArn     *string             `json:"SubscriptionArn"`
	SubscriptionName    *string             `json:"SubscriptionName"`
	MonitorArnList      []string            `json:"MonitorArnList"`
	Subscribers         []AnomalySubscriber `json:"Subscribers"`
	Frequency           *string             `json:"Frequency"`
	Threshold           *float64            `json:"Threshold"`
	ThresholdExpression json.RawMessage     `json:"ThresholdExpression"`
}

func ceUpdateSubscription(c *Call, in *ceUpdateSubscriptionInput) (*ceSubscriptionARNOutput, error) {
	arn := deref(in.SubscriptionArn)
	v, ok := c.Store().Lookup(KindAnomalySubscription, arn)
	if !ok {
		return nil, ceUnknownSubscription(arn)
	}
	s := v.(AnomalySubscription)
	if in.SubscriptionName != nil {
		if err := checkCEName("SubscriptionName", in.SubscriptionName); err != nil {
			return nil, err
		}
		s.Name = *in.SubscriptionName
	}
	if in.MonitorArnList != nil {
		s.MonitorARNs = in.MonitorArnList
	}
	if in.Subscribers != nil {
		s.Subscribers = append([]AnomalySubscriber(nil), in.Subscribers...)
	}
	if in.Frequency != nil {
		s.Frequency = *in.Frequency
	}
	if in.Threshold != nil {
		s.Threshold = in.Threshold
	}
	if len(in.ThresholdExpression) > 0 {
		s.ThresholdExpression = in.ThresholdExpression
	}
	if err := checkAnomalySubscription(c, &s); err != nil {
		return nil, err
	}
	if err := c.Store().Update(KindAnomalySubscription, arn, func(any) (any, error) { return s, nil }); err != nil {
		return nil, ceUnknownSubscription(arn)
	}
	return &ceSubscriptionARNOutput{SubscriptionArn: arn}, nil
}

type ceSubscriptionInput struct {
	SubscriptionArn *string `json:"SubscriptionArn"`
}

func ceDeleteSubscription(c *Call, in *ceSubscriptionInput) (*empty, error) {
	if !c.Store().Delete(KindAnomalySubscription, deref(in.SubscriptionArn)) {
		return nil, ceUnknownSubscription(deref(in.SubscriptionArn))
	}
	return &empty{}, nil
}

// ---- tags -------------------------------------------------------------------------

type ceTagInput struct {
	ResourceArn     *string  `json:"ResourceArn"`
	ResourceTags    []ceTag  `json:"ResourceTags"`
	ResourceTagKeys []string `json:"ResourceTagKeys"`
}

type ceListTagsOutput struct {
	ResourceTags []ceTag `json:"ResourceTags"`
}

func ceKind(arn string) string {
	if strings.Contains(arn, ":anomalysubscription/") {
		return KindAnomalySubscription
	}
	return KindAnomalyMonitor
}

func ceResourceNotFound(arn string) *APIError {
	return ErrorStatus(http.StatusBadRequest, "ResourceNotFoundException", "Resource %s was not found.", arn)
}

func updateCETags(c *Call, arn string, fn func(map[string]string)) error {
	edit := func(old map[string]string) map[string]string {
		tags := map[string]string{}
		for k, v := range old {
			tags[k] = v
		}
		fn(tags)
		return tags
	}
	if _, ok := c.Store().Lookup(ceKind(arn), arn); !ok {
		return ceResourceNotFound(arn)
	}
	err := c.Store().Update(ceKind(arn), arn, func(v any) (any, error) {
		switch o := v.(type) {
		case AnomalyMonitor:
			o.Tags = edit(o.Tags)
			return o, nil
		case AnomalySubscription:
			o.Tags = edit(o.Tags)
			return o, nil
		}
		return v, nil
	})
	if err != nil {
		return ceResourceNotFound(arn)
	}
	return nil
}

func ceTagResource(c *Call, in *ceTagInput) (*empty, error) {
	add, err := ceTags(in.ResourceTags)
	if err != nil {
		return nil, err
	}
	return &empty{}, updateCETags(c, deref(in.ResourceArn), func(tags map[string]string) {
		for k, v := range add {
			tags[k] = v
		}
	})
}

func ceUntagResource(c *Call, in *ceTagInput) (*empty, error) {
	return &empty{}, updateCETags(c, deref(in.ResourceArn), func(tags map[string]string) {
		for _, k := range in.ResourceTagKeys {
			delete(tags, k)
		}
	})
}

func ceListTags(c *Call, in *ceTagInput) (*ceListTagsOutput, error) {
	arn := deref(in.ResourceArn)
	v, ok := c.Store().Lookup(ceKind(arn), arn)
	if !ok {
		return nil, ceResourceNotFound(arn)
	}
	var tags map[string]string
	switch o := v.(type) {
	case AnomalyMonitor:
		tags = o.Tags
	case AnomalySubscription:
		tags = o.Tags
	}
	out := &ceListTagsOutput{ResourceTags: []ceTag{}}
	for _, k := range sortedKeys(tags) {
		out.ResourceTags = append(out.ResourceTags, ceTag{Key: k, Value: tags[k]})
	}
	return out, nil
}

// managementOnlyMonitor says whether a monitor watches linked accounts, cost allocation
// tags or cost categories, which only the management account may monitor.
func managementOnlyMonitor(m AnomalyMonitor) bool {
	if m.Type == "DIMENSIONAL" {
		return m.Dimension == "LINKED_ACCOUNT"
	}
	var spec any
	if json.Unmarshal(m.Specification, &spec) != nil {
		return false
	}
	return specUses(spec)
}

func specUses(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "Tags" || k == "CostCategories" {
				return true
			}
			if k == "Dimensions" {
				if d, ok := e.(map[string]any); ok && d["Key"] == "LINKED_ACCOUNT" {
					return true
				}
			}
			if specUses(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if specUses(e) {
				return true
			}
		}
	}
	return false
}
