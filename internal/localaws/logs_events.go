package localaws

import (
	"strconv"
	"time"
)

// CloudWatch Logs events: what AWS services deliver to a log group (here, Bedrock's
// model invocation logs, bedrock_logging_delivery.go), read back with GetLogEvents.
// Events live under KindLogEvents keyed "<log group ARN>|<stream>" and go with their
// log group. The whole stream comes back in one page; the tokens say where it ends.

func init() {
	RegisterBuiltin("logs", Operation{Name: "GetLogEvents", Handler: Handle(getLogEvents)})
}

// KindLogEvents holds a log stream's events (id: "<group ARN>|<stream>"; value
// []LogEvent).
const KindLogEvents = "logs:events"

// LogEvent is one event of a log stream.
type LogEvent struct {
	Timestamp     int64  `json:"timestamp"` // epoch milliseconds
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

func logEventsID(groupARN, stream string) string { return groupARN + "|" + stream }

// appendLogEvent adds an event to a stream of an existing log group (the stream is
// created with its first event); it does nothing when the group does not exist.
func appendLogEvent(c *Call, groupARN, stream, message string) {
	if !c.Store().Exists(KindLogGroup, groupARN) {
		return
	}
	now := time.Now().UnixMilli()
	ev := LogEvent{Timestamp: now, Message: message, IngestionTime: now}
	id := logEventsID(groupARN, stream)
	if err := c.Store().Update(KindLogEvents, id, func(v any) (any, error) {
		return append(append([]LogEvent(nil), v.([]LogEvent)...), ev), nil
	}); err != nil {
		c.Store().Put(KindLogEvents, id, []LogEvent{ev})
	}
}

type getLogEventsInput struct {
	LogGroupName  *string `json:"logGroupName"`
	LogStreamName *string `json:"logStreamName"`
	StartFromHead *bool   `json:"startFromHead"`
	NextToken     *string `json:"nextToken"`
	Limit         *int32  `json:"limit"`
}

type getLogEventsOutput struct {
	Events            []LogEvent `json:"events"`
	NextForwardToken  string     `json:"nextForwardToken"`
	NextBackwardToken string     `json:"nextBackwardToken"`
}

func getLogEvents(c *Call, in *getLogEventsInput) (*getLogEventsOutput, error) {
	if e := validateLogGroupName(in.LogGroupName); e != nil {
		return nil, e
	}
	if in.LogStreamName == nil || *in.LogStreamName == "" {
		return nil, logsInvalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	arn := LogGroupARN(c.Region, c.Account(), *in.LogGroupName)
	if !c.Store().Visible(KindLogGroup, arn) {
		return nil, logsNotFound()
	}
	v, ok := c.Store().Lookup(KindLogEvents, logEventsID(arn, *in.LogStreamName))
	if !ok {
		return nil, Errorf("ResourceNotFoundException", "The specified log stream does not exist.")
	}
	events := v.([]LogEvent)
	end := "f/" + strconv.Itoa(len(events))
	return &getLogEventsOutput{Events: events, NextForwardToken: end, NextBackwardToken: "b/0"}, nil
}
