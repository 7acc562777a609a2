package localaws

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Amazon SNS (awsQuery): standard topics with attributes (the access policy among them)
// and tags, subscriptions (email ones wait for confirmation, as in SNS), and Publish.
// Published messages are kept in the store (KindSNSMessage) for tests to inspect; tests
// confirm an email subscription with ConfirmSNSSubscription.

// Object kinds of the SNS operations.
const (
	KindSNSTopic        = "sns:topic"        // id: topic ARN; value SNSTopic
	KindSNSSubscription = "sns:subscription" // id: subscription ARN; value SNSSubscription
	KindSNSMessage      = "sns:message"      // id: message id; value SNSMessage
)

// SNSTopic is a stored topic.
type SNSTopic struct {
	Name, ARN, Region string
	Attributes        map[string]string // settable attributes only (Policy, DisplayName, ...)
	Tags              map[string]string
}

// SNSSubscription is a stored subscription.
type SNSSubscription struct {
	ARN, TopicARN, Protocol, Endpoint string
	PendingConfirmation               bool
}

// SNSMessage is a message published to a topic.
type SNSMessage struct {
	ID, TopicARN, Subject, Message string
	Time                           time.Time
}

func init() {
	RegisterBuiltin("sns",
		Operation{Name: "CreateTopic", Handler: Handle(snsCreateTopic)},
		Operation{Name: "DeleteTopic", Handler: Handle(snsDeleteTopic)},
		Operation{Name: "GetTopicAttributes", Handler: Handle(snsGetTopicAttributes)},
		Operation{Name: "SetTopicAttributes", Handler: Handle(snsSetTopicAttributes)},
		Operation{Name: "Subscribe", Handler: Handle(snsSubscribe)},
		Operation{Name: "Unsubscribe", Handler: Handle(snsUnsubscribe)},
		Operation{Name: "GetSubscriptionAttributes", Handler: Handle(snsGetSubscriptionAttributes)},
		Operation{Name: "ListSubscriptionsByTopic", Handler: Handle(snsListSubscriptionsByTopic)},
		Operation{Name: "Publish", Handler: Handle(snsPublish)},
		Operation{Name: "TagResource", Handler: Handle(snsTagResource)},
		Operation{Name: "UntagResource", Handler: Handle(snsUntagResource)},
		Operation{Name: "ListTagsForResource", Handler: Handle(snsListTags)},
	)
}

var (
	snsTopicNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	snsTopicARNRe  = regexp.MustCompile(`^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$`)
	// The topic attributes CreateTopic and SetTopicAttributes accept (standard topics).
	snsTopicAttributes = map[string]bool{
		"Policy": true, "DisplayName": true, "DeliveryPolicy": true, "KmsMasterKeyId": true,
		"SignatureVersion": true, "TracingConfig": true, "DataProtectionPolicy": true,
	}
)

// snsTag is a tag in a request (Tags.member.N.Key / .Value); snsTagXML in a response.
type snsTag struct {
	Key   *string
	Value *string
}

type snsTagXML struct {
	Key   string
	Value string
}

// newUUID is a random RFC 4122 version 4 UUID, as SNS uses for subscription and message ids.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func snsInvalid(format string, args ...any) *APIError {
	return &APIError{Code: "InvalidParameterException", QueryCode: "InvalidParameter", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func snsNotFound(format string, args ...any) *APIError {
	return &APIError{Code: "NotFoundException", QueryCode: "NotFound", Message: fmt.Sprintf(format, args...), Status: http.StatusNotFound}
}

// ConfirmSNSSubscription confirms a pending subscription, as the recipient clicking the
// link in the confirmation email would. It reports whether the subscription exists.
func ConfirmSNSSubscription(s *Store, subscriptionARN string) bool {
	return s.Update(KindSNSSubscription, subscriptionARN, func(v any) (any, error) {
		sub := v.(SNSSubscription)
		sub.PendingConfirmation = false
		return sub, nil
	}) == nil
}

// PublishedMessages lists the messages published to a topic, oldest first.
func PublishedMessages(s *Store, topicARN string) []SNSMessage {
	var out []SNSMessage
	for _, o := range s.List(KindSNSMessage) {
		if m := o.Value.(SNSMessage); m.TopicARN == topicARN {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Time.Before(out[k].Time) })
	return out
}

func lookupTopic(c *Call, arn *string) (SNSTopic, error) {
	if arn == nil || *arn == "" {
		return SNSTopic{}, snsInvalid("Invalid parameter: TopicArn")
	}
	if !snsTopicARNRe.MatchString(*arn) {
		return SNSTopic{}, snsInvalid("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not %s", *arn)
	}
	v, ok := c.Store().Lookup(KindSNSTopic, *arn)
	if !ok {
		return SNSTopic{}, snsNotFound("Topic does not exist")
	}
	return v.(SNSTopic), nil
}

func checkSNSAttribute(name, value string) error {
	if !snsTopicAttributes[name] {
		return snsInvalid("Invalid parameter: AttributeName")
	}
	if name == "Policy" || name == "DeliveryPolicy" || name == "DataProtectionPolicy" {
		var doc map[string]any
		if err := json.Unmarshal([]byte(value), &doc); err != nil {
			return snsInvalid("Invalid parameter: %s Error: Failed to parse JSON", name)
		}
		if name == "Policy" {
			if _, ok := doc["Statement"]; !ok {
				return snsInvalid("Invalid parameter: Policy Error: Statement is required")
			}
		}
	}
	return nil
}

// ---- topics -----------------------------------------------------------------------

type snsCreateTopicInput struct {
	Name       *string
	Attributes map[string]string
	Tags       []snsTag
}

type snsCreateTopicOutput struct {
	TopicArn string
}

func snsTagMap(tags []snsTag) (map[string]string, error) {
	if len(tags) > 50 {
		return nil, &APIError{Code: "TagLimitExceededException", QueryCode: "TagLimitExceeded", Message: "Could not complete request: tag quota of per resource exceeded", Status: http.StatusBadRequest}
	}
	m := map[string]string{}
	for _, t := range tags {
		k, v := deref(t.Key), deref(t.Value)
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(k, "aws:") {
			return nil, snsInvalid("Invalid parameter: Tags Reason: invalid tag key %q", k)
		}
		m[k] = v
	}
	return m, nil
}

// snsCreateTopic is idempotent as in SNS: the same name with the same attributes and tags
// returns the existing topic.
func snsCreateTopic(c *Call, in *snsCreateTopicInput) (*snsCreateTopicOutput, error) {
	if in.Name == nil || !snsTopicNameRe.MatchString(*in.Name) {
		return nil, snsInvalid("Invalid parameter: Topic Name")
	}
	for k, v := range in.Attributes {
		if err := checkSNSAttribute(k, v); err != nil {
			return nil, err
		}
	}
	tags, err := snsTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", c.Region, c.Account(), *in.Name)
	t := SNSTopic{Name: *in.Name, ARN: arn, Region: c.Region, Attributes: in.Attributes, Tags: tags}
	if t.Attributes == nil {
		t.Attributes = map[string]string{}
	}
	if !c.Store().Create(KindSNSTopic, arn, t) {
		old, _ := GetAs[SNSTopic](c.Store(), KindSNSTopic, arn)
		for k, v := range in.Attributes {
			if old.Attributes[k] != v {
				return nil, snsInvalid("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
			}
		}
		for k, v := range tags {
			if old.Tags[k] != v {
				return nil, snsInvalid("Invalid parameter: Tags Reason: Topic already exists with different tags")
			}
		}
	}
	return &snsCreateTopicOutput{TopicArn: arn}, nil
}

type snsTopicInput struct {
	TopicArn *string
}

func snsDeleteTopic(c *Call, in *snsTopicInput) (*empty, error) {
	if in.TopicArn == nil || !snsTopicARNRe.MatchString(*in.TopicArn) {
		return nil, snsInvalid("Invalid parameter: TopicArn")
	}
	// Deleting a topic that does not exist succeeds, as in SNS.
	if c.Store().Delete(KindSNSTopic, *in.TopicArn) {
		for _, o := range c.Store().List(KindSNSSubscription) {
			if o.Value.(SNSSubscription).TopicARN == *in.TopicArn {
				c.Store().Delete(KindSNSSubscription, o.ID)
			}
		}
	}
	return &empty{}, nil
}

type snsAttributeEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type snsAttributesOutput struct {
	Attributes []snsAttributeEntry `xml:"Attributes>entry"`
}

func attributeEntries(m map[string]string) []snsAttributeEntry {
	out := make([]snsAttributeEntry, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, snsAttributeEntry{Key: k, Value: m[k]})
	}
	return out
}

// defaultTopicPolicy is the policy SNS gives a new topic: the owner account may do
// everything.
func defaultTopicPolicy(arn, account string) string {
	return fmt.Sprintf(`{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"%s","Condition":{"StringEquals":{"AWS:SourceOwner":"%s"}}}]}`, arn, account)
}

func snsGetTopicAttributes(c *Call, in *snsTopicInput) (*snsAttributesOutput, error) {
	t, err := lookupTopic(c, in.TopicArn)
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range t.Attributes {
		attrs[k] = v
	}
	if _, ok := attrs["Policy"]; !ok {
		attrs["Policy"] = defaultTopicPolicy(t.ARN, c.Account())
	}
	if _, ok := attrs["DisplayName"]; !ok {
		attrs["DisplayName"] = ""
	}
	confirmed, pending := 0, 0
	for _, o := range c.Store().List(KindSNSSubscription) {
		if s := o.Value.(SNSSubscription); s.TopicARN == t.ARN {
			if s.PendingConfirmation {
				pending++
			} else {
				confirmed++
			}
		}
	}
	attrs["TopicArn"] = t.ARN
	attrs["Owner"] = c.Account()
	attrs["SubscriptionsConfirmed"] = fmt.Sprint(confirmed)
	attrs["SubscriptionsPending"] = fmt.Sprint(pending)
	attrs["SubscriptionsDeleted"] = "0"
	return &snsAttributesOutput{Attributes: attributeEntries(attrs)}, nil
}

type snsSetTopicAttributesInput struct {
	TopicArn       *string
	AttributeName  *string
	AttributeValue *string
}

func snsSetTopicAttributes(c *Call, in *snsSetTopicAttributesInput) (*empty, error) {
	t, err := lookupTopic(c, in.TopicArn)
	if err != nil {
		return nil, err
	}
	if in.AttributeName == nil {
		return nil, snsInvalid("Invalid parameter: AttributeName")
	}
	if err := checkSNSAttribute(*in.AttributeName, deref(in.AttributeValue)); err != nil {
		return nil, err
	}
	err = c.Store().Update(KindSNSTopic, t.ARN, func(v any) (any, error) {
		t := v.(SNSTopic)
		attrs := map[string]string{}
		for k, v := range t.Attributes {
			attrs[k] = v
		}
		attrs[*in.AttributeName] = deref(in.AttributeValue)
		t.Attributes = attrs
		return t, nil
	})
	if err != nil {
		return nil, snsNotFound("Topic does not exist")
	}
	return &empty{}, nil
}

// ---- subscriptions ----------------------------------------------------------------

type snsSubscribeInput struct {
	TopicArn              *string
	Protocol              *string
	Endpoint              *string
	ReturnSubscriptionArn bool
}

type snsSubscribeOutput struct {
	SubscriptionArn string
}

const snsPending = "pending confirmation"

func snsSubscribe(c *Call, in *snsSubscribeInput) (*snsSubscribeOutput, error) {
	t, err := lookupTopic(c, in.TopicArn)
	if err != nil {
		return nil, err
	}
	protocol, endpoint := deref(in.Protocol), deref(in.Endpoint)
	pending := false
	switch protocol {
	case "email", "email-json":
		if !emailRe.MatchString(endpoint) {
			return nil, snsInvalid("Invalid parameter: Email address")
		}
		pending = true
	case "sqs", "lambda", "firehose":
		if !strings.HasPrefix(endpoint, "arn:") {
			return nil, snsInvalid("Invalid parameter: %s endpoint ARN", protocol)
		}
	case "http", "https":
		if !strings.HasPrefix(endpoint, protocol+"://") {
			return nil, snsInvalid("Invalid parameter: Endpoint must match the specified protocol")
		}
		pending = true
	default:
		return nil, snsInvalid("Invalid parameter: Amazon SNS does not support this protocol string: %s", protocol)
	}
	// Subscribing the same endpoint again returns the existing subscription.
	for _, o := range c.Store().List(KindSNSSubscription) {
		if s := o.Value.(SNSSubscription); s.TopicARN == t.ARN && s.Protocol == protocol && s.Endpoint == endpoint {
			if s.PendingConfirmation && !in.ReturnSubscriptionArn {
				return &snsSubscribeOutput{SubscriptionArn: snsPending}, nil
			}
			return &snsSubscribeOutput{SubscriptionArn: s.ARN}, nil
		}
	}
	s := SNSSubscription{ARN: t.ARN + ":" + newUUID(), TopicARN: t.ARN, Protocol: protocol, Endpoint: endpoint, PendingConfirmation: pending}
	c.Store().Put(KindSNSSubscription, s.ARN, s)
	if pending && !in.ReturnSubscriptionArn {
		return &snsSubscribeOutput{SubscriptionArn: snsPending}, nil
	}
	return &snsSubscribeOutput{SubscriptionArn: s.ARN}, nil
}

type snsSubscriptionInput struct {
	SubscriptionArn *string
}

// snsUnsubscribe deletes a subscription. As in SNS, a subscription that is still pending
// confirmation cannot be deleted (it expires after three days).
func snsUnsubscribe(c *Call, in *snsSubscriptionInput) (*empty, error) {
	if in.SubscriptionArn == nil || !strings.HasPrefix(*in.SubscriptionArn, "arn:") {
		return nil, snsInvalid("Invalid parameter: SubscriptionArn")
	}
	v, ok := c.Store().Lookup(KindSNSSubscription, *in.SubscriptionArn)
	if !ok {
		return nil, snsNotFound("Subscription does not exist")
	}
	if v.(SNSSubscription).PendingConfirmation {
		return nil, snsInvalid("Invalid parameter: Cannot unsubscribe a subscription that is pending confirmation")
	}
	c.Store().Delete(KindSNSSubscription, *in.SubscriptionArn)
	return &empty{}, nil
}

func snsGetSubscriptionAttributes(c *Call, in *snsSubscriptionInput) (*snsAttributesOutput, error) {
	if in.SubscriptionArn == nil || !strings.HasPrefix(*in.SubscriptionArn, "arn:") {
		return nil, snsInvalid("Invalid parameter: SubscriptionArn")
	}
	v, ok := c.Store().Lookup(KindSNSSubscription, *in.SubscriptionArn)
	if !ok {
		return nil, snsNotFound("Subscription does not exist")
	}
	s := v.(SNSSubscription)
	return &snsAttributesOutput{Attributes: attributeEntries(map[string]string{
		"SubscriptionArn": s.ARN, "TopicArn": s.TopicARN, "Protocol": s.Protocol, "Endpoint": s.Endpoint,
		"Owner": c.Account(), "PendingConfirmation": fmt.Sprint(s.PendingConfirmation),
		"ConfirmationWasAuthenticated": fmt.Sprint(!s.PendingConfirmation), "RawMessageDelivery": "false",
	})}, nil
}

type snsListSubscriptionsInput struct {
	TopicArn  *string
	NextToken *string
}

type snsSubscriptionXML struct {
	SubscriptionArn string
	Owner           string
	Protocol        string
	Endpoint        string
	TopicArn        string
}

type snsListSubscriptionsOutput struct {
	Subscriptions []snsSubscriptionXML `xml:"Subscriptions>member"`
	NextToken     string               `xml:",omitempty"`
}

const snsListPage = 100

// snsListSubscriptionsByTopic lists a topic's subscriptions; a pending one shows
// "PendingConfirmation" as its ARN, as in SNS.
func snsListSubscriptionsByTopic(c *Call, in *snsListSubscriptionsInput) (*snsListSubscriptionsOutput, error) {
	t, err := lookupTopic(c, in.TopicArn)
	if err != nil {
		return nil, err
	}
	var all []snsSubscriptionXML
	for _, o := range c.Store().ListVisible(KindSNSSubscription) {
		s := o.Value.(SNSSubscription)
		if s.TopicARN != t.ARN {
			continue
		}
		arn := s.ARN
		if s.PendingConfirmation {
			arn = "PendingConfirmation"
		}
		all = append(all, snsSubscriptionXML{SubscriptionArn: arn, Owner: c.Account(), Protocol: s.Protocol, Endpoint: s.Endpoint, TopicArn: s.TopicARN})
	}
	start, err := pageStart(in.NextToken, len(all))
	if err != nil {
		return nil, snsInvalid("Invalid parameter: NextToken")
	}
	end := min(start+snsListPage, len(all))
	out := &snsListSubscriptionsOutput{Subscriptions: all[start:end]}
	if end < len(all) {
		out.NextToken = PageToken(end)
	}
	return out, nil
}

// ---- publish ----------------------------------------------------------------------

type snsPublishInput struct {
	TopicArn *string
	Message  *string
	Subject  *string
}

type snsPublishOutput struct {
	MessageId string
}

func snsPublish(c *Call, in *snsPublishInput) (*snsPublishOutput, error) {
	t, err := lookupTopic(c, in.TopicArn)
	if err != nil {
		return nil, err
	}
	if in.Message == nil || *in.Message == "" {
		return nil, snsInvalid("Invalid parameter: Empty message")
	}
	if len(*in.Message) > 256*1024 {
		return nil, snsInvalid("Invalid parameter: Message too long")
	}
	if in.Subject != nil && (len(*in.Subject) == 0 || len(*in.Subject) > 100) {
		return nil, snsInvalid("Invalid parameter: Subject")
	}
	m := SNSMessage{ID: newUUID(), TopicARN: t.ARN, Subject: deref(in.Subject), Message: *in.Message, Time: time.Now().UTC()}
	c.Store().Put(KindSNSMessage, m.ID, m)
	return &snsPublishOutput{MessageId: m.ID}, nil
}

// ---- tags -------------------------------------------------------------------------

type snsTagInput struct {
	ResourceArn *string
	Tags        []snsTag
	TagKeys     []string
}

type snsListTagsOutput struct {
	Tags []snsTagXML `xml:"Tags>member"`
}

func updateTopicTags(c *Call, arn *string, fn func(map[string]string) error) error {
	if arn == nil {
		return snsInvalid("Invalid parameter: ResourceArn")
	}
	if _, ok := c.Store().Lookup(KindSNSTopic, *arn); !ok {
		return &APIError{Code: "ResourceNotFoundException", QueryCode: "ResourceNotFound", Message: "Resource does not exist", Status: http.StatusNotFound}
	}
	return c.Store().Update(KindSNSTopic, *arn, func(v any) (any, error) {
		t := v.(SNSTopic)
		tags := map[string]string{}
		for k, v := range t.Tags {
			tags[k] = v
		}
		if err := fn(tags); err != nil {
			return nil, err
		}
		t.Tags = tags
		return t, nil
	})
}

func snsTagResource(c *Call, in *snsTagInput) (*empty, error) {
	add, err := snsTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	return &empty{}, updateTopicTags(c, in.ResourceArn, func(tags map[string]string) error {
		for k, v := range add {
			tags[k] = v
		}
		if len(tags) > 50 {
			return &APIError{Code: "TagLimitExceededException", QueryCode: "TagLimitExceeded", Message: "Could not complete request: tag quota of per resource exceeded", Status: http.StatusBadRequest}
		}
		return nil
	})
}

func snsUntagResource(c *Call, in *snsTagInput) (*empty, error) {
	return &empty{}, updateTopicTags(c, in.ResourceArn, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

func snsListTags(c *Call, in *snsTagInput) (*snsListTagsOutput, error) {
	if in.ResourceArn == nil {
		return nil, snsInvalid("Invalid parameter: ResourceArn")
	}
	v, ok := c.Store().Lookup(KindSNSTopic, *in.ResourceArn)
	if !ok {
		return nil, &APIError{Code: "ResourceNotFoundException", QueryCode: "ResourceNotFound", Message: "Resource does not exist", Status: http.StatusNotFound}
	}
	t := v.(SNSTopic)
	out := &snsListTagsOutput{Tags: []snsTagXML{}}
	for _, k := range sortedKeys(t.Tags) {
		out.Tags = append(out.Tags, snsTagXML{Key: k, Value: t.Tags[k]})
	}
	return out, nil
}
