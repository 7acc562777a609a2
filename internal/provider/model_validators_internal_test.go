package provider

import (
	"strings"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsmodel"
)

// Every AWS shape the plan-time validators name exists in the models, so no check is
// silently skipped.
func TestModelValidatorShapesExist(t *testing.T) {
	// Empty tables would make both loops below pass without checking anything.
	if len(tagKeyShapes) == 0 || len(tagValueShapes) == 0 || len(teamTagServices) == 0 || len(enforcerTagServices) == 0 {
		t.Fatalf("empty validator tables: %d key shapes, %d value shapes, %d team services, %d enforcer services",
			len(tagKeyShapes), len(tagValueShapes), len(teamTagServices), len(enforcerTagServices))
	}
	for _, table := range []map[string]string{tagKeyShapes, tagValueShapes} {
		for service, shape := range table {
			m, err := awsmodel.Load(service)
			if err != nil {
				t.Fatalf("%s: %v", service, err)
			}
			if m.Shape(shape) == nil {
				t.Errorf("%s has no shape %s", service, shape)
			}
		}
	}
	for _, s := range append(append([]string{}, teamTagServices...), enforcerTagServices...) {
		if tagKeyShapes[s] == "" || tagValueShapes[s] == "" {
			t.Errorf("no tag shapes for %s", s)
		}
	}
}

// The validators follow from the models: Bedrock's tag pattern refuses what IAM's takes.
func TestModelViolation(t *testing.T) {
	team := shapesFor(teamTagServices, tagValueShapes)
	for v, want := range map[string]string{
		"finance-42":             "",
		"Zürich":                 "Bedrock refuses it (TagValue: Member must satisfy regular expression pattern",
		"a,b":                    "Bedrock refuses it",
		strings.Repeat("x", 257): "Member must have length less than or equal to 256",
	} {
		got := modelViolation(team, v)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", v, got, want)
		}
	}
	// An enforcer's tags do not go to Bedrock: IAM's Unicode letters pass.
	if got := modelViolation(shapesFor(enforcerTagServices, tagValueShapes), "Zürich"); got != "" {
		t.Errorf("enforcer tag Zürich: %s", got)
	}
}
