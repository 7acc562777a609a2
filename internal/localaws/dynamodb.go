package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DynamoDB: item and table semantics come from dynalite (with online index creation and
// deletion in UpdateTable, which dynalite 4.0 accepts and ignores, added by
// tools/node/dynalite-gsi.js when it starts). Every operation dynalite
// implements is passed to it (reverse proxy); GetItem, PutItem, UpdateItem and
// DeleteItem go through the metering, throttling front of dynamodb_capacity.go first.
// The emulator answers only the
// control-plane operations dynalite 4.0 lacks, registered below as ordinary awsJson1_0
// operations: UpdateTimeToLive, DescribeTimeToLive, UpdateContinuousBackups,
// DescribeContinuousBackups. Their state is kept per table (KindDynamoTTL,
// KindDynamoPITR) and resets when the table is re-created.

func init() {
	RegisterBuiltin("dynamodb",
		Operation{Name: "UpdateTimeToLive", Handler: Handle(updateTimeToLive)},
		Operation{Name: "DescribeTimeToLive", Handler: Handle(describeTimeToLive)},
		Operation{Name: "UpdateContinuousBackups", Handler: Handle(updateContinuousBackups)},
		Operation{Name: "DescribeContinuousBackups", Handler: Handle(describeContinuousBackups)},
	)
}

// DynamoDBEndpoint is the dynalite endpoint DynamoDB calls go to ("" when not set).
func (s *Server) DynamoDBEndpoint() string { return s.dynamoDB }

func (s *Server) newDynamoProxy() http.Handler {
	if s.dynamoDB == "" {
		return nil
	}
	target, err := url.Parse(s.dynamoDB)
	if err != nil {
		return nil
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // pass the request as the client sent it
		},
		ModifyResponse: func(resp *http.Response) error {
			// Note dynalite's error code in the call log; the response goes on unchanged.
			slot, _ := resp.Request.Context().Value(errorCodeKey{}).(*string)
			if slot == nil || resp.StatusCode < 400 {
				return nil
			}
			body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			if err != nil {
				return err
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			var e struct {
				Type string `json:"__type"`
			}
			_ = json.Unmarshal(body, &e)
			*slot = e.Type[strings.LastIndex(e.Type, "#")+1:]
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			jsonCodec{version: "1.0"}.writeError(w, nil, "", ErrorStatus(http.StatusServiceUnavailable, "ServiceUnavailable", "dynalite at %s is unreachable: %v", s.dynamoDB, err))
		},
	}
}

// dynamoPassthrough reports whether a DynamoDB request goes to dynalite as is.
func (s *Server) dynamoPassthrough(sv *service, r *http.Request) (op string, pass bool) {
	_, op, _ = strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	s.opsMu.RLock()
	_, own := sv.ops[op]
	s.opsMu.RUnlock()
	return op, !own
}

func (s *Server) proxyDynamoDB(w http.ResponseWriter, r *http.Request, sv *service, op string, rec *CallRecord) {
	codec := codecs[sv.Protocol]
	if e := s.faults.apply(r.Context(), sv.Name, op, rec.Region); e != nil {
		rec.ErrorCode = e.Code
		codec.writeError(w, sv, op, e)
		return
	}
	if s.dynamoProxy == nil {
		e := ErrorStatus(http.StatusNotImplemented, "LocalAWSDynamoDBNotConfigured",
			"localaws has no DynamoDB backend: start dynalite and pass its endpoint (localaws.WithDynamoDB, or the command's -dynamodb-endpoint flag)")
		rec.ErrorCode = e.Code
		codec.writeError(w, sv, op, e)
		return
	}
	if op == "TransactWriteItems" {
		s.serveTransactWrite(w, r, rec)
		return
	}
	if s.serveMetered(w, r, op, rec) || s.serveMeteredRead(w, r, op, rec) {
		return
	}
	if op == "CreateTable" || op == "DeleteTable" || op == "UpdateTable" {
		// The front's cached schema is forgotten once dynalite has changed the table:
		// forgotten before, a call meanwhile would cache the old schema again and keep it.
		body, _ := io.ReadAll(io.LimitReader(r.Body, s.maxBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
		defer s.forgetTable(body)
	}
	var code string
	s.dynamoProxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), errorCodeKey{}, &code)))
	rec.ErrorCode = code
}

type errorCodeKey struct{}

var tableNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// dynamoValidation builds DynamoDB's "N validation error detected" message.
func dynamoValidation(member, value, constraint string) *APIError {
	return ErrValidation("1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func validateTableName(name *string) *APIError {
	if name == nil {
		return dynamoValidation("tableName", "null", "Member must not be null")
	}
	n := *name
	if strings.HasPrefix(n, "arn:") {
		if i := strings.LastIndex(n, ":table/"); i >= 0 {
			n = n[i+len(":table/"):]
		}
	}
	if !tableNameRe.MatchString(n) {
		return dynamoValidation("tableName", fmt.Sprintf("'%s'", *name), "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255")
	}
	return nil
}

type dynamoTable struct {
	TableArn         string
	TableName        string
	CreationDateTime float64
}

// describeDynamoTable asks dynalite whether the table exists, signed as the caller.
func describeDynamoTable(c *Call, name, notFoundCode string) (dynamoTable, error) {
	s := c.server
	if s.dynamoDB == "" {
		return dynamoTable{}, ErrorStatus(http.StatusNotImplemented, "LocalAWSDynamoDBNotConfigured", "localaws has no DynamoDB backend")
	}
	if i := strings.LastIndex(name, ":table/"); strings.HasPrefix(name, "arn:") && i >= 0 {
		name = name[i+len(":table/"):]
	}
	body, _ := json.Marshal(map[string]string{"TableName": name})
	req, err := http.NewRequestWithContext(c.Context(), http.MethodPost, s.dynamoDB, bytes.NewReader(body))
	if err != nil {
		return dynamoTable{}, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DescribeTable")
	for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
		if v := c.Request.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return dynamoTable{}, ErrorStatus(http.StatusServiceUnavailable, "ServiceUnavailable", "dynalite is unreachable: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		if code == "ResourceNotFoundException" {
			if notFoundCode == "TableNotFoundException" {
				return dynamoTable{}, Errorf(notFoundCode, "Table not found: %s", name)
			}
			return dynamoTable{}, Errorf(code, "Requested resource not found: Table: %s not found", name)
		}
		return dynamoTable{}, ErrorStatus(resp.StatusCode, code, "%s", e.Message)
	}
	var out struct{ Table dynamoTable }
	if err := json.Unmarshal(data, &out); err != nil {
		return dynamoTable{}, fmt.Errorf("decoding dynalite DescribeTable: %w", err)
	}
	return out.Table, nil
}

// DynamoTTL is the stored TimeToLive state of a table.
type DynamoTTL struct {
	TableCreated  float64 // CreationDateTime of the table the state belongs to
	Enabled       bool
	AttributeName string
}

// DynamoPITR is the stored point-in-time-recovery state of a table.
type DynamoPITR struct {
	TableCreated         float64
	Enabled              bool
	RecoveryPeriodInDays int32
	EnabledAt            time.Time
}

type ttlSpec struct {
	Enabled       *bool   `json:"Enabled,omitempty"`
	AttributeName *string `json:"AttributeName,omitempty"`
}

type updateTTLInput struct {
	TableName               *string
	TimeToLiveSpecification *ttlSpec
}

type updateTTLOutput struct {
	TimeToLiveSpecification *ttlSpec `json:",omitempty"`
}

func updateTimeToLive(c *Call, in *updateTTLInput) (*updateTTLOutput, error) {
	if e := validateTableName(in.TableName); e != nil {
		return nil, e
	}
	spec := in.TimeToLiveSpecification
	switch {
	case spec == nil:
		return nil, dynamoValidation("timeToLiveSpecification", "null", "Member must not be null")
	case spec.Enabled == nil:
		return nil, dynamoValidation("timeToLiveSpecification.enabled", "null", "Member must not be null")
	case spec.AttributeName == nil:
		return nil, dynamoValidation("timeToLiveSpecification.attributeName", "null", "Member must not be null")
	case len(*spec.AttributeName) < 1 || len(*spec.AttributeName) > 255:
		return nil, dynamoValidation("timeToLiveSpecification.attributeName", fmt.Sprintf("'%s'", *spec.AttributeName), "Member must have length between 1 and 255")
	}
	t, err := describeDynamoTable(c, *in.TableName, "ResourceNotFoundException")
	if err != nil {
		return nil, err
	}
	cur, _ := GetAs[DynamoTTL](c.Store(), KindDynamoTTL, t.TableArn)
	if cur.TableCreated != t.CreationDateTime {
		cur = DynamoTTL{TableCreated: t.CreationDateTime}
	}
	if *spec.Enabled && cur.Enabled {
		return nil, ErrValidation("TimeToLive is already enabled")
	}
	if !*spec.Enabled && !cur.Enabled {
		return nil, ErrValidation("TimeToLive is already disabled")
	}
	if !*spec.Enabled && cur.AttributeName != *spec.AttributeName {
		return nil, ErrValidation("TimeToLive attribute name %q does not match the enabled attribute %q", *spec.AttributeName, cur.AttributeName)
	}
	next := DynamoTTL{TableCreated: t.CreationDateTime, Enabled: *spec.Enabled}
	if next.Enabled {
		next.AttributeName = *spec.AttributeName
	}
	c.Store().Put(KindDynamoTTL, t.TableArn, next)
	return &updateTTLOutput{TimeToLiveSpecification: spec}, nil
}

type describeTTLInput struct{ TableName *string }

type ttlDescription struct {
	TimeToLiveStatus string
	AttributeName    string `json:",omitempty"`
}

type describeTTLOutput struct{ TimeToLiveDescription ttlDescription }

func describeTimeToLive(c *Call, in *describeTTLInput) (*describeTTLOutput, error) {
	if e := validateTableName(in.TableName); e != nil {
		return nil, e
	}
	t, err := describeDynamoTable(c, *in.TableName, "ResourceNotFoundException")
	if err != nil {
		return nil, err
	}
	cur, _ := GetAs[DynamoTTL](c.Store(), KindDynamoTTL, t.TableArn)
	if cur.TableCreated != t.CreationDateTime || !cur.Enabled {
		return &describeTTLOutput{TimeToLiveDescription: ttlDescription{TimeToLiveStatus: "DISABLED"}}, nil
	}
	return &describeTTLOutput{TimeToLiveDescription: ttlDescription{TimeToLiveStatus: "ENABLED", AttributeName: cur.AttributeName}}, nil
}

type pitrSpec struct {
	PointInTimeRecoveryEnabled *bool
	RecoveryPeriodInDays       *int32
}

type updatePITRInput struct {
	TableName                        *string
	PointInTimeRecoverySpecification *pitrSpec
}

type pitrDescription struct {
	PointInTimeRecoveryStatus  string
	RecoveryPeriodInDays       int32         `json:",omitempty"`
	EarliestRestorableDateTime *EpochSeconds `json:",omitempty"`
	LatestRestorableDateTime   *EpochSeconds `json:",omitempty"`
}

type continuousBackups struct {
	ContinuousBackupsStatus        string
	PointInTimeRecoveryDescription pitrDescription
}

type continuousBackupsOutput struct{ ContinuousBackupsDescription continuousBackups }

func pitrOutput(p DynamoPITR) *continuousBackupsOutput {
	d := pitrDescription{PointInTimeRecoveryStatus: "DISABLED"}
	if p.Enabled {
		now := EpochSeconds(time.Now().UTC())
		earliest := EpochSeconds(p.EnabledAt)
		d = pitrDescription{PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: p.RecoveryPeriodInDays, EarliestRestorableDateTime: &earliest, LatestRestorableDateTime: &now}
	}
	return &continuousBackupsOutput{ContinuousBackupsDescription: continuousBackups{ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: d}}
}

func updateContinuousBackups(c *Call, in *updatePITRInput) (*continuousBackupsOutput, error) {
	if e := validateTableName(in.TableName); e != nil {
		return nil, e
	}
	spec := in.PointInTimeRecoverySpecification
	switch {
	case spec == nil:
		return nil, dynamoValidation("pointInTimeRecoverySpecification", "null", "Member must not be null")
	case spec.PointInTimeRecoveryEnabled == nil:
		return nil, dynamoValidation("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled", "null", "Member must not be null")
	case spec.RecoveryPeriodInDays != nil && (*spec.RecoveryPeriodInDays < 1 || *spec.RecoveryPeriodInDays > 35):
		return nil, dynamoValidation("pointInTimeRecoverySpecification.recoveryPeriodInDays", fmt.Sprint(*spec.RecoveryPeriodInDays), "Member must have value between 1 and 35")
	}
	t, err := describeDynamoTable(c, *in.TableName, "TableNotFoundException")
	if err != nil {
		return nil, err
	}
	next := DynamoPITR{TableCreated: t.CreationDateTime, Enabled: *spec.PointInTimeRecoveryEnabled}
	if next.Enabled {
		next.RecoveryPeriodInDays = 35
		if spec.RecoveryPeriodInDays != nil {
			next.RecoveryPeriodInDays = *spec.RecoveryPeriodInDays
		}
		next.EnabledAt = time.Now().UTC()
		if cur, ok := GetAs[DynamoPITR](c.Store(), KindDynamoPITR, t.TableArn); ok && cur.Enabled && cur.TableCreated == t.CreationDateTime {
			next.EnabledAt = cur.EnabledAt
		}
	}
	c.Store().Put(KindDynamoPITR, t.TableArn, next)
	return pitrOutput(next), nil
}

type describePITRInput struct{ TableName *string }

func describeContinuousBackups(c *Call, in *describePITRInput) (*continuousBackupsOutput, error) {
	if e := validateTableName(in.TableName); e != nil {
		return nil, e
	}
	t, err := describeDynamoTable(c, *in.TableName, "TableNotFoundException")
	if err != nil {
		return nil, err
	}
	cur, _ := GetAs[DynamoPITR](c.Store(), KindDynamoPITR, t.TableArn)
	if cur.TableCreated != t.CreationDateTime {
		cur = DynamoPITR{}
	}
	return pitrOutput(cur), nil
}
