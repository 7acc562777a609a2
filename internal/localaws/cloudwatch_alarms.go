package localaws

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// CloudWatch metric alarms (Smithy RPC v2 CBOR, awsQuery-compatible errors) and the
// tagging operations for alarms and dashboards (dashboards themselves are in
// cloudwatch.go). An alarm name is unique per account and region: PutMetricAlarm with an
// existing name replaces that alarm's definition (and, as in CloudWatch, ignores Tags).

// KindAlarm is a stored metric alarm; id is the alarm ARN, value MetricAlarm.
const KindAlarm = "cloudwatch:alarm"

// MetricAlarm is a stored metric alarm.
type MetricAlarm struct {
	Name, ARN, Region, Description                   string
	ActionsEnabled                                   bool
	AlarmActions, OKActions, InsufficientDataActions []string
	Namespace, MetricName, Statistic, Unit           string
	Dimensions                                       []AlarmDimension
	Metrics                                          []MetricDataQuery
	Period, EvaluationPeriods                        int
	DatapointsToAlarm                                int
	Threshold                                        float64
	ComparisonOperator, TreatMissingData             string
	State                                            string
	Updated                                          time.Time
	Tags                                             map[string]string
}

// AlarmDimension is a metric dimension.
type AlarmDimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// MetricDataQuery is one query of a metric-math alarm: a metric (MetricStat) or an
// expression over the others.
type MetricDataQuery struct {
	ID         string      `json:"Id"`
	MetricStat *MetricStat `json:"MetricStat,omitempty"`
	Expression string      `json:"Expression,omitempty"`
	Label      string      `json:"Label,omitempty"`
	ReturnData *bool       `json:"ReturnData,omitempty"`
	Period     int         `json:"Period,omitempty"`
}

// MetricStat is a metric and how to aggregate it.
type MetricStat struct {
	Metric struct {
		Namespace  string           `json:"Namespace,omitempty"`
		MetricName string           `json:"MetricName,omitempty"`
		Dimensions []AlarmDimension `json:"Dimensions"`
	} `json:"Metric"`
	Period int    `json:"Period,omitempty"`
	Stat   string `json:"Stat"`
	Unit   string `json:"Unit,omitempty"`
}

var metricQueryIDRe = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// checkMetricQueries applies the rules of a metric-math alarm (CloudWatch API reference,
// PutMetricAlarm "Metrics" and MetricDataQuery): no Namespace, MetricName, Dimensions,
// Period, Unit or Statistic beside Metrics; at most 20 queries, at most 10 of them
// MetricStat and 10 Expression; each query exactly one of the two; ids start with a
// lower-case letter; exactly one query returns data, and it is an expression.
func checkMetricQueries(in *putMetricAlarmInput) error {
	if in.Namespace != nil || in.MetricName != nil || len(in.Dimensions) > 0 || in.Period != nil || in.Unit != nil || in.Statistic != nil {
		return errCWInvalid("If you use the Metrics parameter, you cannot include Namespace, MetricName, Dimensions, Period, Unit or Statistic.")
	}
	if len(in.Metrics) > 20 {
		return errCWInvalid("The collection Metrics must not have a size greater than 20.")
	}
	stats, exprs, returning := 0, 0, 0
	seen := map[string]bool{}
	for i, q := range in.Metrics {
		if !metricQueryIDRe.MatchString(q.ID) || len(q.ID) > 255 || seen[q.ID] {
			return errCWInvalid("The value %s for parameter Metrics[%d].Id is not valid: ids are unique, start with a lower-case letter and hold letters, digits and underscores.", q.ID, i)
		}
		seen[q.ID] = true
		switch {
		case q.MetricStat != nil && q.Expression != "", q.MetricStat == nil && q.Expression == "":
			return errCWInvalid("Exactly one of MetricStat and Expression must be set in Metrics[%d].", i)
		case q.MetricStat != nil:
			stats++
			m := q.MetricStat
			if m.Metric.Namespace == "" || m.Metric.MetricName == "" || !cwStatistics[m.Stat] || m.Period < 10 || (m.Period != 10 && m.Period != 30 && m.Period%60 != 0) {
				return errCWInvalid("Metrics[%d].MetricStat needs a Namespace, a MetricName, a Stat and a Period of 10, 30 or a multiple of 60.", i)
			}
			if len(m.Metric.Dimensions) > 30 {
				return errCWInvalid("The collection Dimensions must not have a size greater than 30.")
			}
			for _, d := range m.Metric.Dimensions {
				if len(d.Name) < 1 || len(d.Name) > 255 || len(d.Value) < 1 || len(d.Value) > 1024 {
					return errCWInvalid("Dimension names must be 1-255 and values 1-1024 characters.")
				}
			}
			if q.ReturnData != nil && *q.ReturnData {
				returning++
			}
		default:
			exprs++
			if len(q.Expression) > 2048 {
				return errCWInvalid("The value for parameter Metrics[%d].Expression is longer than 2048 characters.", i)
			}
			if q.ReturnData == nil || *q.ReturnData {
				returning++
			}
		}
	}
	if stats > 10 || exprs > 10 {
		return errCWInvalid("A metric alarm can hold at most 10 MetricStat and 10 Expression queries.")
	}
	if returning != 1 {
		return errCWInvalid("Exactly one element of the Metrics list must return data (ReturnData true).")
	}
	return nil
}

// AlarmARN is the ARN of a metric alarm.
func AlarmARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, account, name)
}

func init() {
	RegisterBuiltin("cloudwatch",
		Operation{Name: "PutMetricAlarm", Handler: Handle(putMetricAlarm)},
		Operation{Name: "DescribeAlarms", Handler: Handle(describeAlarms)},
		Operation{Name: "DeleteAlarms", Handler: Handle(deleteAlarms)},
		Operation{Name: "TagResource", Handler: Handle(cwTagResource)},
		Operation{Name: "UntagResource", Handler: Handle(cwUntagResource)},
		Operation{Name: "ListTagsForResource", Handler: Handle(cwListTags)},
	)
}

func errCWInvalid(format string, args ...any) *APIError {
	return &APIError{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func errCWResourceNotFound(msg string) *APIError {
	return &APIError{Code: "ResourceNotFoundException", QueryCode: "ResourceNotFoundException", Message: msg, Status: http.StatusNotFound}
}

var (
	cwStatistics = map[string]bool{"SampleCount": true, "Average": true, "Sum": true, "Minimum": true, "Maximum": true}
	cwOperators  = map[string]bool{"GreaterThanOrEqualToThreshold": true, "GreaterThanThreshold": true, "LessThanThreshold": true,
		"LessThanOrEqualToThreshold": true, "LessThanLowerOrGreaterThanUpperThreshold": true, "LessThanLowerThreshold": true, "GreaterThanUpperThreshold": true}
	cwMissingData = map[string]bool{"breaching": true, "notBreaching": true, "ignore": true, "missing": true}
	cwActionRe    = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:`)
)

type putMetricAlarmInput struct {
	AlarmName               *string           `json:"AlarmName"`
	AlarmDescription        *string           `json:"AlarmDescription"`
	ActionsEnabled          *bool             `json:"ActionsEnabled"`
	AlarmActions            []string          `json:"AlarmActions"`
	OKActions               []string          `json:"OKActions"`
	InsufficientDataActions []string          `json:"InsufficientDataActions"`
	MetricName              *string           `json:"MetricName"`
	Namespace               *string           `json:"Namespace"`
	Statistic               *string           `json:"Statistic"`
	Dimensions              []AlarmDimension  `json:"Dimensions"`
	Period                  *int              `json:"Period"`
	Unit                    *string           `json:"Unit"`
	EvaluationPeriods       *int              `json:"EvaluationPeriods"`
	DatapointsToAlarm       *int              `json:"DatapointsToAlarm"`
	Threshold               *float64          `json:"Threshold"`
	ComparisonOperator      *string           `json:"ComparisonOperator"`
	TreatMissingData        *string           `json:"TreatMissingData"`
	Metrics                 []MetricDataQuery `json:"Metrics"`
	Tags                    []cwTag           `json:"Tags"`
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func checkAlarmName(name *string) (string, error) {
	if name == nil {
		return "", errCloudWatchMissing("AlarmName")
	}
	if len(*name) < 1 || len(*name) > 255 || strings.ContainsAny(*name, "\x00\n") {
		return "", errCWInvalid("The value %s for parameter AlarmName is not valid.", *name)
	}
	return *name, nil
}

func checkActions(member string, actions []string) error {
	if len(actions) > 5 {
		return errCWInvalid("The collection %s must not have a size greater than 5.", member)
	}
	for _, a := range actions {
		if !cwActionRe.MatchString(a) {
			return errCWInvalid("Invalid arn syntax: %s", a)
		}
	}
	return nil
}

func putMetricAlarm(c *Call, in *putMetricAlarmInput) (*empty, error) {
	name, err := checkAlarmName(in.AlarmName)
	if err != nil {
		return nil, err
	}
	if len(in.Metrics) > 0 {
		if err := checkMetricQueries(in); err != nil {
			return nil, err
		}
		return storeAlarm(c, in, name)
	}
	if in.MetricName == nil || in.Namespace == nil {
		return nil, errCloudWatchMissing("MetricName")
	}
	if in.Statistic == nil || !cwStatistics[*in.Statistic] {
		return nil, errCWInvalid("The parameter Statistic must be one of SampleCount, Average, Sum, Minimum, Maximum.")
	}
	if in.Period == nil || *in.Period < 10 || (*in.Period != 10 && *in.Period != 30 && *in.Period%60 != 0) {
		return nil, errCWInvalid("The parameter Period must be 10, 30 or a multiple of 60.")
	}
	if in.EvaluationPeriods == nil || *in.EvaluationPeriods < 1 {
		return nil, errCloudWatchMissing("EvaluationPeriods")
	}
	if *in.Period**in.EvaluationPeriods > 7*86400 {
		return nil, errCWInvalid("The evaluation range (Period x EvaluationPeriods) must not exceed 7 days.")
	}
	if len(in.Dimensions) > 30 {
		return nil, errCWInvalid("The collection Dimensions must not have a size greater than 30.")
	}
	for _, d := range in.Dimensions {
		if len(d.Name) < 1 || len(d.Name) > 255 || len(d.Value) < 1 || len(d.Value) > 1024 {
			return nil, errCWInvalid("Dimension names must be 1-255 and values 1-1024 characters.")
		}
	}
	return storeAlarm(c, in, name)
}

// storeAlarm checks what every alarm shares (evaluation, threshold, actions) and stores it.
func storeAlarm(c *Call, in *putMetricAlarmInput, name string) (*empty, error) {
	if in.EvaluationPeriods == nil || *in.EvaluationPeriods < 1 {
		return nil, errCloudWatchMissing("EvaluationPeriods")
	}
	if in.Threshold == nil {
		return nil, errCloudWatchMissing("Threshold")
	}
	if in.ComparisonOperator == nil || !cwOperators[*in.ComparisonOperator] {
		return nil, errCWInvalid("The parameter ComparisonOperator is not valid.")
	}
	if in.TreatMissingData != nil && !cwMissingData[*in.TreatMissingData] {
		return nil, errCWInvalid("The parameter TreatMissingData must be one of breaching, notBreaching, ignore, missing.")
	}
	for member, actions := range map[string][]string{"AlarmActions": in.AlarmActions, "OKActions": in.OKActions, "InsufficientDataActions": in.InsufficientDataActions} {
		if err := checkActions(member, actions); err != nil {
			return nil, err
		}
	}
	a := MetricAlarm{
		Name: name, ARN: AlarmARN(c.Region, c.Account(), name), Region: c.Region, Description: deref(in.AlarmDescription),
		ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled,
		AlarmActions:   in.AlarmActions, OKActions: in.OKActions, InsufficientDataActions: in.InsufficientDataActions,
		Namespace: deref(in.Namespace), MetricName: deref(in.MetricName), Statistic: deref(in.Statistic), Unit: deref(in.Unit),
		Dimensions: in.Dimensions, Metrics: in.Metrics, Period: derefInt(in.Period), EvaluationPeriods: *in.EvaluationPeriods,
		Threshold: *in.Threshold, ComparisonOperator: *in.ComparisonOperator, TreatMissingData: deref(in.TreatMissingData),
		State: "INSUFFICIENT_DATA", Updated: time.Now().UTC(),
	}
	if in.DatapointsToAlarm != nil {
		if *in.DatapointsToAlarm < 1 || *in.DatapointsToAlarm > a.EvaluationPeriods {
			return nil, errCWInvalid("DatapointsToAlarm must be between 1 and EvaluationPeriods.")
		}
		a.DatapointsToAlarm = *in.DatapointsToAlarm
	}
	if len(in.Tags) > 0 {
		a.Tags = map[string]string{}
		for _, t := range in.Tags {
			a.Tags[t.Key] = t.Value
		}
	}
	if old, ok := GetAs[MetricAlarm](c.Store(), KindAlarm, a.ARN); ok {
		a.Tags, a.State = old.Tags, old.State // an update keeps tags and state
	}
	c.Store().Put(KindAlarm, a.ARN, a)
	return &empty{}, nil
}

type describeAlarmsInput struct {
	AlarmNames      []string `json:"AlarmNames"`
	AlarmNamePrefix *string  `json:"AlarmNamePrefix"`
	AlarmTypes      []string `json:"AlarmTypes"`
	StateValue      *string  `json:"StateValue"`
	MaxRecords      *int     `json:"MaxRecords"`
	NextToken       *string  `json:"NextToken"`
}

type metricAlarmWire struct {
	AlarmName                          string            `json:"AlarmName"`
	AlarmArn                           string            `json:"AlarmArn"`
	AlarmDescription                   string            `json:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time         `json:"AlarmConfigurationUpdatedTimestamp"`
	ActionsEnabled                     bool              `json:"ActionsEnabled"`
	OKActions                          []string          `json:"OKActions"`
	AlarmActions                       []string          `json:"AlarmActions"`
	InsufficientDataActions            []string          `json:"InsufficientDataActions"`
	StateValue                         string            `json:"StateValue"`
	StateReason                        string            `json:"StateReason"`
	StateUpdatedTimestamp              time.Time         `json:"StateUpdatedTimestamp"`
	MetricName                         string            `json:"MetricName,omitempty"`
	Namespace                          string            `json:"Namespace,omitempty"`
	Statistic                          string            `json:"Statistic,omitempty"`
	Dimensions                         []AlarmDimension  `json:"Dimensions"`
	Period                             int               `json:"Period,omitempty"`
	Unit                               string            `json:"Unit,omitempty"`
	EvaluationPeriods                  int               `json:"EvaluationPeriods"`
	DatapointsToAlarm                  int               `json:"DatapointsToAlarm,omitempty"`
	Threshold                          float64           `json:"Threshold"`
	ComparisonOperator                 string            `json:"ComparisonOperator"`
	TreatMissingData                   string            `json:"TreatMissingData,omitempty"`
	Metrics                            []MetricDataQuery `json:"Metrics,omitempty"`
}

type describeAlarmsOutput struct {
	MetricAlarms    []metricAlarmWire `json:"MetricAlarms"`
	CompositeAlarms []struct{}        `json:"CompositeAlarms"`
	NextToken       *string           `json:"NextToken,omitempty"`
}

func (a MetricAlarm) wire() metricAlarmWire {
	orEmpty := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	dims := a.Dimensions
	if dims == nil {
		dims = []AlarmDimension{}
	}
	return metricAlarmWire{
		AlarmName: a.Name, AlarmArn: a.ARN, AlarmDescription: a.Description, AlarmConfigurationUpdatedTimestamp: a.Updated,
		ActionsEnabled: a.ActionsEnabled, OKActions: orEmpty(a.OKActions), AlarmActions: orEmpty(a.AlarmActions),
		InsufficientDataActions: orEmpty(a.InsufficientDataActions), StateValue: a.State,
		StateReason: "Unchecked: Initial alarm creation", StateUpdatedTimestamp: a.Updated,
		MetricName: a.MetricName, Namespace: a.Namespace, Statistic: a.Statistic, Dimensions: dims, Period: a.Period,
		Unit: a.Unit, EvaluationPeriods: a.EvaluationPeriods, DatapointsToAlarm: a.DatapointsToAlarm, Threshold: a.Threshold,
		ComparisonOperator: a.ComparisonOperator, TreatMissingData: a.TreatMissingData, Metrics: a.Metrics,
	}
}

func describeAlarms(c *Call, in *describeAlarmsInput) (*describeAlarmsOutput, error) {
	if len(in.AlarmNames) > 100 {
		return nil, errCWInvalid("The collection AlarmNames must not have a size greater than 100.")
	}
	if in.AlarmNames != nil && in.AlarmNamePrefix != nil {
		return nil, &APIError{Code: "InvalidParameterCombinationException", QueryCode: "InvalidParameterCombination", Message: "AlarmNames and AlarmNamePrefix cannot be given together.", Status: http.StatusBadRequest}
	}
	size := 50
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > 100 {
			return nil, errCWInvalid("MaxRecords must be between 1 and 100.")
		}
		size = *in.MaxRecords
	}
	wantNames := map[string]bool{}
	for _, n := range in.AlarmNames {
		wantNames[n] = true
	}
	out := &describeAlarmsOutput{MetricAlarms: []metricAlarmWire{}, CompositeAlarms: []struct{}{}}
	if len(in.AlarmTypes) > 0 && !containsString(in.AlarmTypes, "MetricAlarm") {
		return out, nil
	}
	var all []metricAlarmWire
	for _, o := range c.Store().ListVisible(KindAlarm) {
		a := o.Value.(MetricAlarm)
		if a.Region != c.Region || (len(wantNames) > 0 && !wantNames[a.Name]) ||
			(in.AlarmNamePrefix != nil && !strings.HasPrefix(a.Name, *in.AlarmNamePrefix)) ||
			(in.StateValue != nil && a.State != *in.StateValue) {
			continue
		}
		all = append(all, a.wire())
	}
	start, err := pageStart(in.NextToken, len(all))
	if err != nil {
		return nil, &APIError{Code: "InvalidNextToken", Message: "The next token specified is invalid.", Status: http.StatusBadRequest}
	}
	end := min(start+size, len(all))
	out.MetricAlarms = append(out.MetricAlarms, all[start:end]...)
	if end < len(all) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

type deleteAlarmsInput struct {
	AlarmNames []string `json:"AlarmNames"`
}

// deleteAlarms deletes nothing when one of the names does not exist, as CloudWatch does.
func deleteAlarms(c *Call, in *deleteAlarmsInput) (*empty, error) {
	if len(in.AlarmNames) == 0 {
		return nil, errCloudWatchMissing("AlarmNames")
	}
	if len(in.AlarmNames) > 100 {
		return nil, errCWInvalid("The collection AlarmNames must not have a size greater than 100.")
	}
	arns := make([]string, len(in.AlarmNames))
	for i, n := range in.AlarmNames {
		arns[i] = AlarmARN(c.Region, c.Account(), n)
		if !c.Store().Exists(KindAlarm, arns[i]) {
			return nil, &APIError{Code: "ResourceNotFound", QueryCode: "ResourceNotFound", Message: "Alarm " + n + " does not exist.", Status: http.StatusNotFound}
		}
	}
	for _, a := range arns {
		c.Store().Delete(KindAlarm, a)
	}
	return &empty{}, nil
}

// ---- tags (alarms and dashboards) -------------------------------------------------

type cwTagInput struct {
	ResourceARN *string  `json:"ResourceARN"`
	Tags        []cwTag  `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
}

type cwListTagsOutput struct {
	Tags []cwTag `json:"Tags"`
}

// cwTaggable finds the kind of a taggable CloudWatch ARN.
func cwTaggable(c *Call, arn *string) (string, error) {
	if arn == nil {
		return "", errCloudWatchMissing("ResourceARN")
	}
	kind := KindAlarm
	if strings.Contains(*arn, ":dashboard/") {
		kind = KindDashboard
	} else if !strings.Contains(*arn, ":alarm:") {
		return "", errCWInvalid("The value %s for parameter ResourceARN is not valid.", *arn)
	}
	if _, ok := c.Store().Lookup(kind, *arn); !ok {
		return "", errCWResourceNotFound("The resource " + *arn + " does not exist.")
	}
	return kind, nil
}

func updateCWTags(c *Call, arn *string, fn func(map[string]string)) error {
	kind, err := cwTaggable(c, arn)
	if err != nil {
		return err
	}
	copyTags := func(old map[string]string) map[string]string {
		tags := map[string]string{}
		for k, v := range old {
			tags[k] = v
		}
		fn(tags)
		return tags
	}
	err = c.Store().Update(kind, *arn, func(v any) (any, error) {
		switch o := v.(type) {
		case MetricAlarm:
			o.Tags = copyTags(o.Tags)
			return o, nil
		case Dashboard:
			o.Tags = copyTags(o.Tags)
			return o, nil
		}
		return v, nil
	})
	if err != nil {
		return errCWResourceNotFound("The resource " + *arn + " does not exist.")
	}
	return nil
}

func cwTagResource(c *Call, in *cwTagInput) (*empty, error) {
	if len(in.Tags) > 50 {
		return nil, errCWInvalid("The collection Tags must not have a size greater than 50.")
	}
	for _, t := range in.Tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(t.Key, "aws:") {
			return nil, errCWInvalid("The tag key %q is not valid.", t.Key)
		}
	}
	return &empty{}, updateCWTags(c, in.ResourceARN, func(tags map[string]string) {
		for _, t := range in.Tags {
			tags[t.Key] = t.Value
		}
	})
}

func cwUntagResource(c *Call, in *cwTagInput) (*empty, error) {
	return &empty{}, updateCWTags(c, in.ResourceARN, func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
}

func cwListTags(c *Call, in *cwTagInput) (*cwListTagsOutput, error) {
	kind, err := cwTaggable(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	var tags map[string]string
	switch o, _ := c.Store().Get(kind, *in.ResourceARN); v := o.(type) {
	case MetricAlarm:
		tags = v.Tags
	case Dashboard:
		tags = v.Tags
	}
	out := &cwListTagsOutput{Tags: []cwTag{}}
	for _, k := range sortedKeys(tags) {
		out.Tags = append(out.Tags, cwTag{Key: k, Value: tags[k]})
	}
	return out, nil
}
