package localaws

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsmodel"
)

// The wire-to-model readers: each turns a request (or a response) of one protocol into
// the generic value of the operation's input (or output) shape that awsmodel checks.
// They are guided by the model, not by the emulator's Go types, so a member the
// emulator ignores is still checked.

// jsonValue decodes a JSON document keeping numbers exact.
func jsonValue(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// renameJSON maps restJson1 wire names (the jsonName trait) to member names.
func renameJSON(m *awsmodel.Model, target string, v any) any {
	s := m.Shape(target)
	if s == nil {
		return v
	}
	switch s.Type {
	case "structure", "union":
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			out[k] = e
		}
		for name, mem := range s.Members {
			wire := name
			if mem.Traits.JSONName != "" {
				wire = mem.Traits.JSONName
				delete(out, wire)
			}
			if e, ok := obj[wire]; ok {
				out[name] = renameJSON(m, mem.Target, e)
			}
		}
		return out
	case "list", "set":
		if l, ok := v.([]any); ok && s.Member != nil {
			out := make([]any, len(l))
			for i, e := range l {
				out[i] = renameJSON(m, s.Member.Target, e)
			}
			return out
		}
	case "map":
		if obj, ok := v.(map[string]any); ok && s.Value != nil {
			out := make(map[string]any, len(obj))
			for k, e := range obj {
				out[k] = renameJSON(m, s.Value.Target, e)
			}
			return out
		}
	}
	return v
}

// scalarFromText converts a text value (HTTP label, query, header, awsQuery form or XML
// text) to the generic value of its target type.
func scalarFromText(m *awsmodel.Model, target, text string) any {
	s := m.Shape(target)
	if s == nil {
		return text
	}
	switch s.Type {
	case "byte", "short", "integer", "long", "float", "double", "bigInteger", "bigDecimal", "intEnum":
		if _, err := strconv.ParseFloat(text, 64); err == nil {
			return json.Number(text)
		}
	case "boolean":
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	case "list", "set":
		var out []any
		for _, p := range strings.Split(text, ",") {
			if s.Member != nil {
				out = append(out, scalarFromText(m, s.Member.Target, strings.TrimSpace(p)))
			}
		}
		return out
	}
	return text
}

// restValue reads a restJson1 or restXml message: members bound to the path, query
// string, headers and status code, the payload member, and the body's members.
// labels are the path labels (nil for a response).
func restValue(m *awsmodel.Model, shapeID string, protocol Protocol, labels map[string]string, query url.Values, header http.Header, status int, body []byte) (map[string]any, error) {
	out := map[string]any{}
	s := m.Shape(shapeID)
	if s == nil {
		return out, nil
	}
	var bodyMembers []*awsmodel.Member
	for _, mem := range s.SortedMembers() {
		t := mem.Traits
		target := m.Shape(mem.Target)
		switch {
		case t.HTTPLabel != nil:
			if v, ok := labels[mem.Name]; ok {
				out[mem.Name] = scalarFromText(m, mem.Target, v)
			}
		case t.HTTPQuery != "":
			if vals := query[t.HTTPQuery]; len(vals) > 0 {
				out[mem.Name] = queryParam(m, mem.Target, target, vals)
			}
		case t.HTTPQueryParams != nil:
			params := map[string]any{}
			for k, v := range query {
				params[k] = v[0]
			}
			if len(params) > 0 {
				out[mem.Name] = params
			}
		case t.HTTPHeader != "":
			if vals := header.Values(t.HTTPHeader); len(vals) > 0 {
				out[mem.Name] = scalarFromText(m, mem.Target, strings.Join(vals, ","))
			}
		case t.HTTPPrefixHeaders != nil:
			if hs := prefixHeaders(header, *t.HTTPPrefixHeaders); len(hs) > 0 {
				out[mem.Name] = hs
			}
		case t.HTTPResponseCode != nil:
			if labels == nil && status != 0 {
				out[mem.Name] = json.Number(strconv.Itoa(status))
			}
		case t.HTTPPayload != nil:
			v, ok, err := payloadValue(m, mem, target, protocol, labels == nil, body)
			if err != nil {
				return nil, err
			}
			if ok {
				out[mem.Name] = v
			}
		default:
			bodyMembers = append(bodyMembers, mem)
		}
	}
	if len(bodyMembers) == 0 || len(bytes.TrimSpace(body)) == 0 {
		return out, nil
	}
	v, err := bodyValue(m, shapeID, "", protocol, body)
	if err != nil {
		return nil, err
	}
	if obj, ok := v.(map[string]any); ok {
		for _, mem := range bodyMembers {
			if e, ok := obj[mem.Name]; ok {
				out[mem.Name] = e
			}
		}
	}
	return out, nil
}

// queryParam is the value of a member bound to a query parameter: every value for a
// list or set, the first one otherwise.
func queryParam(m *awsmodel.Model, memberTarget string, target *awsmodel.Shape, vals []string) any {
	if target != nil && (target.Type == "list" || target.Type == "set") {
		l := make([]any, len(vals))
		for i, v := range vals {
			l[i] = scalarFromText(m, target.Member.Target, v)
		}
		return l
	}
	return scalarFromText(m, memberTarget, vals[0])
}

// prefixHeaders is the value of a member bound to the headers named with prefix: each
// such header's first value by the rest of its lower-cased name.
func prefixHeaders(header http.Header, prefix string) map[string]any {
	prefix = strings.ToLower(prefix)
	hs := map[string]any{}
	for k, v := range header {
		if lk := strings.ToLower(k); prefix != "" && strings.HasPrefix(lk, prefix) {
			hs[lk[len(prefix):]] = v[0]
		}
	}
	return hs
}

// payloadValue reads the member bound to the message's payload: the decoded body for
// an aggregate, the bytes of a blob, the text otherwise; ok is false when the message
// has none.
func payloadValue(m *awsmodel.Model, mem *awsmodel.Member, target *awsmodel.Shape, protocol Protocol, response bool, body []byte) (v any, ok bool, err error) {
	if target == nil {
		return nil, false, nil
	}
	if target.Traits.Streaming != nil {
		// An event stream or streamed blob is not read here: present when the
		// message has a body or is a response (a stream's events come later).
		return streamed{}, response || len(body) > 0, nil
	}
	switch target.Type {
	case "structure", "union", "document", "list", "map":
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, false, nil
		}
		v, err := bodyValue(m, mem.Target, mem.Traits.XMLName, protocol, body)
		if err != nil {
			return nil, false, err
		}
		return v, true, nil
	case "blob":
		return body, len(body) > 0, nil
	default:
		return string(body), len(body) > 0, nil
	}
}

func bodyValue(m *awsmodel.Model, shapeID, xmlName string, protocol Protocol, body []byte) (any, error) {
	if protocol == RESTXML {
		root, err := parseXML(body)
		if err != nil {
			return nil, err
		}
		return xmlValue(m, shapeID, awsmodel.Traits{}, root), nil
	}
	v, err := jsonValue(body)
	if err != nil {
		return nil, err
	}
	return renameJSON(m, shapeID, v), nil
}

// matchLabels matches a request path against an operation's URI pattern
// ("/2015-03-31/functions/{FunctionName}/url", "/{Bucket}/{Key+}") and returns the
// label values, unescaped.
func matchLabels(uri, escapedPath string) map[string]string {
	pattern, _, _ := strings.Cut(uri, "?")
	pat := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	out := map[string]string{}
	for i, p := range pat {
		if !strings.HasPrefix(p, "{") || !strings.HasSuffix(p, "}") {
			continue
		}
		name := p[1 : len(p)-1]
		if g, ok := strings.CutSuffix(name, "+"); ok {
			if i < len(segs) {
				rest := strings.Join(segs[i:], "/")
				if u, err := url.PathUnescape(rest); err == nil {
					out[g] = u
				}
			}
			break
		}
		if i < len(segs) && segs[i] != "" {
			if u, err := url.PathUnescape(segs[i]); err == nil {
				out[name] = u
			}
		}
	}
	return out
}

// queryValue reads an awsQuery form into the value of a structure shape: members by
// name (or xmlName), lists as Name.member.N (Name.N when flattened), maps as
// Name.entry.N.key / .value.
func queryValue(m *awsmodel.Model, shapeID string, form url.Values) map[string]any {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	v, _ := queryMember(m, shapeID, awsmodel.Traits{}, "", form, keys).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	return v
}

func hasPrefixKey(keys []string, prefix string) bool {
	i := sort.SearchStrings(keys, prefix)
	return i < len(keys) && strings.HasPrefix(keys[i], prefix)
}

func queryMember(m *awsmodel.Model, target string, mt awsmodel.Traits, prefix string, form url.Values, keys []string) any {
	s := m.Shape(target)
	if s == nil {
		return nil
	}
	dot := func(p, name string) string {
		if p == "" {
			return name
		}
		return p + "." + name
	}
	switch s.Type {
	case "structure", "union":
		out := map[string]any{}
		for _, mem := range s.SortedMembers() {
			wire := mem.Name
			if mem.Traits.XMLName != "" {
				wire = mem.Traits.XMLName
			}
			k := dot(prefix, wire)
			if _, ok := form[k]; !ok && !hasPrefixKey(keys, k+".") {
				continue
			}
			if v := queryMember(m, mem.Target, mem.Traits, k, form, keys); v != nil {
				out[mem.Name] = v
			}
		}
		return out
	case "list", "set":
		if vals, ok := form[prefix]; ok && len(vals) > 0 && vals[0] == "" {
			return []any{} // "Name=" is the empty list
		}
		item := prefix + ".member"
		if mt.XMLFlattened != nil {
			item = prefix
		} else if s.Member.Traits.XMLName != "" {
			item = prefix + "." + s.Member.Traits.XMLName
		}
		var out []any
		for i := 1; ; i++ {
			k := item + "." + strconv.Itoa(i)
			if _, ok := form[k]; !ok && !hasPrefixKey(keys, k+".") {
				break
			}
			out = append(out, queryMember(m, s.Member.Target, s.Member.Traits, k, form, keys))
		}
		if out == nil {
			out = []any{}
		}
		return out
	case "map":
		entry := prefix + ".entry"
		if mt.XMLFlattened != nil {
			entry = prefix
		}
		kn, vn := entryNames(s)
		out := map[string]any{}
		for i := 1; ; i++ {
			k := entry + "." + strconv.Itoa(i)
			if !hasPrefixKey(keys, k+".") {
				break
			}
			key := form.Get(k + "." + kn)
			out[key] = queryMember(m, s.Value.Target, s.Value.Traits, k+"."+vn, form, keys)
		}
		return out
	default:
		vals, ok := form[prefix]
		if !ok {
			return nil
		}
		return scalarFromText(m, target, vals[0])
	}
}

// xnode is a parsed XML element.
type xnode struct {
	name     string
	attrs    []xml.Attr
	children []*xnode
	text     string
}

func parseXML(body []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name.Local, attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		root = &xnode{}
	}
	return root, nil
}

func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// xmlValue reads an element as the value of a shape (restXml bodies, awsQuery results).
func xmlValue(m *awsmodel.Model, target string, mt awsmodel.Traits, n *xnode) any {
	s := m.Shape(target)
	if s == nil {
		return nil
	}
	switch s.Type {
	case "structure", "union":
		out := map[string]any{}
		for _, mem := range s.SortedMembers() {
			wire := mem.Name
			if mem.Traits.XMLName != "" {
				wire = mem.Traits.XMLName
			}
			if mem.Traits.XMLAttribute != nil {
				for _, a := range n.attrs {
					if a.Name.Local == wire {
						out[mem.Name] = scalarFromText(m, mem.Target, a.Value)
					}
				}
				continue
			}
			ms := m.Shape(mem.Target)
			if mem.Traits.XMLFlattened != nil && ms != nil && (ms.Type == "list" || ms.Type == "set" || ms.Type == "map") {
				var items []*xnode
				for _, c := range n.children {
					if c.name == wire {
						items = append(items, c)
					}
				}
				if len(items) > 0 {
					out[mem.Name] = xmlItems(m, ms, items)
				}
				continue
			}
			if c := n.child(wire); c != nil {
				out[mem.Name] = xmlValue(m, mem.Target, mem.Traits, c)
			}
		}
		return out
	case "list", "set":
		itemName := "member"
		if s.Member.Traits.XMLName != "" {
			itemName = s.Member.Traits.XMLName
		}
		var items []*xnode
		for _, c := range n.children {
			if c.name == itemName {
				items = append(items, c)
			}
		}
		return xmlItems(m, s, items)
	case "map":
		var items []*xnode
		for _, c := range n.children {
			if c.name == "entry" {
				items = append(items, c)
			}
		}
		return xmlItems(m, s, items)
	default:
		return scalarFromText(m, target, n.text)
	}
}

// entryNames are the element names of a map entry's key and value: "key" and "value"
// unless the map's members rename them.
func entryNames(s *awsmodel.Shape) (key, value string) {
	key, value = "key", "value"
	if s.Key.Traits.XMLName != "" {
		key = s.Key.Traits.XMLName
	}
	if s.Value.Traits.XMLName != "" {
		value = s.Value.Traits.XMLName
	}
	return key, value
}

// xmlItems reads the items of a list (elements holding each value) or a map (entries
// holding a key and a value element).
func xmlItems(m *awsmodel.Model, s *awsmodel.Shape, items []*xnode) any {
	if s.Type == "map" {
		kn, vn := entryNames(s)
		out := map[string]any{}
		for _, e := range items {
			k, v := e.child(kn), e.child(vn)
			if k == nil {
				continue
			}
			if v == nil {
				out[k.text] = nil
				continue
			}
			out[k.text] = xmlValue(m, s.Value.Target, s.Value.Traits, v)
		}
		return out
	}
	out := make([]any, 0, len(items))
	for _, e := range items {
		out = append(out, xmlValue(m, s.Member.Target, s.Member.Traits, e))
	}
	return out
}

// cborValue decodes a Smithy RPC v2 CBOR body.
func cborValue(body []byte) (any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, err
	}
	return cborToGeneric(v), nil
}

// streamed stands for a streaming member's value, which is not checked.
type streamed = awsmodel.Streamed
