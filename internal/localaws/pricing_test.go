package localaws_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	ptypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// The emulated Price List through the real SDK client: DescribeServices names the
// Bedrock service codes, GetProducts pages through products filtered by Region, and the
// catalog read back from them is the catalog it was seeded from; a price AWS changes
// shows as a patch of that model only.
func TestPriceListRoundTrip(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := pricing.NewFromConfig(cfg)
	ctx := context.Background()
	ds, err := c.DescribeServices(ctx, &pricing.DescribeServicesInput{ServiceCode: aws.String("AmazonBedrockFoundationModels")})
	if err != nil || len(ds.Services) != 1 || aws.ToString(ds.Services[0].ServiceCode) != "AmazonBedrockFoundationModels" || len(ds.Services[0].AttributeNames) == 0 {
		t.Fatalf("%+v %v", ds, err)
	}
	_, err = c.DescribeServices(ctx, &pricing.DescribeServicesInput{ServiceCode: aws.String("AmazonEC2")})
	wantAPIError(t, err, "NotFoundException")
	_, err = c.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonBedrock"), MaxResults: aws.Int32(101)})
	if err == nil {
		t.Fatal("MaxResults 101 accepted")
	}

	read := func() []string {
		var entries []string
		pages := 0
		for _, code := range governance.PriceListServiceCodes {
			p := pricing.NewGetProductsPaginator(c, &pricing.GetProductsInput{ServiceCode: aws.String(code), MaxResults: aws.Int32(100),
				Filters: []ptypes.Filter{{Type: ptypes.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String("eu-west-1")}}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				entries = append(entries, page.PriceList...)
			}
		}
		if pages < 3 {
			t.Fatalf("only %d pages", pages)
		}
		return entries
	}
	cat := governance.DefaultPricing()
	up, err := cat.ReadPriceList(read(), "eu-west-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Models) != len(cat.PricedModels()) {
		t.Fatalf("priced %d models from the Price List, catalog has %d", len(up.Models), len(cat.PricedModels()))
	}
	same, err := cat.WithPriceList(up)
	if err != nil {
		t.Fatal(err)
	}
	if patch, _ := same.PriceListPatch(); patch != nil {
		t.Fatalf("the catalog's own Price List reads back different: %s", patch)
	}

	// AWS raises Claude Sonnet 4.6's global output price to 0.018 USD per 1K tokens.
	s.SetPriceListPrice(localaws.PriceListChange{Model: "Claude Sonnet 4.6", Provider: "Anthropic", Region: "eu-west-1",
		Dim: governance.PriceListDimension{Group: "global", Kind: "output"}, USDPer1K: "0.018"})
	up, err = cat.ReadPriceList(read(), "eu-west-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := cat.WithPriceList(up)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := changed.Lookup("anthropic.claude-sonnet-4-6", "global")
	if err != nil || p.Output != 18*governance.MicrosPerUSD || p.Input != 3*governance.MicrosPerUSD {
		t.Fatalf("changed price = %+v %v", p, err)
	}
	patch, _ := changed.PriceListPatch()
	back, err := cat.WithPatch(patch)
	if err != nil {
		t.Fatal(err)
	}
	if pb, _, _ := back.Lookup("anthropic.claude-sonnet-4-6", "global"); pb != p {
		t.Fatalf("patch lost the change: %+v", pb)
	}
	if n := len(changed.PriceSummary()); n != len(cat.PricedModels()) {
		t.Fatalf("summary has %d models", n)
	}
	if changed.PriceSummary()["anthropic.claude-sonnet-4-6"] == cat.PriceSummary()["anthropic.claude-sonnet-4-6"] {
		t.Fatal("the summary does not show the change")
	}

	// A model AWS adds: priced once ListFoundationModels names it.
	s.SetPriceListPrice(localaws.PriceListChange{Model: "Claude Sonnet 9", Provider: "Anthropic", Region: "eu-west-1", Dim: governance.PriceListDimension{Group: "*", Kind: "input"}, USDPer1K: "0.002"})
	s.SetPriceListPrice(localaws.PriceListChange{Model: "Claude Sonnet 9", Provider: "Anthropic", Region: "eu-west-1", Dim: governance.PriceListDimension{Group: "*", Kind: "output"}, USDPer1K: "0.01"})
	up, err = cat.ReadPriceList(read(), "eu-west-1", map[string]string{"Claude Sonnet 9": "anthropic.claude-sonnet-9-v1:0"})
	if err != nil {
		t.Fatal(err)
	}
	added, _ := cat.WithPriceList(up)
	if p, _, err := added.Lookup("anthropic.claude-sonnet-9-v1:0", "us"); err != nil || p.Input != 2*governance.MicrosPerUSD || p.Output != 10*governance.MicrosPerUSD {
		t.Fatalf("new model = %+v %v", p, err)
	}
}
