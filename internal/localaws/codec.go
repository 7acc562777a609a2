package localaws

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// codec is the protocol layer: it finds the operation a request calls, decodes its
// input, and writes outputs and errors in the protocol's wire shape. Operation handlers
// never see the protocol.
type codec interface {
	resolve(sv *service, r *http.Request, body []byte) (op *Operation, params map[string]string, name string, err *APIError)
	decode(c *Call, v any) error
	writeOutput(w http.ResponseWriter, sv *service, op *Operation, out any)
	writeError(w http.ResponseWriter, sv *service, opName string, e *APIError)
}

var codecs = map[Protocol]codec{
	AWSJSON10: jsonCodec{version: "1.0"},
	AWSJSON11: jsonCodec{version: "1.1"},
	AWSQuery:  queryCodec{},
	RESTJSON1: restCodec{},
	RPCv2CBOR: cborCodec{},
	RESTXML:   restXMLCodec{},
}

// ---- awsJson1_0 / awsJson1_1 ------------------------------------------------------

type jsonCodec struct{ version string }

func (j jsonCodec) resolve(sv *service, r *http.Request, _ []byte) (*Operation, map[string]string, string, *APIError) {
	target := r.Header.Get("X-Amz-Target")
	prefix, name, ok := strings.Cut(target, ".")
	if !ok || prefix != sv.Target {
		return nil, nil, name, Errorf("UnknownOperationException", "unknown X-Amz-Target %q", target)
	}
	op := sv.ops[name]
	if op == nil {
		return nil, nil, name, Errorf("UnknownOperationException", "localaws does not implement %s.%s", sv.Name, name)
	}
	return op, nil, name, nil
}

func (jsonCodec) decode(c *Call, v any) error {
	return decodeJSONBody(c.Body, v)
}

func decodeJSONBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return Errorf("SerializationException", "could not decode the request body: %v", err)
	}
	return nil
}

func (j jsonCodec) writeOutput(w http.ResponseWriter, _ *service, _ *Operation, out any) {
	body := []byte("{}")
	if out != nil {
		b, err := json.Marshal(out)
		if err != nil {
			j.writeError(w, nil, "", &APIError{Code: "InternalFailure", Message: err.Error(), Status: 500})
			return
		}
		body = b
	}
	j.write(w, http.StatusOK, body)
}

func (j jsonCodec) write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-"+j.version)
	h.Set("X-Amzn-RequestId", newRequestID())
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (j jsonCodec) writeError(w http.ResponseWriter, _ *service, _ string, e *APIError) {
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	j.write(w, e.HTTPStatus(), errorDocument(e))
}

func errorDocument(e *APIError) []byte {
	m := map[string]any{}
	for k, v := range e.Fields {
		m[k] = v
	}
	m["__type"] = e.Code
	m["message"] = e.Message
	b, _ := json.Marshal(m)
	return b
}

// ---- restJson1 -------------------------------------------------------------------

type restCodec struct{}

type restRoute struct {
	method   string
	segments []string   // literal, "{name}" or "{name...}"
	query    url.Values // parameters the request must carry ("" value: any value)
	literals int        // literal segments and required parameters: the more, the more specific
	op       *Operation
}

func (sv *service) addRoute(op *Operation) error {
	method, target, ok := strings.Cut(op.Method+" "+op.Path, " ")
	path, rawQuery, _ := strings.Cut(target, "?")
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("localaws: bad route %q %q", op.Method, op.Path)
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("localaws: bad route query %q: %w", op.Path, err)
	}
	rt := &restRoute{method: method, op: op, query: query, literals: len(query)}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if !strings.HasPrefix(seg, "{") {
			rt.literals++
		}
		rt.segments = append(rt.segments, seg)
	}
	// Replace a route with the same method, path and query (re-registration).
	for i, old := range sv.routes {
		if old.method == rt.method && strings.Join(old.segments, "/") == strings.Join(rt.segments, "/") && old.query.Encode() == rt.query.Encode() {
			sv.routes[i] = rt
			return nil
		}
	}
	sv.routes = append(sv.routes, rt)
	sort.SliceStable(sv.routes, func(i, k int) bool { return sv.routes[i].literals > sv.routes[k].literals })
	return nil
}

func (rt *restRoute) match(method string, segs []string, q url.Values) (map[string]string, bool) {
	if rt.method != method {
		return nil, false
	}
	for k, want := range rt.query {
		if !q.Has(k) || (want[0] != "" && q.Get(k) != want[0]) {
			return nil, false
		}
	}
	params := map[string]string{}
	for i, pat := range rt.segments {
		if m := wildcardRe.FindStringSubmatch(pat); m != nil && m[0] == pat {
			if m[2] != "" { // {name...}
				if i >= len(segs) {
					return nil, false
				}
				params[m[1]] = strings.Join(segs[i:], "/")
				return params, true
			}
			if i >= len(segs) || segs[i] == "" {
				return nil, false
			}
			params[m[1]] = segs[i]
			continue
		}
		if i >= len(segs) || segs[i] != pat {
			return nil, false
		}
	}
	return params, len(segs) == len(rt.segments)
}

func (restCodec) resolve(sv *service, r *http.Request, _ []byte) (*Operation, map[string]string, string, *APIError) {
	return resolveRoute(sv, r, r.URL.EscapedPath(), "ValidationException", "UnknownOperationException")
}

// resolveRoute finds the most specific route matching the request's method, path and
// query (restJson1 and restXml).
func resolveRoute(sv *service, r *http.Request, escapedPath, malformedCode, unknownCode string) (*Operation, map[string]string, string, *APIError) {
	raw := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, "", Errorf(malformedCode, "malformed path %q", escapedPath)
		}
		segs[i] = u
	}
	q := r.URL.Query()
	for _, rt := range sv.routes {
		if params, ok := rt.match(r.Method, segs, q); ok {
			return rt.op, params, rt.op.Name, nil
		}
	}
	return nil, nil, "", ErrorStatus(http.StatusNotFound, unknownCode, "localaws does not implement %s %s on %s", r.Method, r.URL.Path, sv.Name)
}

// decode fills v from the JSON body, then from fields tagged path:"name", query:"name"
// and header:"Name" (those fields should carry json:"-").
func (restCodec) decode(c *Call, v any) error {
	if err := decodeJSONBody(c.Body, v); err != nil {
		return err
	}
	return bindHTTP(c, v)
}

func (rc restCodec) writeOutput(w http.ResponseWriter, _ *service, op *Operation, out any) {
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	if out != nil {
		setOutputHeaders(w.Header(), out)
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	body := []byte("{}")
	if out != nil {
		b, err := json.Marshal(out)
		if err != nil {
			rc.writeError(w, nil, "", &APIError{Code: "InternalServerException", Message: err.Error(), Status: 500})
			return
		}
		body = b
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (restCodec) writeError(w http.ResponseWriter, _ *service, _ string, e *APIError) {
	m := map[string]any{}
	for k, v := range e.Fields {
		m[k] = v
	}
	m["message"] = e.Message
	body, _ := json.Marshal(m)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.Code)
	h.Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// ---- awsQuery --------------------------------------------------------------------

type queryCodec struct{}

func (queryCodec) resolve(sv *service, r *http.Request, body []byte) (*Operation, map[string]string, string, *APIError) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, nil, "", Errorf("MalformedQueryString", "could not parse the form body: %v", err)
	}
	for k, v := range r.URL.Query() { // awsQuery also accepts parameters in the URL
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	action := form.Get("Action")
	if action == "" {
		return nil, nil, "", Errorf("MissingAction", "the request must contain the parameter Action")
	}
	op := sv.ops[action]
	if op == nil {
		return nil, nil, action, Errorf("InvalidAction", "could not find operation %s for version %s", action, form.Get("Version"))
	}
	return op, nil, action, nil
}

func (queryCodec) decode(c *Call, v any) error {
	form, _ := url.ParseQuery(string(c.Body))
	return decodeQuery(form, v)
}

func (q queryCodec) writeOutput(w http.ResponseWriter, sv *service, op *Operation, out any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Local: op.Name + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: sv.XMLNS}}}
	result := xml.StartElement{Name: xml.Name{Local: op.Name + "Result"}}
	err := enc.EncodeToken(root)
	if err == nil {
		if out != nil {
			err = enc.EncodeElement(out, result)
		} else {
			err = enc.EncodeElement(struct{}{}, result)
		}
	}
	if err == nil {
		err = enc.EncodeElement(responseMetadata{RequestID: newRequestID()}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(root.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		q.writeError(w, sv, op.Name, &APIError{Code: "InternalFailure", Message: err.Error(), Status: 500})
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type queryErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	XMLNS   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func (queryCodec) writeError(w http.ResponseWriter, sv *service, _ string, e *APIError) {
	var doc queryErrorResponse
	if sv != nil {
		doc.XMLNS = sv.XMLNS
	}
	doc.Error.Type = e.Fault()
	doc.Error.Code = e.codeFor(AWSQuery)
	doc.Error.Message = e.Message
	doc.RequestID = newRequestID()
	body, _ := xml.Marshal(doc)
	body = append([]byte(xml.Header), body...)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// ---- restXml ---------------------------------------------------------------------

// restXMLCodec speaks restXml (S3): operations route by method, path and query like
// restJson1; bodies are XML. An input struct receives the children of the request
// body's root element through xml tags (its path, query and header fields carry
// xml:"-"); a blob payload (S3 bucket policies) is read from Call.Body. An output with
// an XMLName field is sent as the XML body; one without sets only its header fields;
// a RawPayload is sent as is.
type restXMLCodec struct{}

// RawPayload is a restXml output whose body is a blob (an httpPayload blob or string
// member, e.g. GetBucketPolicy's policy document).
type RawPayload struct {
	ContentType string
	Body        []byte
}

func (restXMLCodec) resolve(sv *service, r *http.Request, _ []byte) (*Operation, map[string]string, string, *APIError) {
	p := r.URL.EscapedPath()
	if len(p) > 1 && strings.Count(p, "/") == 2 && strings.HasSuffix(p, "/") {
		p = strings.TrimSuffix(p, "/") // "/bucket/" is the bucket
	}
	return resolveRoute(sv, r, p, "InvalidURI", "NotImplemented")
}

func (restXMLCodec) decode(c *Call, v any) error {
	if body := bytes.TrimSpace(c.Body); len(body) > 0 && body[0] == '<' {
		if err := xml.Unmarshal(body, v); err != nil {
			return Errorf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %v", err)
		}
	}
	return bindHTTP(c, v)
}

func (x restXMLCodec) writeOutput(w http.ResponseWriter, sv *service, op *Operation, out any) {
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	h.Set("X-Amz-Request-Id", newRequestID())
	var body []byte
	switch o := out.(type) {
	case nil:
	case *RawPayload:
		h.Set("Content-Type", o.ContentType)
		body = o.Body
	default:
		setOutputHeaders(h, out)
		if hasXMLName(out) {
			b, err := xml.Marshal(out)
			if err != nil {
				x.writeError(w, sv, op.Name, &APIError{Code: "InternalError", Message: err.Error(), Status: 500})
				return
			}
			h.Set("Content-Type", "application/xml")
			body = append([]byte(xml.Header), b...)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func hasXMLName(v any) bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	_, ok := t.FieldByName("XMLName")
	return ok
}

type xmlErrorBody struct {
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	Extra     []xmlErrorField
	RequestID string `xml:"RequestId"`
}

type xmlErrorField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// writeError sends <Error> (S3, NoErrorWrapping) or <ErrorResponse><Error>. (net/http
// drops the body of a HEAD response, so a HEAD error is its status alone, as from S3.)
func (restXMLCodec) writeError(w http.ResponseWriter, sv *service, _ string, e *APIError) {
	reqID := newRequestID()
	doc := xmlErrorBody{Code: e.Code, Message: e.Message, RequestID: reqID}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		doc.Extra = append(doc.Extra, xmlErrorField{XMLName: xml.Name{Local: k}, Value: fmt.Sprint(e.Fields[k])})
	}
	var body []byte
	if sv != nil && sv.NoErrorWrapping {
		body, _ = xml.Marshal(struct {
			XMLName xml.Name `xml:"Error"`
			xmlErrorBody
		}{xmlErrorBody: doc})
	} else {
		body, _ = xml.Marshal(struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Error   struct {
				Type    string `xml:"Type"`
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
			RequestID string `xml:"RequestId"`
		}{Error: struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		}{e.Fault(), e.Code, e.Message}, RequestID: reqID})
	}
	body = append([]byte(xml.Header), body...)
	h := w.Header()
	h.Set("X-Amz-Request-Id", reqID)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// ---- Smithy RPC v2 CBOR ----------------------------------------------------------

type cborCodec struct{}

func (cborCodec) resolve(sv *service, r *http.Request, _ []byte) (*Operation, map[string]string, string, *APIError) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/service/"+sv.Target+"/operation/")
	if !ok || r.Method != http.MethodPost || strings.Contains(rest, "/") {
		return nil, nil, "", ErrorStatus(http.StatusNotFound, "UnknownOperationException", "not an RPC v2 operation path: %s %s", r.Method, r.URL.Path)
	}
	op := sv.ops[rest]
	if op == nil {
		return nil, nil, rest, ErrorStatus(http.StatusNotFound, "UnknownOperationException", "localaws does not implement %s.%s", sv.Name, rest)
	}
	return op, nil, rest, nil
}

// decode turns the CBOR body into JSON-compatible values and unmarshals them into v, so
// handlers use plain json tags with the wire member names. Timestamps become RFC 3339
// strings (decodable into time.Time), blobs base64 strings (decodable into []byte).
func (cborCodec) decode(c *Call, v any) error {
	if len(c.Body) == 0 {
		return nil
	}
	val, err := cbor.Decode(c.Body)
	if err != nil {
		return Errorf("SerializationException", "could not decode the CBOR body: %v", err)
	}
	b, err := json.Marshal(cborToGeneric(val))
	if err != nil {
		return Errorf("SerializationException", "could not decode the CBOR body: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return Errorf("SerializationException", "could not decode the CBOR body: %v", err)
	}
	return nil
}

func (cc cborCodec) writeOutput(w http.ResponseWriter, sv *service, op *Operation, out any) {
	var val cbor.Value = cbor.Map{}
	if out != nil {
		v, err := toCBOR(out)
		if err != nil {
			cc.writeError(w, sv, op.Name, &APIError{Code: "InternalFailure", Message: err.Error(), Status: 500})
			return
		}
		if v != nil {
			val = v
		}
	}
	cc.write(w, http.StatusOK, cbor.Encode(val))
}

func (cborCodec) write(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("X-Amzn-RequestId", newRequestID())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (cc cborCodec) writeError(w http.ResponseWriter, sv *service, _ string, e *APIError) {
	m := cbor.Map{}
	for k, v := range e.Fields {
		if cv, err := toCBOR(v); err == nil && cv != nil {
			m[k] = cv
		}
	}
	typ := e.Code
	if sv != nil && sv.Namespace != "" {
		typ = sv.Namespace + "#" + e.Code
	}
	m["__type"] = cbor.String(typ)
	m["message"] = cbor.String(e.Message)
	if sv != nil && sv.QueryCompatible {
		code := e.QueryCode
		if code == "" {
			code = e.Code
		}
		w.Header().Set("X-Amzn-Query-Error", code+";"+e.Fault())
	}
	cc.write(w, e.HTTPStatus(), cbor.Encode(m))
}

func cborToGeneric(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cborToGeneric(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cborToGeneric(e)
		}
		return l
	case cbor.String:
		return string(x)
	case cbor.Slice:
		return []byte(x)
	case cbor.Uint:
		return uint64(x)
	case cbor.NegInt:
		return -int64(x)
	case cbor.Float32:
		return float64(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Bool:
		return bool(x)
	case *cbor.Tag:
		if x.ID == 1 {
			if t, err := cbor.AsTime(x); err == nil {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
		return cborToGeneric(x.Value)
	}
	return nil
}
