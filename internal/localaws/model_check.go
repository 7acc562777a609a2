package localaws

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsmodel"
)

// Every request of every emulated operation is checked against AWS's API model of its
// service (awsmodel, generated from AWS's Smithy models) before the handler sees it:
// required members, length, pattern, range and enum values. A request AWS would refuse
// is refused the same way: ValidationException (ValidationError over awsQuery) with
// AWS's "1 validation error detected: Value ... at '...' failed to satisfy constraint:
// ..." message; a value of the wrong type is a SerializationException. Every response
// is checked against the operation's output shape too: a response that breaks the model
// (a required member missing, a value outside its enum) is the emulator's defect, and it
// answers 500 InternalFailure naming it, so the test that met it fails.
//
// The operation is looked up by service and operation name: an operation the emulator
// routes that the model does not define is refused (500), and TestEveryOperationHasModel
// fails, so a newly emulated operation is validated from its first call.

// modelNames maps the emulator's service names to the model files' names where they
// differ.
var modelNames = map[string]string{
	"ce":   "cost-explorer",
	"logs": "cloudwatch-logs",
}

// validationCodes are the error codes of services whose constraint failures are not
// ValidationException (ValidationError over awsQuery, and in CloudWatch's
// X-Amzn-Query-Error). CloudWatch Logs: "InvalidParameterException: 1 validation error
// detected: Value '...' at 'logGroupName' failed to satisfy constraint: ..." as logged
// by awslabs/aws-embedded-metrics-java#65; CloudWatch: "Error Code: ValidationError"
// (aws-cloudformation/cfn-lint#771).
var validationCodes = map[string]string{
	"logs": "InvalidParameterException",
}

// ModelOf returns AWS's API model of an emulated service.
func ModelOf(service string) (*awsmodel.Model, error) {
	if n, ok := modelNames[service]; ok {
		service = n
	}
	return awsmodel.Load(service)
}

// newerThanModels are the emulated operations AWS added after the models' snapshot
// (2025-04-02), or of services the snapshot has no model of, each with the document
// that defines it: no model can validate them, so
// they are named here, not passed silently, and their own tests hold them to that
// document.
var newerThanModels = map[string]string{
	// Bedrock user guide, "Invoke a model with the OpenAI Chat Completions API":
	// POST /openai/v1/chat/completions on the bedrock-runtime endpoint.
	"bedrock-runtime.ChatCompletions": "Bedrock Runtime's OpenAI-compatible Chat Completions API",
	// Bedrock API Reference, "GetFoundationModelAvailability": GET
	// /foundation-model-availability/{modelId}; agreement, authorization, entitlement and
	// Region availability of a model in the account.
	"bedrock.GetFoundationModelAvailability": "Bedrock's GetFoundationModelAvailability (Marketplace agreement of a model)",
	// Not newer, but absent: the models here have no AWS Organizations model.
	// Organizations API Reference, "DescribeOrganization" (awsJson1_1, target
	// AWSOrganizationsV20161128.DescribeOrganization; the organization's Id, Arn,
	// FeatureSet and MasterAccountId/Arn/Email).
	"organizations.DescribeOrganization": "AWS Organizations DescribeOrganization (no Organizations model in the snapshot)",
}

// NewerThanModels says whether an emulated operation ("service.Operation") is newer
// than AWS's models, and which API defines it.
func NewerThanModels(op string) (string, bool) {
	why, ok := newerThanModels[op]
	return why, ok
}

// modelOperation finds the model of an emulated operation.
func modelOperation(service, op string) (*awsmodel.Model, *awsmodel.Operation, *APIError) {
	m, err := ModelOf(service)
	if err != nil {
		return nil, nil, ErrorStatus(http.StatusInternalServerError, "InternalFailure", "localaws: %v", err)
	}
	mo := m.Operation(op)
	if mo == nil {
		return nil, nil, ErrorStatus(http.StatusInternalServerError, "InternalFailure", "localaws: AWS's %s model has no operation %s: the emulator must not route it", service, op)
	}
	return m, mo, nil
}

// ModelStats counts what the model checks did in this process.
type ModelStats struct {
	Requests, Responses int64 // messages checked against the model
	Refused             int64 // requests refused for a violation
}

var modelStats struct{ requests, responses, refused atomic.Int64 }

var checkedOps sync.Map // "service.Operation" -> true once a response was checked

// ModelCheckStats returns the counters of the model checks made in this process.
func ModelCheckStats() ModelStats {
	return ModelStats{Requests: modelStats.requests.Load(), Responses: modelStats.responses.Load(), Refused: modelStats.refused.Load()}
}

// ModelCheckedOperations lists the operations ("service.Operation") whose responses
// were checked against their output shape in this process.
func ModelCheckedOperations() []string {
	var out []string
	checkedOps.Range(func(k, _ any) bool { out = append(out, k.(string)); return true })
	return out
}

// requestValue reads a request as the value of the operation's input shape.
func requestValue(m *awsmodel.Model, mo *awsmodel.Operation, protocol Protocol, r *http.Request, body []byte) (map[string]any, error) {
	var v any
	var err error
	switch protocol {
	case AWSJSON10, AWSJSON11:
		v, err = jsonValue(body)
	case RPCv2CBOR:
		v, err = cborValue(body)
	case AWSQuery:
		form, perr := url.ParseQuery(string(body))
		if perr != nil {
			return nil, perr
		}
		for k, vals := range r.URL.Query() {
			if _, ok := form[k]; !ok {
				form[k] = vals
			}
		}
		return queryValue(m, mo.Input, form), nil
	case RESTJSON1, RESTXML:
		var labels map[string]string
		if mo.HTTP != nil {
			labels = matchLabels(mo.HTTP.URI, r.URL.EscapedPath())
		}
		return restValue(m, mo.Input, protocol, labels, r.URL.Query(), r.Header, 0, body)
	}
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the request body is not an object")
	}
	return obj, nil
}

// checkRequest validates a request of an emulated operation against the model.
func checkRequest(sv *service, opName string, r *http.Request, body []byte) *APIError {
	if _, newer := newerThanModels[sv.Name+"."+opName]; newer {
		return nil
	}
	m, mo, apiErr := modelOperation(sv.Name, opName)
	if apiErr != nil {
		return apiErr
	}
	modelStats.requests.Add(1)
	if mo.Input == "" {
		return nil
	}
	v, err := requestValue(m, mo, sv.Protocol, r, body)
	if err != nil {
		modelStats.refused.Add(1)
		if sv.Protocol == RESTXML {
			return Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %v", err)
		}
		return Errorf("SerializationException", "could not read the request: %v", err)
	}
	vs := m.Validate(mo.Input, v)
	if len(vs) == 0 {
		return nil
	}
	modelStats.refused.Add(1)
	for _, x := range vs {
		if x.Type {
			return Errorf("SerializationException", "%s", awsmodel.Message(vs))
		}
	}
	if sv.Protocol == RESTXML {
		// S3 checks a request body against its schema and answers MalformedXML.
		return Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %s", awsmodel.Message(vs))
	}
	e := ErrValidation("%s", awsmodel.Message(vs))
	if code, ok := validationCodes[sv.Name]; ok {
		e.Code = code
	}
	return e
}

// responseViolations checks an encoded response against the operation's output shape.
func responseViolations(sv *service, opName string, status int, header http.Header, body []byte) ([]awsmodel.Violation, error) {
	if _, newer := newerThanModels[sv.Name+"."+opName]; newer {
		return nil, nil
	}
	m, mo, apiErr := modelOperation(sv.Name, opName)
	if apiErr != nil {
		return nil, apiErr
	}
	modelStats.responses.Add(1)
	checkedOps.Store(sv.Name+"."+opName, true)
	if mo.Output == "" {
		return nil, nil
	}
	var v any
	var err error
	switch sv.Protocol {
	case AWSJSON10, AWSJSON11:
		v, err = jsonValue(body)
	case RPCv2CBOR:
		v, err = cborValue(body)
	case AWSQuery:
		var root *xnode
		root, err = parseXML(body)
		if err == nil {
			res := root.child(opName + "Result")
			if res == nil {
				res = &xnode{}
			}
			v = xmlValue(m, mo.Output, awsmodel.Traits{}, res)
		}
	case RESTJSON1, RESTXML:
		v, err = restValue(m, mo.Output, sv.Protocol, nil, nil, header, status, body)
	}
	if err != nil {
		return nil, err
	}
	return m.ValidateOutput(mo.Output, v), nil
}

// writeCheckedOutput encodes an operation's output, checks it against the model, and
// sends it; a response that breaks the model is replaced by a 500 naming the defect.
func writeCheckedOutput(w http.ResponseWriter, c codec, sv *service, op *Operation, out any) (errorCode string) {
	rec := httptest.NewRecorder()
	c.writeOutput(rec, sv, op, out)
	return sendChecked(w, c, sv, op, rec)
}

// sendChecked checks a buffered response against the model and sends it; a response
// that breaks the model is replaced by a 500 naming the defect, whose error code it
// returns.
func sendChecked(w http.ResponseWriter, c codec, sv *service, op *Operation, rec *httptest.ResponseRecorder) (errorCode string) {
	body := rec.Body.Bytes()
	if rec.Code < 300 {
		vs, err := responseViolations(sv, op.Name, rec.Code, rec.Header(), body)
		if err == nil && len(vs) > 0 {
			err = fmt.Errorf("%s", awsmodel.Message(vs))
		}
		if err != nil {
			e := ErrorStatus(http.StatusInternalServerError, "InternalFailure", "localaws defect: the response of %s.%s breaks AWS's model: %v", sv.Name, op.Name, err)
			c.writeError(w, sv, op.Name, e)
			return e.codeFor(sv.Protocol)
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
	return ""
}

// checkPassthrough validates and authorizes a DynamoDB request dynalite answers; the
// body is read and put back for the proxy.
func (s *Server) checkPassthrough(sv *service, op string, r *http.Request, rec CallRecord) *APIError {
	body, e := s.readBody(r)
	if e != nil {
		return e
	}
	if e := checkRequest(sv, op, r, body); e != nil {
		return e
	}
	return s.authorizeCall(sv, op, &Call{Service: sv.Name, Operation: op, Region: rec.Region, AccessKeyID: rec.AccessKeyID,
		Request: r, Body: body, server: s, protocol: sv.Protocol})
}

// EmulatedOperations lists every operation a new Server routes ("service.Operation").
func EmulatedOperations() []string {
	s := New()
	var out []string
	for _, name := range sortedKeys(s.services) {
		for _, op := range sortedKeys(s.services[name].ops) {
			out = append(out, name+"."+op)
		}
	}
	return out
}

var (
	defectsMu    sync.Mutex
	modelDefects []string
)

// ModelDefects lists responses of streaming operations that broke the model after
// they were sent (a buffered response is replaced by a 500 instead).
func ModelDefects() []string {
	defectsMu.Lock()
	defer defectsMu.Unlock()
	return append([]string(nil), modelDefects...)
}

// runRawChecked runs an operation that writes its own response. An event-stream
// response goes out as it is written, and its status and headers are checked against
// the model afterwards; any other is buffered and checked like a Handler's.
func runRawChecked(w http.ResponseWriter, sv *service, op *Operation, call *Call) {
	if _, newer := newerThanModels[sv.Name+"."+op.Name]; newer {
		op.Raw(call, w)
		return
	}
	m, mo, apiErr := modelOperation(sv.Name, op.Name)
	if apiErr != nil {
		codecs[sv.Protocol].writeError(w, sv, op.Name, apiErr)
		return
	}
	if hasEventStream(m, mo.Output) {
		tee := &headerTee{ResponseWriter: w}
		op.Raw(call, tee)
		if tee.status < 300 {
			if vs, err := responseViolations(sv, op.Name, tee.status, tee.header, nil); err != nil || len(vs) > 0 {
				msg := fmt.Sprintf("%s.%s: %v%s", sv.Name, op.Name, err, awsmodel.Message(vs))
				defectsMu.Lock()
				modelDefects = append(modelDefects, msg)
				defectsMu.Unlock()
			}
		}
		return
	}
	rec := httptest.NewRecorder()
	op.Raw(call, rec)
	sendChecked(w, codecs[sv.Protocol], sv, op, rec)
}

// hasEventStream reports whether an output shape streams events (a streaming union).
func hasEventStream(m *awsmodel.Model, output string) bool {
	s := m.Shape(output)
	if s == nil {
		return false
	}
	for _, mem := range s.Members {
		if t := m.Shape(mem.Target); t != nil && t.Type == "union" && t.Traits.Streaming != nil {
			return true
		}
	}
	return false
}

// headerTee passes a streaming response through and keeps its status and headers.
type headerTee struct {
	http.ResponseWriter
	status int
	header http.Header
}

func (t *headerTee) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
		t.header = t.ResponseWriter.Header().Clone()
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *headerTee) Write(p []byte) (int, error) {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	return t.ResponseWriter.Write(p)
}

func (t *headerTee) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (t *headerTee) Unwrap() http.ResponseWriter { return t.ResponseWriter }
