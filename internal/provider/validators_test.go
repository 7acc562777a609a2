package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
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

// Class 12 at plan: an iam-mode team with no principals, which nobody can call, warns
// and says what to add; api_key mode (the key is the caller) does not.
func TestNoCallersWarning(t *testing.T) {
	t.Parallel()
	d := noCallersWarning("business", "main", "iam")
	if d.WarningsCount() != 1 || !strings.Contains(d[0].Detail(), "principals = [") || !strings.Contains(d[0].Summary(), "business") {
		t.Fatalf("iam mode without principals: %v", d)
	}
	if d := noCallersWarning("business", "main", "api_key"); len(d) != 0 {
		t.Fatalf("api_key mode: %v", d)
	}
	// The mode is read from the wiring in state when it is kept.
	r := &teamResource{}
	plan := teamModel{
		teamCoreModel:     teamCoreModel{Name: types.StringValue("business"), Principals: types.SetNull(types.StringType)},
		teamEnforcerModel: teamEnforcerModel{Enforcer: types.StringValue("main")},
	}
	state := plan
	state.CurrentSpendUSD, state.CallerPolicyARN = types.Float64Value(0), types.StringValue("arn:aws:iam::123456789012:policy/bedgov-business-caller")
	var diags diag.Diagnostics
	r.warnNoCallers(context.Background(), &plan, &state, &diags)
	if diags.WarningsCount() != 1 {
		t.Fatalf("kept iam wiring without principals: %v", diags)
	}
}
