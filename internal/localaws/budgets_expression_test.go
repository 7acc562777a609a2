package localaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/budgets/types"
)

// FilterExpression and Metrics replace CostFilters and CostTypes: one pair or the
// other, never a mix; DescribeBudget shows the expression only when asked.
func TestBudgetFilterExpression(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := budgets.NewFromConfig(cfg)
	ctx := context.Background()
	expr := &types.Expression{Tags: &types.TagValues{Key: aws.String("team"), Values: []string{"a"}, MatchOptions: []types.MatchOption{types.MatchOptionEquals}}}
	budget := func(name string, mod func(*types.Budget)) *budgets.CreateBudgetInput {
		b := &types.Budget{BudgetName: aws.String(name), BudgetType: types.BudgetTypeCost, TimeUnit: types.TimeUnitMonthly,
			BudgetLimit: &types.Spend{Amount: aws.String("100"), Unit: aws.String("USD")}}
		mod(b)
		return &budgets.CreateBudgetInput{AccountId: aws.String(account), Budget: b}
	}

	for name, mod := range map[string]func(*types.Budget){
		"both": func(b *types.Budget) {
			b.FilterExpression, b.Metrics = expr, []types.Metric{types.MetricUnblendedCost}
			b.CostFilters = map[string][]string{"TagKeyValue": {"user:team$a"}} //nolint:staticcheck // the mix AWS refuses
		},
		"no-metrics": func(b *types.Budget) { b.FilterExpression = expr },
		"empty-tag": func(b *types.Budget) {
			b.FilterExpression, b.Metrics = &types.Expression{Tags: &types.TagValues{}}, []types.Metric{types.MetricUnblendedCost}
		},
	} {
		_, err := c.CreateBudget(ctx, budget("bad-"+name, mod))
		var invalid *types.InvalidParameterException
		if !errors.As(err, &invalid) {
			t.Errorf("%s: %v, want InvalidParameterException", name, err)
		}
	}

	if _, err := c.CreateBudget(ctx, budget("good", func(b *types.Budget) {
		b.FilterExpression, b.Metrics = expr, []types.Metric{types.MetricUnblendedCost}
	})); err != nil {
		t.Fatal(err)
	}
	plain, err := c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String("good")})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Budget.FilterExpression != nil {
		t.Errorf("FilterExpression shown without ShowFilterExpression: %+v", plain.Budget.FilterExpression)
	}
	shown, err := c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String("good"), ShowFilterExpression: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if f := shown.Budget.FilterExpression; f == nil || f.Tags == nil || aws.ToString(f.Tags.Key) != "team" || len(shown.Budget.Metrics) != 1 {
		t.Errorf("shown budget = %+v", shown.Budget)
	}
}
