package localaws

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// CloudWatch Logs (awsJson1_1): log groups with retention and tags; their events are in
// logs_events.go.

func init() {
	RegisterBuiltin("logs",
		Operation{Name: "CreateLogGroup", Handler: Handle(createLogGroup)},
		Operation{Name: "DescribeLogGroups", Handler: Handle(describeLogGroups)},
		Operation{Name: "DeleteLogGroup", Handler: Handle(deleteLogGroup)},
		Operation{Name: "PutRetentionPolicy", Handler: Handle(putRetentionPolicy)},
		Operation{Name: "DeleteRetentionPolicy", Handler: Handle(deleteRetentionPolicy)},
		Operation{Name: "TagResource", Handler: Handle(tagLogsResource)},
		Operation{Name: "UntagResource", Handler: Handle(untagLogsResource)},
		Operation{Name: "ListTagsForResource", Handler: Handle(listLogsTags)},
	)
}

// LogGroup is a stored log group (KindLogGroup, id = Arn).
type LogGroup struct {
	Name            string
	Arn             string // without the trailing ":*"
	Region          string
	CreationTime    int64 // epoch milliseconds
	RetentionInDays int32 // 0: never expire
	KmsKeyID        string
	Class           string
	Tags            map[string]string
}

// LogGroupARN is the ARN of a log group (the form TagResource takes, without ":*").
func LogGroupARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, name)
}

var (
	logGroupNameRe = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	tagKeyRe       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	tagValueRe     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
	retentionDays  = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

func logsInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidParameterException", format, args...)
}

func logsValidation(value, member, constraint string) *APIError {
	return logsInvalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func logsNotFound() *APIError {
	return Errorf("ResourceNotFoundException", "The specified log group does not exist.")
}

func validateLogGroupName(name *string) *APIError {
	if name == nil {
		return logsInvalid("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null")
	}
	if !logGroupNameRe.MatchString(*name) {
		return logsValidation(*name, "logGroupName", "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ and have length between 1 and 512")
	}
	return nil
}

// validateTags checks tags as CloudWatch Logs (and most AWS APIs) do.
func validateLogsTags(tags map[string]string) *APIError {
	if len(tags) > 50 {
		return logsInvalid("too many tags: %d (at most 50)", len(tags))
	}
	for _, k := range sortedKeys(tags) {
		if !tagKeyRe.MatchString(k) {
			return logsValidation(k, "tags.key", "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$ and have length between 1 and 128")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return logsInvalid("Tag keys with the aws: prefix are reserved: %s", k)
		}
		if !tagValueRe.MatchString(tags[k]) {
			return logsValidation(tags[k], "tags."+k+".value", "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$ and have length less than or equal to 256")
		}
	}
	return nil
}

type createLogGroupInput struct {
	LogGroupName  *string           `json:"logGroupName"`
	KmsKeyID      *string           `json:"kmsKeyId"`
	Tags          map[string]string `json:"tags"`
	LogGroupClass *string           `json:"logGroupClass"`
}

type empty struct{}

func createLogGroup(c *Call, in *createLogGroupInput) (*empty, error) {
	if e := validateLogGroupName(in.LogGroupName); e != nil {
		return nil, e
	}
	class := "STANDARD"
	if in.LogGroupClass != nil {
		if !slices.Contains([]string{"STANDARD", "INFREQUENT_ACCESS", "DELIVERY"}, *in.LogGroupClass) {
			return nil, logsValidation(*in.LogGroupClass, "logGroupClass", "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]")
		}
		class = *in.LogGroupClass
	}
	if e := validateLogsTags(in.Tags); e != nil {
		return nil, e
	}
	lg := LogGroup{
		Name: *in.LogGroupName, Arn: LogGroupARN(c.Region, c.Account(), *in.LogGroupName), Region: c.Region,
		CreationTime: time.Now().UnixMilli(), Class: class, Tags: maps.Clone(in.Tags),
	}
	if in.KmsKeyID != nil {
		lg.KmsKeyID = *in.KmsKeyID
	}
	if !c.Store().Create(KindLogGroup, lg.Arn, lg) {
		return nil, Errorf("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	return &empty{}, nil
}

type describeLogGroupsInput struct {
	LogGroupNamePrefix  *string `json:"logGroupNamePrefix"`
	LogGroupNamePattern *string `json:"logGroupNamePattern"`
	NextToken           *string `json:"nextToken"`
	Limit               *int32  `json:"limit"`
	LogGroupClass       *string `json:"logGroupClass"`
}

type logGroupJSON struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   int32  `json:"retentionInDays,omitempty"`
	MetricFilterCount int32  `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	StoredBytes       int64  `json:"storedBytes"`
	KmsKeyID          string `json:"kmsKeyId,omitempty"`
	LogGroupClass     string `json:"logGroupClass"`
	LogGroupArn       string `json:"logGroupArn"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroupJSON `json:"logGroups"`
	NextToken *string        `json:"nextToken,omitempty"`
}

func describeLogGroups(c *Call, in *describeLogGroupsInput) (*describeLogGroupsOutput, error) {
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, logsInvalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	if in.LogGroupNamePrefix != nil {
		if e := validateLogGroupName(in.LogGroupNamePrefix); e != nil {
			return nil, e
		}
	}
	limit := 50
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 50 {
			return nil, logsValidation(fmt.Sprint(*in.Limit), "limit", "Member must have value less than or equal to 50 and greater than or equal to 1")
		}
		limit = int(*in.Limit)
	}
	var groups []LogGroup
	for _, o := range c.Store().ListVisible(KindLogGroup) {
		lg := o.Value.(LogGroup)
		switch {
		case lg.Region != c.Region,
			in.LogGroupNamePrefix != nil && !strings.HasPrefix(lg.Name, *in.LogGroupNamePrefix),
			in.LogGroupNamePattern != nil && !strings.Contains(strings.ToLower(lg.Name), strings.ToLower(*in.LogGroupNamePattern)),
			in.LogGroupClass != nil && lg.Class != *in.LogGroupClass:
			continue
		}
		groups = append(groups, lg)
	}
	slices.SortFunc(groups, func(a, b LogGroup) int { return strings.Compare(a.Name, b.Name) })
	start, err := pageStart(in.NextToken, len(groups))
	if err != nil {
		return nil, logsInvalid("The specified nextToken is invalid.")
	}
	end := min(start+limit, len(groups))
	out := &describeLogGroupsOutput{LogGroups: []logGroupJSON{}}
	for _, lg := range groups[start:end] {
		out.LogGroups = append(out.LogGroups, logGroupJSON{
			LogGroupName: lg.Name, CreationTime: lg.CreationTime, RetentionInDays: lg.RetentionInDays,
			Arn: lg.Arn + ":*", KmsKeyID: lg.KmsKeyID, LogGroupClass: lg.Class, LogGroupArn: lg.Arn,
		})
	}
	if end < len(groups) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

type logGroupNameInput struct {
	LogGroupName *string `json:"logGroupName"`
}

func deleteLogGroup(c *Call, in *logGroupNameInput) (*empty, error) {
	if e := validateLogGroupName(in.LogGroupName); e != nil {
		return nil, e
	}
	arn := LogGroupARN(c.Region, c.Account(), *in.LogGroupName)
	if !c.Store().Delete(KindLogGroup, arn) {
		return nil, logsNotFound()
	}
	for _, id := range c.Store().IDs(KindLogEvents) {
		if strings.HasPrefix(id, arn+"|") {
			c.Store().Delete(KindLogEvents, id)
		}
	}
	return &empty{}, nil
}

type putRetentionPolicyInput struct {
	LogGroupName    *string `json:"logGroupName"`
	RetentionInDays *int32  `json:"retentionInDays"`
}

func putRetentionPolicy(c *Call, in *putRetentionPolicyInput) (*empty, error) {
	if e := validateLogGroupName(in.LogGroupName); e != nil {
		return nil, e
	}
	if in.RetentionInDays == nil {
		return nil, logsInvalid("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	if !slices.Contains(retentionDays, *in.RetentionInDays) {
		return nil, logsValidation(fmt.Sprint(*in.RetentionInDays), "retentionInDays", "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
	}
	days := *in.RetentionInDays
	return updateLogGroup(c, *in.LogGroupName, func(lg *LogGroup) { lg.RetentionInDays = days })
}

func deleteRetentionPolicy(c *Call, in *logGroupNameInput) (*empty, error) {
	if e := validateLogGroupName(in.LogGroupName); e != nil {
		return nil, e
	}
	return updateLogGroup(c, *in.LogGroupName, func(lg *LogGroup) { lg.RetentionInDays = 0 })
}

func updateLogGroup(c *Call, name string, fn func(*LogGroup)) (*empty, error) {
	arn := LogGroupARN(c.Region, c.Account(), name)
	return updateLogGroupByARN(c, arn, fn)
}

func updateLogGroupByARN(c *Call, arn string, fn func(*LogGroup)) (*empty, error) {
	if !c.Store().Visible(KindLogGroup, arn) {
		return nil, logsNotFound()
	}
	err := c.Store().Update(KindLogGroup, arn, func(v any) (any, error) {
		lg := v.(LogGroup)
		lg.Tags = maps.Clone(lg.Tags)
		fn(&lg)
		return lg, nil
	})
	if err != nil {
		return nil, logsNotFound()
	}
	return &empty{}, nil
}

// logGroupARNFromResource accepts a log group ARN with or without ":*".
func logGroupARNFromResource(c *Call, arn *string) (string, *APIError) {
	if arn == nil {
		return "", logsInvalid("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	a := strings.TrimSuffix(*arn, ":*")
	parts := strings.SplitN(a, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "logs" || parts[5] != "log-group" {
		return "", logsInvalid("Invalid ARN: %s", *arn)
	}
	if parts[3] != c.Region {
		return "", Errorf("ResourceNotFoundException", "The specified resource does not exist in region %s.", c.Region)
	}
	return a, nil
}

type tagLogsResourceInput struct {
	ResourceArn *string           `json:"resourceArn"`
	Tags        map[string]string `json:"tags"`
}

func tagLogsResource(c *Call, in *tagLogsResourceInput) (*empty, error) {
	arn, e := logGroupARNFromResource(c, in.ResourceArn)
	if e != nil {
		return nil, e
	}
	if len(in.Tags) == 0 {
		return nil, logsInvalid("1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if e := validateLogsTags(in.Tags); e != nil {
		return nil, e
	}
	var tooMany bool
	out, err := updateLogGroupByARN(c, arn, func(lg *LogGroup) {
		merged := maps.Clone(lg.Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, in.Tags)
		if len(merged) > 50 {
			tooMany = true
			return
		}
		lg.Tags = merged
	})
	if tooMany {
		return nil, logsInvalid("A log group can have at most 50 tags.")
	}
	return out, err
}

type untagLogsResourceInput struct {
	ResourceArn *string  `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

func untagLogsResource(c *Call, in *untagLogsResourceInput) (*empty, error) {
	arn, e := logGroupARNFromResource(c, in.ResourceArn)
	if e != nil {
		return nil, e
	}
	return updateLogGroupByARN(c, arn, func(lg *LogGroup) {
		for _, k := range in.TagKeys {
			delete(lg.Tags, k)
		}
	})
}

type listLogsTagsInput struct {
	ResourceArn *string `json:"resourceArn"`
}

type listLogsTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

func listLogsTags(c *Call, in *listLogsTagsInput) (*listLogsTagsOutput, error) {
	arn, e := logGroupARNFromResource(c, in.ResourceArn)
	if e != nil {
		return nil, e
	}
	v, ok := c.Store().Lookup(KindLogGroup, arn)
	if !ok {
		return nil, logsNotFound()
	}
	tags := maps.Clone(v.(LogGroup).Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &listLogsTagsOutput{Tags: tags}, nil
}
