package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Class 6 at plan: a degrade model that reads another InvokeModel format is reported.
func TestDegradeFormatWarning(t *testing.T) {
	t.Parallel()
	s := types.StringValue
	if d := degradeFormatWarning(s("anthropic.claude-3-5-sonnet-20241022-v2:0"), s("us.anthropic.claude-3-haiku-20240307-v1:0")); d.WarningsCount() != 0 {
		t.Fatalf("same family warned: %v", d)
	}
	d := degradeFormatWarning(s("amazon.nova-pro-v1:0"), s("amazon.titan-text-express-v1"))
	if d.WarningsCount() != 1 || d.HasError() || !strings.Contains(d[0].Detail(), "amazon-nova") || !strings.Contains(d[0].Detail(), "Converse") {
		t.Fatalf("Nova degrading to Titan: %v", d)
	}
	if d := degradeFormatWarning(s("amazon.nova-pro-v1:0"), types.StringNull()); len(d) != 0 {
		t.Fatalf("no degrade model: %v", d)
	}
}
