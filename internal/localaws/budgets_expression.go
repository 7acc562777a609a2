package localaws

import "slices"

// BudgetExpression is a budget's FilterExpression, the field that replaces the
// deprecated CostFilters ("CostFilters lack support for newer dimensions and filtering
// options. Please consider using the new 'FilterExpression' field": Budgets API
// reference, Budget data type). One node sets exactly one of its fields.
type BudgetExpression struct {
	And            []BudgetExpression     `json:"And,omitempty"`
	Or             []BudgetExpression     `json:"Or,omitempty"`
	Not            *BudgetExpression      `json:"Not,omitempty"`
	Dimensions     *BudgetExpressionValue `json:"Dimensions,omitempty"`
	Tags           *BudgetExpressionValue `json:"Tags,omitempty"`
	CostCategories *BudgetExpressionValue `json:"CostCategories,omitempty"`
}

// BudgetExpressionValue is the Dimensions, Tags or CostCategories leaf of an expression.
type BudgetExpressionValue struct {
	Key          *string  `json:"Key,omitempty"`
	Values       []string `json:"Values,omitempty"`
	MatchOptions []string `json:"MatchOptions,omitempty"`
}

// budgetMetrics are the Metric enum values (Budgets API reference, Budget.Metrics).
var budgetMetrics = []string{"BlendedCost", "UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost",
	"UsageQuantity", "NormalizedUsageAmount", "Hours"}

var budgetMatchOptions = []string{"EQUALS", "ABSENT", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "GREATER_THAN_OR_EQUAL",
	"CASE_SENSITIVE", "CASE_INSENSITIVE"}

// checkBudgetFilter applies CreateBudget's rule on filters: "only one set of filter and
// metric selections can be present in the syntax at one time. Either FilterExpression
// and Metrics or CostFilters and CostTypes, not both or a different combination"
// (AWS CLI reference, budgets create-budget, Description).
func checkBudgetFilter(w *budgetWire) error {
	legacy := w.CostFilters != nil || w.CostTypes != nil
	current := w.FilterExpression != nil || w.Metrics != nil
	if legacy && current {
		return budgetsInvalid("Either FilterExpression and Metrics or CostFilters and CostTypes can be set, not both or a different combination.")
	}
	if w.FilterExpression != nil && len(w.Metrics) == 0 {
		return budgetsInvalid("Metrics is required with FilterExpression.")
	}
	for _, m := range w.Metrics {
		if !slices.Contains(budgetMetrics, m) {
			return budgetsInvalid("Metric %q is not valid.", m)
		}
	}
	if w.FilterExpression != nil {
		return checkBudgetExpression(*w.FilterExpression)
	}
	return nil
}

func checkBudgetExpression(e BudgetExpression) error {
	set := 0
	for _, on := range []bool{e.And != nil, e.Or != nil, e.Not != nil, e.Dimensions != nil, e.Tags != nil, e.CostCategories != nil} {
		if on {
			set++
		}
	}
	if set != 1 {
		return budgetsInvalid("An Expression must set exactly one of And, Or, Not, Dimensions, Tags or CostCategories.")
	}
	for _, sub := range append(append([]BudgetExpression{}, e.And...), e.Or...) {
		if err := checkBudgetExpression(sub); err != nil {
			return err
		}
	}
	if (e.And != nil && len(e.And) < 2) || (e.Or != nil && len(e.Or) < 2) {
		return budgetsInvalid("And and Or need at least two expressions.")
	}
	if e.Not != nil {
		return checkBudgetExpression(*e.Not)
	}
	for _, v := range []*BudgetExpressionValue{e.Dimensions, e.Tags, e.CostCategories} {
		if v == nil {
			continue
		}
		if v.Key == nil || *v.Key == "" {
			return budgetsInvalid("An Expression's Key is required.")
		}
		for _, o := range v.MatchOptions {
			if !slices.Contains(budgetMatchOptions, o) {
				return budgetsInvalid("MatchOption %q is not valid.", o)
			}
		}
		if len(v.Values) == 0 && !slices.Contains(v.MatchOptions, "ABSENT") {
			return budgetsInvalid("An Expression for %s needs Values.", *v.Key)
		}
	}
	return nil
}
