package awsmodel

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Violation is one value that breaks a constraint of the model.
type Violation struct {
	// Path is where the value is, in the style of AWS's validation messages: member
	// names with a lower-case first letter, list positions from 1 ("tags.1.member.key").
	Path string
	// Value is the offending value as AWS quotes it ("null" for a missing member).
	Value string
	// Constraint is AWS's wording: "Member must not be null", "Member must have length
	// less than or equal to 64", ...
	Constraint string
	// Type is true when the value has the wrong type (AWS answers that with a
	// SerializationException rather than a ValidationException).
	Type bool
}

func (v Violation) String() string {
	return fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", v.Value, v.Path, v.Constraint)
}

// Message joins violations the way AWS's validation errors read: "1 validation error
// detected: Value 'x' at 'name' failed to satisfy constraint: ...".
func Message(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	noun := "errors"
	if len(vs) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(vs), noun, strings.Join(parts, "; "))
}

// Validate checks a value against a shape of the model. It returns nil when the value
// satisfies every constraint the model states.
func (m *Model) Validate(shapeID string, v any) []Violation {
	var out []Violation
	(&checker{m: m}).check(&out, shapeID, Traits{}, v, "")
	return out
}

// ValidateOutput checks a response value: every required member present and every
// value of its shape's type. Lengths, patterns and enum values are not checked in
// responses: AWS's own responses break them (inference profile names with dots and
// spaces, enum values added after a model was published), and SDKs accept them.
func (m *Model) ValidateOutput(shapeID string, v any) []Violation {
	var out []Violation
	(&checker{m: m, output: true}).check(&out, shapeID, Traits{}, v, "")
	return out
}

type checker struct {
	m      *Model
	output bool
}

func join(path, name string) string {
	if name == "" {
		return path
	}
	r, size := utf8.DecodeRuneInString(name)
	name = strings.ToLower(string(r)) + name[size:]
	if path == "" {
		return name
	}
	return path + "." + name
}

func quote(v any) string {
	s := fmt.Sprint(v)
	if b, ok := v.([]byte); ok {
		s = fmt.Sprintf("<%d bytes>", len(b))
	}
	if len(s) > 256 {
		s = s[:256] + "..."
	}
	return "'" + s + "'"
}

// check validates v (never nil) against the shape target, with the constraint traits
// of the member that points at it (mt) applied on top of the shape's own.
func (c *checker) check(out *[]Violation, target string, mt Traits, v any, path string) {
	s := c.m.Shape(target)
	if s == nil {
		return
	}
	if _, ok := v.(Streamed); ok {
		return
	}
	at := &site{out: out, output: c.output, s: s, mt: mt, v: v, path: path}
	switch s.Type {
	case "structure", "union":
		c.checkStructure(at)
	case "list", "set":
		c.checkList(at)
	case "map":
		c.checkMap(at)
	case "string", "enum":
		at.checkString()
	case "blob":
		at.checkBlob()
	case "byte", "short", "integer", "long", "float", "double", "bigInteger", "bigDecimal", "intEnum":
		at.checkNumber()
	case "boolean":
		if _, ok := v.(bool); !ok {
			at.badType("boolean")
		}
	case "timestamp":
		switch v.(type) {
		case string, json.Number, float64, int64, uint64:
		default:
			at.badType("timestamp")
		}
	}
}

// site is one value checked against its shape s (with the member's traits mt) at path;
// violations go to out.
type site struct {
	out    *[]Violation
	output bool
	s      *Shape
	mt     Traits
	v      any
	path   string
}

// bad records a constraint violation; responses are not held to constraints (see
// ValidateOutput).
func (at *site) bad(constraint string) {
	if at.output {
		return
	}
	*at.out = append(*at.out, Violation{Path: at.path, Value: quote(at.v), Constraint: constraint})
}

// badType records a value of the wrong type.
func (at *site) badType(want string) {
	*at.out = append(*at.out, Violation{Path: at.path, Value: quote(at.v), Constraint: "Member must be of type " + want, Type: true})
}

// length checks n against the shape's and the member's length bounds.
func (at *site) length(n int) {
	for _, b := range []*Bounds{at.s.Traits.Length, at.mt.Length} {
		if b == nil {
			continue
		}
		if b.Min != nil {
			if min, _ := b.Min.Int64(); int64(n) < min {
				at.bad(fmt.Sprintf("Member must have length greater than or equal to %s", b.Min))
			}
		}
		if b.Max != nil {
			if max, _ := b.Max.Int64(); int64(n) > max {
				at.bad(fmt.Sprintf("Member must have length less than or equal to %s", b.Max))
			}
		}
	}
}

func (c *checker) checkStructure(at *site) {
	s, out, path := at.s, at.out, at.path
	obj, ok := at.v.(map[string]any)
	if !ok {
		at.badType(s.Type)
		return
	}
	set := 0
	for _, mem := range s.SortedMembers() {
		mv, present := obj[mem.Name]
		if !present || mv == nil {
			if mem.Traits.Required != nil && s.Type == "structure" {
				*out = append(*out, Violation{Path: join(path, mem.Name), Value: "null", Constraint: "Member must not be null"})
			}
			continue
		}
		set++
		c.check(out, mem.Target, mem.Traits, mv, join(path, mem.Name))
	}
	if s.Type == "union" && set != 1 && len(obj) > 0 {
		known := 0
		for k := range obj {
			if s.Members[k] != nil {
				known++
			}
		}
		if known > 1 {
			at.bad("Member must have exactly one member set")
		}
	}
}

func (c *checker) checkList(at *site) {
	s := at.s
	list, ok := at.v.([]any)
	if !ok {
		at.badType("list")
		return
	}
	at.length(len(list))
	for i, e := range list {
		if e == nil || s.Member == nil {
			continue
		}
		c.check(at.out, s.Member.Target, s.Member.Traits, e, fmt.Sprintf("%s.%d.member", at.path, i+1))
	}
}

func (c *checker) checkMap(at *site) {
	s := at.s
	obj, ok := at.v.(map[string]any)
	if !ok {
		at.badType("map")
		return
	}
	at.length(len(obj))
	for _, k := range sortedKeys(obj) {
		if s.Key != nil {
			c.check(at.out, s.Key.Target, s.Key.Traits, k, at.path+".key")
		}
		if s.Value != nil && obj[k] != nil {
			c.check(at.out, s.Value.Target, s.Value.Traits, obj[k], fmt.Sprintf("%s.%s.value", at.path, k))
		}
	}
}

func (at *site) checkString() {
	s := at.s
	str, ok := at.v.(string)
	if !ok {
		at.badType("string")
		return
	}
	at.length(utf8.RuneCountInString(str))
	for _, p := range []string{s.Traits.Pattern, at.mt.Pattern} {
		if p == "" {
			continue
		}
		if re := compilePattern(p); re != nil && !re.MatchString(str) {
			at.bad("Member must satisfy regular expression pattern: " + p)
		}
	}
	if s.Type == "enum" {
		if vals := s.EnumValues(); !slices.Contains(vals, str) {
			at.bad("Member must satisfy enum value set: [" + strings.Join(vals, ", ") + "]")
		}
	}
}

func (at *site) checkBlob() {
	switch b := at.v.(type) {
	case []byte:
		at.length(len(b))
	case string: // base64 in JSON documents
		if raw, err := base64.StdEncoding.DecodeString(b); err == nil {
			at.length(len(raw))
		} else {
			at.length(len(b))
		}
	default:
		at.badType("blob")
	}
}

func (at *site) checkNumber() {
	s := at.s
	n, ok := number(at.v)
	if !ok {
		at.badType(s.Type)
		return
	}
	integral := s.Type != "float" && s.Type != "double" && s.Type != "bigDecimal"
	if integral && !n.IsInt() {
		at.badType(s.Type)
		return
	}
	for _, b := range []*Bounds{s.Traits.Range, at.mt.Range} {
		if b == nil {
			continue
		}
		if b.Min != nil {
			if min, ok := new(big.Rat).SetString(b.Min.String()); ok && n.Cmp(min) < 0 {
				at.bad("Member must have value greater than or equal to " + b.Min.String())
			}
		}
		if b.Max != nil {
			if max, ok := new(big.Rat).SetString(b.Max.String()); ok && n.Cmp(max) > 0 {
				at.bad("Member must have value less than or equal to " + b.Max.String())
			}
		}
	}
	if s.Type == "intEnum" {
		if vals := s.EnumValues(); !slices.Contains(vals, n.RatString()) {
			at.bad("Member must satisfy enum value set: [" + strings.Join(vals, ", ") + "]")
		}
	}
}

// number reads a generic number (or a numeric string, as awsQuery and HTTP bindings
// carry them).
func number(v any) (*big.Rat, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		s = strconv.FormatInt(x, 10)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case int:
		s = strconv.Itoa(x)
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// Streamed is the value of a streaming member (an event stream or a streamed blob),
// whose content is not checked.
type Streamed struct{}
