package provider

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	budgettypes "github.com/aws/aws-sdk-go-v2/service/budgets/types"
)

// budgetMetrics is how a team's budget aggregates cost: unblended, the rate
// CostTypes' defaults (UseBlended and UseAmortized false) gave the CostFilters form.
var budgetMetrics = []budgettypes.Metric{budgettypes.MetricUnblendedCost}

// budgetFilterExpression selects the costs carrying the user-defined cost allocation
// tag <tagKey>=<team>. FilterExpression replaces the deprecated CostFilters (Budgets
// API reference, Budget: "CostFilters lack support for newer dimensions and filtering
// options. Please consider using the new 'FilterExpression' field") and goes with
// Metrics in place of CostTypes. Its Tags leaf names the tag by its key, as in Cost
// Explorer's Expression (the anomaly monitor's filter is the same leaf); the
// "user:<key>$<value>" string was CostFilters' TagKeyValue encoding.
func budgetFilterExpression(tagKey, team string) *budgettypes.Expression {
	return &budgettypes.Expression{Tags: &budgettypes.TagValues{
		Key: aws.String(tagKey), Values: []string{team}, MatchOptions: []budgettypes.MatchOption{budgettypes.MatchOptionEquals},
	}}
}

// sameBudgetFilter reports whether a live budget filters as bedgov sets it: the filter
// expression and metrics above, and no legacy CostFilters (a budget made before the
// move is re-created in place, which the create turns into an update).
func sameBudgetFilter(b *budgettypes.Budget, tagKey, team string) bool {
	if len(b.CostFilters) > 0 || b.FilterExpression == nil || !slices.Equal(b.Metrics, budgetMetrics) { //nolint:staticcheck // read to migrate
		return false
	}
	want, have := budgetFilterExpression(tagKey, team).Tags, b.FilterExpression.Tags
	return have != nil && b.FilterExpression.And == nil && b.FilterExpression.Or == nil && b.FilterExpression.Not == nil &&
		b.FilterExpression.Dimensions == nil && b.FilterExpression.CostCategories == nil &&
		aws.ToString(have.Key) == aws.ToString(want.Key) && slices.Equal(have.Values, want.Values) &&
		(len(have.MatchOptions) == 0 || slices.Equal(have.MatchOptions, want.MatchOptions))
}
