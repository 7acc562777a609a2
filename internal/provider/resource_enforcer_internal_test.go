package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The reservations index is always planned ACTIVE; a table without it (or with it not
// yet ACTIVE) gets a plan-time warning that names the table and says what apply does.
func TestPlanReservationIndex(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		state   *enforcerModel
		warning string
	}{
		{"create", nil, ""},
		{"table from an earlier version", &enforcerModel{TableARN: types.StringValue("arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps"),
			TableName: types.StringValue("bedgov-caps"), ReservationIndex: types.StringNull()}, "The cap table bedgov-caps has no `reservations` index"},
		{"index still backfilling", &enforcerModel{TableARN: types.StringValue("arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps"),
			TableName: types.StringValue("bedgov-caps"), ReservationIndex: types.StringValue("CREATING")}, "its `reservations` index CREATING"},
		{"table deleted out of band", &enforcerModel{TableARN: types.StringNull(), ReservationIndex: types.StringNull()}, ""},
		{"up to date", &enforcerModel{TableARN: types.StringValue("arn:aws:dynamodb:us-east-1:123456789012:table/bedgov-caps"),
			ReservationIndex: types.StringValue("ACTIVE")}, ""},
	}
	for _, tc := range cases {
		var plan enforcerModel
		var diags diag.Diagnostics
		state := tc.state
		if state == nil {
			state = &enforcerModel{}
		}
		planReservationIndex(&plan, state, tc.state != nil, &diags)
		if plan.ReservationIndex.ValueString() != "ACTIVE" {
			t.Errorf("%s: planned %s, want ACTIVE", tc.name, plan.ReservationIndex)
		}
		switch {
		case tc.warning == "" && len(diags) != 0:
			t.Errorf("%s: unexpected %v", tc.name, diags)
		case tc.warning != "" && (len(diags) != 1 || diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), tc.warning)):
			t.Errorf("%s: diagnostics %v, want a warning with %q", tc.name, diags, tc.warning)
		}
	}
}
