package awsmodel

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every pattern of the extract compiles in Go's RE2 but those that need lookaround,
// which RE2 cannot express (they are not checked).
func TestPatternsTranslate(t *testing.T) {
	total := 0
	for _, svc := range Services() {
		m, err := Load(svc)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range m.Shapes {
			ps := []string{s.Traits.Pattern}
			for _, mem := range s.Members {
				ps = append(ps, mem.Traits.Pattern)
			}
			for _, p := range ps {
				if p == "" {
					continue
				}
				total++
				if compilePattern(p) == nil && !strings.Contains(p, "(?!") && !strings.Contains(p, "(?<") {
					t.Errorf("%s: pattern %q does not translate to RE2", svc, p)
				}
			}
		}
	}
	if len(Services()) != 15 || total < 400 {
		t.Fatalf("%d services, %d patterns: the extract is incomplete", len(Services()), total)
	}
	t.Logf("%d patterns, %d need lookaround and are not checked", total, len(UncheckedPatterns()))
}

func TestValidate(t *testing.T) {
	m, err := Load("iam")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"RoleName": strings.Repeat("r", 65), "MaxSessionDuration": json.Number("100"),
		"Tags": []any{map[string]any{"Key": "k", "Value": "a{b}"}}, "NewerMember": "allowed"}
	got := Message(m.Validate("CreateRoleRequest", in))
	for _, want := range []string{
		"4 validation errors detected",
		"Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null",
		"at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
		"Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
		"Value 'a{b}' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("message %q lacks %q", got, want)
		}
	}
	b, _ := Load("bedrock")
	if vs := b.Validate("InferenceType", "SOMETHING"); len(vs) != 1 || !strings.Contains(vs[0].Constraint, "enum value set") {
		t.Errorf("enum: %v", vs)
	}
	if vs := b.ValidateOutput("InferenceType", "NEWER_VALUE"); len(vs) != 0 {
		t.Errorf("an output enum value newer than the model must pass: %v", vs)
	}
}
