package awsops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// enforcerPricingEnv is the enforcer function's environment variable with its
// configured price overrides (the enforcer reads it in internal/enforcer/config.go).
const enforcerPricingEnv = "BEDGOV_PRICING_OVERRIDES"

// ScanCapRecords reads every team's cap record of an enforcer's table: a strongly
// consistent Scan of the team record keys (identity index, slice and reservation items
// are skipped), then governance.ReadCapRecord per team, the one reader that knows how a
// record's counters are laid out over items. A record deleted between the two is
// skipped. A missing table is ErrNotFound.
func ScanCapRecords(ctx context.Context, c *dynamodb.Client, table string) ([]*governance.CapRecord, error) {
	prefix := governance.TeamKey("")
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		ConsistentRead:            aws.Bool(true),
		ProjectionExpression:      aws.String("#pk"),
		FilterExpression:          aws.String("begins_with(#pk, :team)"),
		ExpressionAttributeNames:  map[string]string{"#pk": governance.AttrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":team": &types.AttributeValueMemberS{Value: prefix}},
	})
	var teams []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if hasCode(err, "ResourceNotFoundException") {
				return nil, wrapNotFound(err)
			}
			return nil, err
		}
		for _, item := range page.Items {
			if pk, ok := item[governance.AttrPK].(*types.AttributeValueMemberS); ok {
				teams = append(teams, strings.TrimPrefix(pk.Value, prefix))
			}
		}
	}
	sort.Strings(teams)
	out := make([]*governance.CapRecord, 0, len(teams))
	for _, team := range teams {
		rec, err := governance.ReadCapRecord(ctx, c, table, team)
		switch {
		case errors.Is(err, governance.ErrNoCapRecord):
			continue
		case err != nil:
			return nil, fmt.Errorf("table %s: %w", table, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// EnforcerPricing is the pricing table an enforcer function charges with: the embedded
// table plus the overrides in its environment. A missing function is ErrNotFound.
func EnforcerPricing(ctx context.Context, c *lambda.Client, function string) (*governance.PricingTable, error) {
	fn, err := FindFunction(ctx, c, function)
	if err != nil {
		return nil, err
	}
	table := governance.DefaultPricing()
	var raw string
	if cfg := fn.Configuration; cfg != nil && cfg.Environment != nil {
		raw = cfg.Environment.Variables[enforcerPricingEnv]
		if patch := cfg.Environment.Variables[EnforcerPriceListEnv]; patch != "" {
			if table, err = table.WithPatch([]byte(patch)); err != nil {
				return nil, fmt.Errorf("function %s: %s: %w", function, EnforcerPriceListEnv, err)
			}
		}
	}
	if raw == "" {
		return table, nil
	}
	var o map[string]governance.PriceOverride
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return nil, fmt.Errorf("function %s: %s: %w", function, enforcerPricingEnv, err)
	}
	return table.WithOverrides(o)
}
