package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

// policyPath keeps bedgov's policies together in IAM.
const policyPath = "/bedgov/"

func policyName(team string) string { return "bedgov-" + team + "-invoke" }

// profileName is bedgov-<team>[-<role>]-<8 hex of the source ARN>: unique per model, so a
// model change can create the new profile before it deletes the old one.
func profileName(team, role, sourceARN string) string {
	sum := sha256.Sum256([]byte(sourceARN))
	name := "bedgov-" + team
	if role != "" {
		name += "-" + role
	}
	return name + "-" + hex.EncodeToString(sum[:4])
}

// profileTags are the team's tags plus the per-profile keys import relies on, and the
// monthly budget when the team has one.
func profileTags(teamTags map[string]string, model, role string, budget types.Float64) map[string]string {
	tags := make(map[string]string, len(teamTags)+3)
	for k, v := range teamTags {
		tags[k] = v
	}
	tags[tagModel] = model
	tags[tagRole] = role
	if !budget.IsNull() && !budget.IsUnknown() {
		tags[tagBudget] = budgetAmount(budget.ValueFloat64())
	}
	return tags
}

func iamPrincipalARN() validator.String {
	return stringFunc{desc: "an IAM role, user or group ARN", check: func(s string) string {
		if _, err := awsops.ParsePrincipal(s); err != nil {
			return "is not an IAM role, user or group ARN (arn:aws:iam::123456789012:role/NAME)"
		}
		return ""
	}}
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
