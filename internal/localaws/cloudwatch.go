package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// CloudWatch (Smithy RPC v2 CBOR in this SDK version): dashboards. Member names are
// CloudWatch's PascalCase wire names. Errors carry both the shape name (for the SDK's
// typed error) and the awsQuery code (X-Amzn-Query-Error), as CloudWatch is
// awsQuery-compatible: e.g. DashboardNotFoundError / ResourceNotFound.

func init() {
	RegisterBuiltin("cloudwatch",
		Operation{Name: "PutDashboard", Handler: Handle(putDashboard)},
		Operation{Name: "GetDashboard", Handler: Handle(getDashboard)},
		Operation{Name: "ListDashboards", Handler: Handle(listDashboards)},
		Operation{Name: "DeleteDashboards", Handler: Handle(deleteDashboards)},
	)
}

// Dashboard is a stored CloudWatch dashboard (KindDashboard, id = Arn).
type Dashboard struct {
	Name         string
	Arn          string
	Body         string
	LastModified time.Time
	Tags         map[string]string
}

// DashboardARN is the ARN of a dashboard (dashboards are global: no region).
func DashboardARN(account, name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", account, name)
}

var dashboardNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

type dashboardValidationMessage struct {
	DataPath string `json:"DataPath"`
	Message  string `json:"Message"`
}

// errDashboardInvalid is CloudWatch's DashboardInvalidInputError (InvalidParameterInput).
func errDashboardInvalid(msg string, details ...dashboardValidationMessage) *APIError {
	e := &APIError{Code: "DashboardInvalidInputError", QueryCode: "InvalidParameterInput", Message: msg, Status: http.StatusBadRequest}
	if len(details) > 0 {
		e.Fields = map[string]any{"dashboardValidationMessages": details}
	}
	return e
}

func errDashboardNotFound(msg string) *APIError {
	return &APIError{Code: "DashboardNotFoundError", QueryCode: "ResourceNotFound", Message: msg, Status: http.StatusNotFound}
}

func errCloudWatchMissing(member string) *APIError {
	return &APIError{Code: "MissingRequiredParameterException", QueryCode: "MissingParameter", Message: "The parameter " + member + " is required.", Status: http.StatusBadRequest}
}

func validateDashboardName(name *string) *APIError {
	if name == nil {
		return errCloudWatchMissing("DashboardName")
	}
	if !dashboardNameRe.MatchString(*name) {
		return errDashboardInvalid(fmt.Sprintf("The value %s for parameter DashboardName is not valid. Dashboard names can contain only A-Z, a-z, 0-9, '-' and '_', up to 255 characters.", *name))
	}
	return nil
}

// validateDashboardBody checks what CloudWatch checks first: a JSON object whose
// widgets, when present, are an array of objects.
func validateDashboardBody(body string) *APIError {
	invalid := func(path, msg string) *APIError {
		return errDashboardInvalid("The dashboard body is invalid, there are 1 validation errors:", dashboardValidationMessage{DataPath: path, Message: msg})
	}
	var doc any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		return invalid("", "Invalid JSON: "+err.Error())
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return invalid("", "Should be object")
	}
	if w, ok := obj["widgets"]; ok {
		list, ok := w.([]any)
		if !ok {
			return invalid("/widgets", "Should be array")
		}
		for i, item := range list {
			if _, ok := item.(map[string]any); !ok {
				return invalid(fmt.Sprintf("/widgets/%d", i), "Should be object")
			}
		}
	}
	return nil
}

type cwTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type putDashboardInput struct {
	DashboardName *string `json:"DashboardName"`
	DashboardBody *string `json:"DashboardBody"`
	Tags          []cwTag `json:"Tags"`
}

type putDashboardOutput struct {
	DashboardValidationMessages []dashboardValidationMessage `json:"DashboardValidationMessages"`
}

func putDashboard(c *Call, in *putDashboardInput) (*putDashboardOutput, error) {
	if e := validateDashboardName(in.DashboardName); e != nil {
		return nil, e
	}
	if in.DashboardBody == nil {
		return nil, errCloudWatchMissing("DashboardBody")
	}
	if e := validateDashboardBody(*in.DashboardBody); e != nil {
		return nil, e
	}
	arn := DashboardARN(c.Account(), *in.DashboardName)
	d := Dashboard{Name: *in.DashboardName, Arn: arn, Body: *in.DashboardBody, LastModified: time.Now().UTC()}
	if len(in.Tags) > 0 {
		d.Tags = map[string]string{}
		for _, t := range in.Tags {
			d.Tags[t.Key] = t.Value
		}
	}
	if old, ok := GetAs[Dashboard](c.Store(), KindDashboard, arn); ok && d.Tags == nil {
		d.Tags = old.Tags // PutDashboard without tags keeps the existing ones
	}
	c.Store().Put(KindDashboard, arn, d)
	return &putDashboardOutput{DashboardValidationMessages: []dashboardValidationMessage{}}, nil
}

type getDashboardInput struct {
	DashboardName *string `json:"DashboardName"`
}

type getDashboardOutput struct {
	DashboardArn  string `json:"DashboardArn"`
	DashboardBody string `json:"DashboardBody"`
	DashboardName string `json:"DashboardName"`
}

func getDashboard(c *Call, in *getDashboardInput) (*getDashboardOutput, error) {
	if e := validateDashboardName(in.DashboardName); e != nil {
		return nil, e
	}
	v, ok := c.Store().Lookup(KindDashboard, DashboardARN(c.Account(), *in.DashboardName))
	if !ok {
		return nil, errDashboardNotFound("Dashboard " + *in.DashboardName + " does not exist")
	}
	d := v.(Dashboard)
	return &getDashboardOutput{DashboardArn: d.Arn, DashboardBody: d.Body, DashboardName: d.Name}, nil
}

type listDashboardsInput struct {
	DashboardNamePrefix *string `json:"DashboardNamePrefix"`
	NextToken           *string `json:"NextToken"`
}

type dashboardEntry struct {
	DashboardName string    `json:"DashboardName"`
	DashboardArn  string    `json:"DashboardArn"`
	LastModified  time.Time `json:"LastModified"`
	Size          int64     `json:"Size"`
}

type listDashboardsOutput struct {
	DashboardEntries []dashboardEntry `json:"DashboardEntries"`
	NextToken        *string          `json:"NextToken,omitempty"`
}

const listDashboardsPage = 1000

func listDashboards(c *Call, in *listDashboardsInput) (*listDashboardsOutput, error) {
	if in.DashboardNamePrefix != nil && !regexp.MustCompile(`^[A-Za-z0-9_-]{0,255}$`).MatchString(*in.DashboardNamePrefix) {
		return nil, errDashboardInvalid("The value " + *in.DashboardNamePrefix + " for parameter DashboardNamePrefix is not valid.")
	}
	var entries []dashboardEntry
	for _, o := range c.Store().ListVisible(KindDashboard) {
		d := o.Value.(Dashboard)
		if in.DashboardNamePrefix != nil && !strings.HasPrefix(d.Name, *in.DashboardNamePrefix) {
			continue
		}
		entries = append(entries, dashboardEntry{DashboardName: d.Name, DashboardArn: d.Arn, LastModified: d.LastModified, Size: int64(len(d.Body))})
	}
	start, err := pageStart(in.NextToken, len(entries))
	if err != nil {
		return nil, &APIError{Code: "InvalidNextToken", Message: "The next token specified is invalid.", Status: http.StatusBadRequest}
	}
	end := min(start+listDashboardsPage, len(entries))
	out := &listDashboardsOutput{DashboardEntries: append([]dashboardEntry{}, entries[start:end]...)}
	if end < len(entries) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

type deleteDashboardsInput struct {
	DashboardNames []string `json:"DashboardNames"`
}

func deleteDashboards(c *Call, in *deleteDashboardsInput) (*empty, error) {
	if len(in.DashboardNames) == 0 {
		return nil, errCloudWatchMissing("DashboardNames")
	}
	arns := make([]string, len(in.DashboardNames))
	for i, n := range in.DashboardNames {
		arns[i] = DashboardARN(c.Account(), n)
		if !c.Store().Exists(KindDashboard, arns[i]) {
			// CloudWatch deletes nothing when one of the names does not exist.
			return nil, errDashboardNotFound("The specified dashboard does not exist. [" + n + "]")
		}
	}
	for _, a := range arns {
		c.Store().Delete(KindDashboard, a)
	}
	return &empty{}, nil
}
