package localaws

// The AWS Price List API (awsJson1_1, target AWSPriceListService): DescribeServices and
// GetProducts for the service codes Bedrock's token prices are filed under, seeded from
// bedgov's pricing catalog (governance's pricing.json) in every emulated Region, so the
// provider's Price List reader is tested against the Price List's wire format: PriceList
// entries are JSON strings of product attributes and OnDemand terms, prices per 1K
// tokens as the Bedrock price table gives them. SetPriceListPrice changes one price (a
// test's "AWS changed a price"); AddPriceListModel adds a product for a model the
// catalog does not know.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

func init() {
	RegisterBuiltin("pricing",
		Operation{Name: "DescribeServices", Handler: Handle(pricingDescribeServices)},
		Operation{Name: "GetProducts", Handler: Handle(pricingGetProducts)},
	)
}

// priceListAttributes are the attribute names DescribeServices reports for the Bedrock
// service codes.
var priceListAttributes = []string{"inferenceType", governance.PriceAttrModel, "provider", governance.PriceAttrRegion, "location", "servicecode", governance.PriceAttrUsageType}

// PriceListChange is a price set on the emulated Price List: model (the product's model
// name), region, the usage type's dimension, and USD per 1K tokens.
type PriceListChange struct {
	Model, Provider, Region string
	Dim                     governance.PriceListDimension
	USDPer1K                string
}

var priceListMu sync.Mutex

const kindPriceList = "pricing:change" // id: region|model|usage type

// SetPriceListPrice sets (or adds) one price of the emulated Price List.
func (s *Server) SetPriceListPrice(c PriceListChange) {
	priceListMu.Lock()
	defer priceListMu.Unlock()
	ut := c.Dim.UsageType(regionPrefix(c.Region), slug(c.Model))
	s.store.Put(kindPriceList, c.Region+"|"+c.Model+"|"+ut, c)
}

func slug(name string) string {
	return strings.NewReplacer(" ", "", "-", "", ".", "_").Replace(name)
}

// regionPrefix is the usage-type prefix of a Region (USE1 for us-east-1, EUC1 for
// eu-central-1), as in AWS usage types.
func regionPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return strings.ToUpper(region)
	}
	geo := map[string]string{"us": "US", "eu": "EU", "ap": "AP", "ca": "CA", "sa": "SA", "me": "ME", "af": "AF", "il": "IL"}[parts[0]]
	return geo + strings.ToUpper(parts[1][:1]) + parts[2]
}

// priceKey is a price list product: its Region, model name and usage type.
type priceKey struct{ region, model, ut string }

// priceListEntries builds the products of a service code in every emulated Region.
func (s *Server) priceListEntries(serviceCode string) []map[string]any {
	prices := catalogPrices()
	for _, o := range s.store.List(kindPriceList) {
		c := o.Value.(PriceListChange)
		if c.Provider == "" {
			c.Provider = "Amazon"
		}
		prices[priceKey{c.Region, c.Model, c.Dim.UsageType(regionPrefix(c.Region), slug(c.Model))}] = c
	}
	keys := make([]priceKey, 0, len(prices))
	for k, c := range prices {
		code := "AmazonBedrockFoundationModels"
		if c.Provider == "Amazon" {
			code = "AmazonBedrock"
		}
		if code == serviceCode {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.region+a.model+a.ut < b.region+b.model+b.ut
	})
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, priceListEntry(serviceCode, k, prices[k]))
	}
	return out
}

// catalogPrices is the default catalog's prices of every priced model in every
// emulated Region, one a price list dimension.
func catalogPrices() map[priceKey]PriceListChange {
	prices := map[priceKey]PriceListChange{}
	cat := governance.DefaultPricing()
	for _, id := range cat.PricedModels() {
		mp := cat.Models[id]
		prov := providerName(id)
		for _, region := range allRegions {
			add := func(d governance.PriceListDimension, p governance.Micros) {
				c := PriceListChange{Model: mp.Name, Provider: prov, Region: region, Dim: d, USDPer1K: per1K(p)}
				prices[priceKey{region, mp.Name, d.UsageType(regionPrefix(region), slug(mp.Name))}] = c
			}
			addPrice := func(d governance.PriceListDimension, p governance.Price) {
				for kind, v := range map[string]governance.Micros{"input": p.Input, "output": p.Output, "cache_read": p.CacheRead, "cache_write": p.CacheWrite, "cache_write_1h": p.CacheWrite1h} {
					if v == 0 && kind == "cache_write_1h" {
						continue
					}
					d.Kind = kind
					add(d, v)
				}
			}
			for g, p := range mp.Prices {
				addPrice(governance.PriceListDimension{Group: g}, p)
			}
			if mp.LongContext != nil {
				for g, p := range mp.LongContext.Prices {
					addPrice(governance.PriceListDimension{Group: g, LongContext: true}, p)
				}
			}
			for tier, gp := range mp.TierPrices {
				for g, p := range gp {
					addPrice(governance.PriceListDimension{Group: g, Tier: tier}, p)
				}
			}
			for g, p := range mp.LatencyOptimized {
				addPrice(governance.PriceListDimension{Group: g, Latency: true}, p)
			}
		}
	}
	return prices
}

// priceListEntry is one product of the price list, as GetProducts returns it.
func priceListEntry(serviceCode string, k priceKey, c PriceListChange) map[string]any {
	sku := skuOf(k.region + k.model + k.ut)
	attrs := map[string]string{
		"servicecode": serviceCode, governance.PriceAttrRegion: k.region, "location": regionNames[k.region],
		governance.PriceAttrUsageType: k.ut, governance.PriceAttrModel: c.Model, "provider": c.Provider,
		"inferenceType": inferenceTypeOf(c.Dim),
	}
	offer := sku + ".JRTCKXETXF"
	return map[string]any{
		"product":     map[string]any{"productFamily": "Amazon Bedrock", "attributes": attrs, "sku": sku},
		"serviceCode": serviceCode,
		"terms": map[string]any{"OnDemand": map[string]any{offer: map[string]any{
			"priceDimensions": map[string]any{offer + ".6YS6EN2CT7": map[string]any{
				"unit": "1K tokens", "endRange": "Inf", "beginRange": "0", "rateCode": offer + ".6YS6EN2CT7",
				"description":  fmt.Sprintf("%s %s per 1K tokens in %s", c.Model, inferenceTypeOf(c.Dim), k.region),
				"pricePerUnit": map[string]string{"USD": c.USDPer1K}, "appliesTo": []string{},
			}},
			"sku": sku, "effectiveDate": "2026-12-01T00:00:00Z", "offerTermCode": "JRTCKXETXF", "termAttributes": map[string]string{},
		}}},
		"version": "20261201000000", "publicationDate": "2026-12-01T00:00:00Z",
	}
}

var regionNames = map[string]string{"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-2": "US West (Oregon)",
	"eu-central-1": "EU (Frankfurt)", "eu-west-1": "EU (Ireland)", "eu-west-3": "EU (Paris)"}

func inferenceTypeOf(d governance.PriceListDimension) string {
	return strings.ReplaceAll(strings.TrimSuffix(d.UsageType("", ""), "-"), "-", " ")
}

func providerName(modelID string) string {
	switch p, _, _ := strings.Cut(modelID, "."); p {
	case "amazon":
		return "Amazon"
	case "anthropic":
		return "Anthropic"
	case "meta":
		return "Meta"
	case "openai":
		return "OpenAI"
	default:
		return p
	}
}

// per1K is USD per 1K tokens of a price in micro-dollars per million tokens, exact.
func per1K(m governance.Micros) string {
	r := new(big.Rat).SetFrac64(int64(m), 1_000_000_000)
	return strings.TrimRight(strings.TrimRight(r.FloatString(10), "0"), ".")
}

// skuOf is a product's SKU: 16 characters derived from s, the same each run.
func skuOf(s string) string {
	return strings.ToUpper(stableToken(s, 16))
}

type pricingFilter struct {
	Type  string `json:"Type"`
	Field string `json:"Field"`
	Value string `json:"Value"`
}

type pricingGetProductsInput struct {
	ServiceCode   *string         `json:"ServiceCode"`
	Filters       []pricingFilter `json:"Filters"`
	FormatVersion *string         `json:"FormatVersion"`
	NextToken     *string         `json:"NextToken"`
	MaxResults    *int            `json:"MaxResults"`
}

type pricingGetProductsOutput struct {
	FormatVersion string   `json:"FormatVersion"`
	PriceList     []string `json:"PriceList"`
	NextToken     *string  `json:"NextToken,omitempty"`
}

func pricingKnown(code string) bool {
	return code == "AmazonBedrock" || code == "AmazonBedrockFoundationModels"
}

// matches applies the Price List filters: TERM_MATCH (and the newer EQUALS) is an exact
// match of the attribute; CONTAINS a substring; ANY_OF / NONE_OF a comma-separated list.
func matches(attrs map[string]string, filters []pricingFilter) (bool, error) {
	for _, f := range filters {
		v, has := attrs[f.Field]
		switch f.Type {
		case "TERM_MATCH", "EQUALS":
			if !has || !strings.EqualFold(v, f.Value) {
				return false, nil
			}
		case "CONTAINS":
			if !has || !strings.Contains(strings.ToLower(v), strings.ToLower(f.Value)) {
				return false, nil
			}
		case "ANY_OF", "NONE_OF":
			in := false
			for _, x := range strings.Split(f.Value, ",") {
				if strings.EqualFold(strings.TrimSpace(x), v) {
					in = true
				}
			}
			if in != (f.Type == "ANY_OF") {
				return false, nil
			}
		default:
			return false, Errorf("InvalidParameterException", "Invalid filter type %q.", f.Type)
		}
	}
	return true, nil
}

func pricingPageSize(n *int) (int, error) {
	if n == nil {
		return 100, nil
	}
	if *n < 1 || *n > 100 {
		return 0, Errorf("InvalidParameterException", "MaxResults must be between 1 and 100.")
	}
	return *n, nil
}

func pricingGetProducts(c *Call, in *pricingGetProductsInput) (*pricingGetProductsOutput, error) {
	code := ""
	if in.ServiceCode != nil {
		code = *in.ServiceCode
	}
	if in.FormatVersion != nil && *in.FormatVersion != "aws_v1" {
		return nil, Errorf("InvalidParameterException", "Unsupported format version %q.", *in.FormatVersion)
	}
	if !pricingKnown(code) {
		return nil, Errorf("NotFoundException", "Service %s is not supported by this emulator's Price List.", code)
	}
	size, err := pricingPageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	var all []string
	for _, p := range c.server.priceListEntries(code) {
		attrs := p["product"].(map[string]any)["attributes"].(map[string]string)
		ok, err := matches(attrs, in.Filters)
		if err != nil {
			return nil, err
		}
		if ok {
			b, _ := json.Marshal(p)
			all = append(all, string(b))
		}
	}
	start, err := pageStart(in.NextToken, len(all))
	if err != nil {
		return nil, Errorf("InvalidNextTokenException", "The next token is invalid.")
	}
	end := min(start+size, len(all))
	out := &pricingGetProductsOutput{FormatVersion: "aws_v1", PriceList: append([]string{}, all[start:end]...)}
	if end < len(all) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}

type pricingDescribeServicesInput struct {
	ServiceCode   *string `json:"ServiceCode"`
	FormatVersion *string `json:"FormatVersion"`
	NextToken     *string `json:"NextToken"`
	MaxResults    *int    `json:"MaxResults"`
}

type pricingService struct {
	ServiceCode    string   `json:"ServiceCode"`
	AttributeNames []string `json:"AttributeNames"`
}

type pricingDescribeServicesOutput struct {
	Services      []pricingService `json:"Services"`
	FormatVersion string           `json:"FormatVersion"`
	NextToken     *string          `json:"NextToken,omitempty"`
}

func pricingDescribeServices(c *Call, in *pricingDescribeServicesInput) (*pricingDescribeServicesOutput, error) {
	size, err := pricingPageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	var all []pricingService
	for _, code := range governance.PriceListServiceCodes {
		if in.ServiceCode == nil || *in.ServiceCode == code {
			all = append(all, pricingService{ServiceCode: code, AttributeNames: priceListAttributes})
		}
	}
	if in.ServiceCode != nil && len(all) == 0 {
		return nil, Errorf("NotFoundException", "Service %s is not supported by this emulator's Price List.", *in.ServiceCode)
	}
	start, err := pageStart(in.NextToken, len(all))
	if err != nil {
		return nil, Errorf("InvalidNextTokenException", "The next token is invalid.")
	}
	end := min(start+size, len(all))
	out := &pricingDescribeServicesOutput{Services: all[start:end], FormatVersion: "aws_v1"}
	if end < len(all) {
		tok := PageToken(end)
		out.NextToken = &tok
	}
	return out, nil
}
