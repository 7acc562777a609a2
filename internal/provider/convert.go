package provider

// Conversions between framework values and Go values that every resource uses.

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// nullTimeouts is an absent timeouts block, for state built by import.
func nullTimeouts() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
}

func objectAs() basetypes.ObjectAsOptions { return basetypes.ObjectAsOptions{} }

func budgetAmount(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// stringsOf is a map attribute's elements (empty when null or unknown).
func stringsOf(ctx context.Context, m types.Map) map[string]string {
	out := map[string]string{}
	if !m.IsNull() && !m.IsUnknown() {
		m.ElementsAs(ctx, &out, false)
	}
	return out
}

func stringMap(ctx context.Context, m map[string]string) types.Map {
	v, _ := types.MapValueFrom(ctx, types.StringType, m)
	return v
}

func sortedMapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// known is a value that is neither null nor unknown.
func known(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

func roundCents(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64), 64)
	return f
}

func principalsOf(ctx context.Context, s types.Set) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	s.ElementsAs(ctx, &out, false)
	return out
}

func cutKey(key string) (kind, name string, ok bool) { return strings.Cut(key, ":") }

func stringList(items []string) types.List {
	vals := make([]types.String, len(items))
	for i, s := range items {
		vals[i] = types.StringValue(s)
	}
	l, _ := types.ListValueFrom(context.Background(), types.StringType, vals)
	return l
}

func stringSet(items []string) types.Set {
	vals := make([]types.String, len(items))
	for i, s := range items {
		vals[i] = types.StringValue(s)
	}
	s, _ := types.SetValueFrom(context.Background(), types.StringType, vals)
	return s
}

func mapFromTF(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// normalizeJSON compacts a JSON document so that the same policy always reads the same.
func normalizeJSON(doc string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(doc)); err != nil {
		return doc
	}
	return buf.String()
}

// nullUnknownStrings turns each unknown value into null.
func nullUnknownStrings(values ...*types.String) {
	for _, s := range values {
		if s.IsUnknown() {
			*s = types.StringNull()
		}
	}
}
