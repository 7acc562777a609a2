// Command awsmodels extracts a trimmed copy of AWS's Smithy JSON API models: every
// operation of each service with its input and output shapes and the traits the
// emulator validates against (required, length, pattern, range, enum values, HTTP and
// XML bindings, error codes), without documentation, examples or endpoint rules.
//
//	go run ./awsmodels -in /path/to/aws-models -out ../internal/awsmodel/models
//
// The models are AWS's (github.com/aws/api-models-aws, Apache License 2.0); the output
// folder keeps their LICENSE and NOTICE and says where the snapshot came from.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// keptShapeTraits are the shape traits the extract keeps (short names are the keys
// the emulator reads).
var keptShapeTraits = map[string]string{
	"smithy.api#length":           "length",
	"smithy.api#pattern":          "pattern",
	"smithy.api#range":            "range",
	"smithy.api#error":            "error",
	"smithy.api#httpError":        "httpError",
	"aws.protocols#awsQueryError": "awsQueryError",
	"smithy.api#http":             "http",
	"smithy.api#streaming":        "streaming",
	"smithy.api#timestampFormat":  "timestampFormat",
	"smithy.api#xmlName":          "xmlName",
	"smithy.api#uniqueItems":      "uniqueItems",
	"smithy.api#sensitive":        "sensitive",
}

var keptMemberTraits = map[string]string{
	"smithy.api#required":          "required",
	"smithy.api#length":            "length",
	"smithy.api#pattern":           "pattern",
	"smithy.api#range":             "range",
	"smithy.api#enumValue":         "enumValue",
	"smithy.api#httpHeader":        "httpHeader",
	"smithy.api#httpLabel":         "httpLabel",
	"smithy.api#httpQuery":         "httpQuery",
	"smithy.api#httpQueryParams":   "httpQueryParams",
	"smithy.api#httpPayload":       "httpPayload",
	"smithy.api#httpPrefixHeaders": "httpPrefixHeaders",
	"smithy.api#httpResponseCode":  "httpResponseCode",
	"smithy.api#hostLabel":         "hostLabel",
	"smithy.api#jsonName":          "jsonName",
	"smithy.api#xmlName":           "xmlName",
	"smithy.api#xmlFlattened":      "xmlFlattened",
	"smithy.api#xmlAttribute":      "xmlAttribute",
	"smithy.api#timestampFormat":   "timestampFormat",
	"smithy.api#eventPayload":      "eventPayload",
}

type smithyModel struct {
	Shapes map[string]smithyShape `json:"shapes"`
}

type smithyMember struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

type smithyShape struct {
	Type       string                     `json:"type"`
	Version    string                     `json:"version"`
	Operations []struct{ Target string }  `json:"operations"`
	Resources  []struct{ Target string }  `json:"resources"`
	Input      *struct{ Target string }   `json:"input"`
	Output     *struct{ Target string }   `json:"output"`
	Errors     []struct{ Target string }  `json:"errors"`
	Members    map[string]smithyMember    `json:"members"`
	Member     *smithyMember              `json:"member"`
	Key        *smithyMember              `json:"key"`
	Value      *smithyMember              `json:"value"`
	Traits     map[string]json.RawMessage `json:"traits"`
}

// Extract is the trimmed model of one service.
type Extract struct {
	Service     string               `json:"service"`
	SDKID       string               `json:"sdkId"`
	Version     string               `json:"version"`
	Protocol    string               `json:"protocol"`
	SigningName string               `json:"signingName"`
	ARNSpace    string               `json:"arnNamespace,omitempty"`
	XMLNS       string               `json:"xmlNamespace,omitempty"`
	Operations  map[string]Operation `json:"operations"`
	Shapes      map[string]Shape     `json:"shapes"`
}

// Operation is one API operation.
type Operation struct {
	Input  string          `json:"input,omitempty"`
	Output string          `json:"output,omitempty"`
	Errors []string        `json:"errors,omitempty"`
	HTTP   json.RawMessage `json:"http,omitempty"`
}

// Shape is a shape with the kept traits.
type Shape struct {
	Type    string                     `json:"type"`
	Members map[string]Member          `json:"members,omitempty"`
	Member  *Member                    `json:"member,omitempty"`
	Key     *Member                    `json:"key,omitempty"`
	Value   *Member                    `json:"value,omitempty"`
	Traits  map[string]json.RawMessage `json:"traits,omitempty"`
}

// Member is a structure, union, list or map member.
type Member struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits,omitempty"`
}

func main() {
	in := flag.String("in", "", "folder with AWS's Smithy JSON models (*.json, LICENSE, NOTICE)")
	out := flag.String("out", "", "folder to write the trimmed models into")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: awsmodels -in MODELS -out DIR")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "awsmodels:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	files, err := filepath.Glob(filepath.Join(in, "*-*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no models in %s", in)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var index []string
	for _, f := range files {
		ex, err := extract(f)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(ex); err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json") + ".json"
		if err := os.WriteFile(filepath.Join(out, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
		index = append(index, fmt.Sprintf("%s (%s, %d operations, %d shapes)", name, ex.SDKID, len(ex.Operations), len(ex.Shapes)))
	}
	for _, f := range []string{"LICENSE", "NOTICE"} {
		b, err := os.ReadFile(filepath.Join(in, f))
		if err != nil {
			return fmt.Errorf("the models' %s is required (the extract is a derived work): %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(out, f), b, 0o644); err != nil {
			return err
		}
	}
	sort.Strings(index)
	readme := "# Trimmed AWS API models\n\n" +
		"Generated by tools/awsmodels (`make models`) from AWS's Smithy JSON API models, the public\n" +
		"repository aws/api-models-aws (snapshot of 2025-04-02, commit\n" +
		"56c8953e87aeead95ae5e66a3ca6a355731db6ad), Apache License 2.0: see LICENSE and NOTICE\n" +
		"here. Modified: documentation, examples, endpoint rules and other traits the emulator\n" +
		"does not read are removed; shapes no operation reaches are dropped. Do not edit by hand.\n\n" +
		"The emulator (internal/localaws) validates every request and response against these, and\n" +
		"the provider derives plan-time validation from them (internal/provider/model_validators.go).\n\n"
	for _, l := range index {
		readme += "- " + l + "\n"
	}
	return os.WriteFile(filepath.Join(out, "README.md"), []byte(readme), 0o644)
}

func extract(path string) (*Extract, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	x := &extractor{seen: map[string]bool{}}
	if err := json.Unmarshal(raw, &x.m); err != nil {
		return nil, err
	}
	// The resources' lifecycle operations are keyed by name; read them generically.
	if err := json.Unmarshal(raw, &x.generic); err != nil {
		return nil, err
	}
	svcID, err := serviceID(x.m)
	if err != nil {
		return nil, err
	}
	x.ns, _, _ = strings.Cut(svcID, "#")
	svc := x.m.Shapes[svcID]
	x.ex = &Extract{
		Service:    strings.TrimSuffix(filepath.Base(path)[:len(filepath.Base(path))-len(".json")-11], "-"),
		Version:    svc.Version,
		Operations: map[string]Operation{},
		Shapes:     map[string]Shape{},
	}
	readServiceTraits(x.ex, svc)
	x.addOps(svcID)
	for _, e := range svc.Errors { // service-wide errors
		x.addShape(e.Target)
	}
	return x.ex, nil
}

// serviceID is the id of the model's one service shape.
func serviceID(m smithyModel) (string, error) {
	var svcID string
	for id, s := range m.Shapes {
		if s.Type == "service" {
			if svcID != "" {
				return "", fmt.Errorf("two services: %s and %s", svcID, id)
			}
			svcID = id
		}
	}
	if svcID == "" {
		return "", fmt.Errorf("no service shape")
	}
	return svcID, nil
}

// readServiceTraits reads the service's SDK id, ARN namespace, signing name, protocol
// and XML namespace.
func readServiceTraits(ex *Extract, svc smithyShape) {
	var apiSvc struct {
		SDKID    string `json:"sdkId"`
		ARNSpace string `json:"arnNamespace"`
	}
	_ = json.Unmarshal(svc.Traits["aws.api#service"], &apiSvc)
	ex.SDKID, ex.ARNSpace = apiSvc.SDKID, apiSvc.ARNSpace
	var sigv4 struct{ Name string }
	_ = json.Unmarshal(svc.Traits["aws.auth#sigv4"], &sigv4)
	ex.SigningName = sigv4.Name
	for t := range svc.Traits {
		if p, ok := strings.CutPrefix(t, "aws.protocols#"); ok && p != "awsQueryCompatible" {
			ex.Protocol = p
		}
	}
	var xmlns struct{ URI string }
	if json.Unmarshal(svc.Traits["smithy.api#xmlNamespace"], &xmlns) == nil {
		ex.XMLNS = xmlns.URI
	}
}

// extractor walks one Smithy model from its service, keeping the operations and the
// shapes they reach.
type extractor struct {
	m       smithyModel
	generic struct {
		Shapes map[string]map[string]json.RawMessage `json:"shapes"`
	}
	ns   string
	ex   *Extract
	seen map[string]bool // containers whose operations are added
}

// short is a shape id without the service's namespace.
func (x *extractor) short(id string) string {
	if rest, ok := strings.CutPrefix(id, x.ns+"#"); ok {
		return rest
	}
	return id
}

// addShape keeps shape id and the shapes its members reach.
func (x *extractor) addShape(id string) {
	if strings.HasPrefix(id, "smithy.api#") {
		return // prelude shapes are known to the reader
	}
	if _, done := x.ex.Shapes[x.short(id)]; done {
		return
	}
	s, ok := x.m.Shapes[id]
	if !ok {
		panic(fmt.Sprintf("shape %s is missing", id))
	}
	out := Shape{Type: s.Type, Traits: keep(s.Traits, keptShapeTraits)}
	x.ex.Shapes[x.short(id)] = out // placeholder against cycles
	if len(s.Members) > 0 {
		out.Members = map[string]Member{}
		for name, mem := range s.Members {
			mem := mem
			out.Members[name] = *x.member(&mem)
		}
	}
	out.Member, out.Key, out.Value = x.member(s.Member), x.member(s.Key), x.member(s.Value)
	x.ex.Shapes[x.short(id)] = out
}

// member is mem as kept, its target added; nil for nil.
func (x *extractor) member(mem *smithyMember) *Member {
	if mem == nil {
		return nil
	}
	x.addShape(mem.Target)
	return &Member{Target: x.short(mem.Target), Traits: keep(mem.Traits, keptMemberTraits)}
}

// addOps keeps the operations of a service or resource (its own and its lifecycle
// operations), then those of its resources.
func (x *extractor) addOps(container string) {
	if x.seen[container] {
		return
	}
	x.seen[container] = true
	c := x.m.Shapes[container]
	var targets []string
	for _, o := range c.Operations {
		targets = append(targets, o.Target)
	}
	for _, k := range []string{"create", "put", "read", "update", "delete", "list"} {
		var ref struct{ Target string }
		if raw, ok := x.generic.Shapes[container][k]; ok && json.Unmarshal(raw, &ref) == nil && ref.Target != "" {
			targets = append(targets, ref.Target)
		}
	}
	for _, t := range targets {
		if op := x.m.Shapes[t]; op.Type == "operation" {
			x.ex.Operations[x.short(t)] = x.operation(op)
		}
	}
	for _, r := range c.Resources {
		x.addOps(r.Target)
	}
}

// operation is op as kept, its input, output and errors added.
func (x *extractor) operation(op smithyShape) Operation {
	o := Operation{HTTP: op.Traits["smithy.api#http"]}
	if op.Input != nil && op.Input.Target != "smithy.api#Unit" {
		o.Input = x.short(op.Input.Target)
		x.addShape(op.Input.Target)
	}
	if op.Output != nil && op.Output.Target != "smithy.api#Unit" {
		o.Output = x.short(op.Output.Target)
		x.addShape(op.Output.Target)
	}
	for _, e := range op.Errors {
		o.Errors = append(o.Errors, x.short(e.Target))
		x.addShape(e.Target)
	}
	return o
}

func keep(traits map[string]json.RawMessage, kept map[string]string) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, v := range traits {
		if short, ok := kept[k]; ok {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[short] = v
		}
	}
	return out
}
