package awsops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	ptypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// EnforcerPriceListEnv is the enforcer's variable for the Price List's differences
// from the embedded catalog (internal/enforcer reads it before the overrides).
const EnforcerPriceListEnv = "BEDGOV_PRICE_LIST"

// ReadPriceList reads Bedrock's on-demand prices for region from the Price List API
// (pricing:GetProducts over both Bedrock service codes, filtered by regionCode, every
// page) and maps products to model ids by the catalog's model names and those
// bedrock:ListFoundationModels reports in the region, so a model AWS adds is priced.
func ReadPriceList(ctx context.Context, pc *pricing.Client, bc *bedrock.Client, region string, t *governance.PricingTable) (governance.PriceListUpdate, error) {
	var entries []string
	for _, code := range governance.PriceListServiceCodes {
		p := pricing.NewGetProductsPaginator(pc, &pricing.GetProductsInput{
			ServiceCode: aws.String(code), FormatVersion: aws.String("aws_v1"), MaxResults: aws.Int32(100),
			Filters: []ptypes.Filter{{Type: ptypes.FilterTypeTermMatch, Field: aws.String(governance.PriceAttrRegion), Value: aws.String(region)}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if hasCode(err, "NotFoundException") {
				break // a service code the Price List does not have (yet): nothing to read
			}
			if err != nil {
				return governance.PriceListUpdate{}, fmt.Errorf("reading the AWS Price List (%s): %w", code, err)
			}
			entries = append(entries, page.PriceList...)
		}
	}
	names := map[string]string{}
	if bc != nil {
		out, err := bc.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{})
		if err != nil {
			return governance.PriceListUpdate{}, fmt.Errorf("listing Bedrock's models to name the Price List's products: %w", err)
		}
		for _, m := range out.ModelSummaries {
			if n, id := aws.ToString(m.ModelName), aws.ToString(m.ModelId); n != "" && id != "" {
				names[n] = id
			}
		}
	}
	return t.ReadPriceList(entries, region, names)
}
