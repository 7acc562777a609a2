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
	var m smithyModel
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	// The resources' lifecycle operations are keyed by name; read them generically.
	var generic struct {
		Shapes map[string]map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	var svcID string
	for id, s := range m.Shapes {
		if s.Type == "service" {
			if svcID != "" {
				return nil, fmt.Errorf("two services: %s and %s", svcID, id)
			}
			svcID = id
		}
	}
	if svcID == "" {
		return nil, fmt.Errorf("no service shape")
	}
	ns, _, _ := strings.Cut(svcID, "#")
	svc := m.Shapes[svcID]
	ex := &Extract{
		Service:    strings.TrimSuffix(filepath.Base(path)[:len(filepath.Base(path))-len(".json")-11], "-"),
		Version:    svc.Version,
		Operations: map[string]Operation{},
		Shapes:     map[string]Shape{},
	}
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

	short := func(id string) string {
		if rest, ok := strings.CutPrefix(id, ns+"#"); ok {
			return rest
		}
		return id
	}
	var addShape func(id string)
	addShape = func(id string) {
		if strings.HasPrefix(id, "smithy.api#") {
			return // prelude shapes are known to the reader
		}
		if _, done := ex.Shapes[short(id)]; done {
			return
		}
		s, ok := m.Shapes[id]
		if !ok {
			panic(fmt.Sprintf("shape %s is missing", id))
		}
		out := Shape{Type: s.Type, Traits: keep(s.Traits, keptShapeTraits)}
		ex.Shapes[short(id)] = out // placeholder against cycles
		conv := func(mem *smithyMember) *Member {
			if mem == nil {
				return nil
			}
			addShape(mem.Target)
			return &Member{Target: short(mem.Target), Traits: keep(mem.Traits, keptMemberTraits)}
		}
		if len(s.Members) > 0 {
			out.Members = map[string]Member{}
			for name, mem := range s.Members {
				mem := mem
				out.Members[name] = *conv(&mem)
			}
		}
		out.Member, out.Key, out.Value = conv(s.Member), conv(s.Key), conv(s.Value)
		ex.Shapes[short(id)] = out
	}

	var addOps func(container string)
	seen := map[string]bool{}
	addOps = func(container string) {
		if seen[container] {
			return
		}
		seen[container] = true
		c := m.Shapes[container]
		var targets []string
		for _, o := range c.Operations {
			targets = append(targets, o.Target)
		}
		for _, k := range []string{"create", "put", "read", "update", "delete", "list"} {
			var ref struct{ Target string }
			if raw, ok := generic.Shapes[container][k]; ok && json.Unmarshal(raw, &ref) == nil && ref.Target != "" {
				targets = append(targets, ref.Target)
			}
		}
		for _, t := range targets {
			op := m.Shapes[t]
			if op.Type != "operation" {
				continue
			}
			o := Operation{HTTP: op.Traits["smithy.api#http"]}
			if op.Input != nil && op.Input.Target != "smithy.api#Unit" {
				o.Input = short(op.Input.Target)
				addShape(op.Input.Target)
			}
			if op.Output != nil && op.Output.Target != "smithy.api#Unit" {
				o.Output = short(op.Output.Target)
				addShape(op.Output.Target)
			}
			for _, e := range op.Errors {
				o.Errors = append(o.Errors, short(e.Target))
				addShape(e.Target)
			}
			ex.Operations[short(t)] = o
		}
		for _, r := range c.Resources {
			addOps(r.Target)
		}
	}
	addOps(svcID)
	for _, e := range svc.Errors { // service-wide errors
		addShape(e.Target)
	}
	return ex, nil
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
