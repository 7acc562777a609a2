package governance

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
)

// The AWS Price List API (pricing:GetProducts) files Bedrock's on-demand token prices
// under these service codes: Amazon's own models under AmazonBedrock, third-party
// models under AmazonBedrockFoundationModels.
var PriceListServiceCodes = []string{"AmazonBedrock", "AmazonBedrockFoundationModels"}

// PriceListProduct is one entry of GetProducts' PriceList: a JSON document (sent as a
// string) of the product's attributes and its terms, in the Price List's documented
// format (product.attributes, terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit).
type PriceListProduct struct {
	Product struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
		SKU           string            `json:"sku"`
	} `json:"product"`
	ServiceCode     string                     `json:"serviceCode"`
	Terms           map[string]map[string]term `json:"terms"`
	Version         string                     `json:"version"`
	PublicationDate string                     `json:"publicationDate"`
}

type term struct {
	PriceDimensions map[string]priceDimension `json:"priceDimensions"`
	SKU             string                    `json:"sku"`
	EffectiveDate   string                    `json:"effectiveDate"`
	OfferTermCode   string                    `json:"offerTermCode"`
	TermAttributes  map[string]string         `json:"termAttributes"`
}

type priceDimension struct {
	RateCode     string            `json:"rateCode"`
	Description  string            `json:"description"`
	Unit         string            `json:"unit"`
	PricePerUnit map[string]string `json:"pricePerUnit"`
	BeginRange   string            `json:"beginRange,omitempty"`
	EndRange     string            `json:"endRange,omitempty"`
}

// Price List attributes bedgov reads. The usage type names the token kind with the
// patterns of Bedrock's Cost and Usage Report (*-input-tokens, *-output-tokens,
// *-cache-read-input-token-count, *-cache-write-input-token-count; the Bedrock user
// guide's "Understanding your Amazon Bedrock CUR data"); the service tier and
// cross-Region routing are reflected in it too, which bedgov reads from these markers:
// -global-, -priority-, -flex-, -latency-optimized-, -long-context-, and -1h for a
// 1-hour cache write. The markers' exact spelling in AWS's files is not documented in
// any page bedgov could check; the emulator writes them this way.
const (
	PriceAttrModel     = "model"
	PriceAttrRegion    = "regionCode"
	PriceAttrUsageType = "usagetype"
)

// PriceListDimension is what one Price List product prices.
type PriceListDimension struct {
	Group       string // "global" or "*"
	Tier        string // "", priority, flex
	Latency     bool
	LongContext bool
	Kind        string // input, output, cache_read, cache_write, cache_write_1h
}

// UsageType spells the usage type of a dimension for a region prefix and model slug.
func (d PriceListDimension) UsageType(regionPrefix, slug string) string {
	parts := []string{regionPrefix, slug}
	if d.Group == "global" {
		parts = append(parts, "global")
	}
	if d.Tier != "" {
		parts = append(parts, d.Tier)
	}
	if d.Latency {
		parts = append(parts, "latency-optimized")
	}
	if d.LongContext {
		parts = append(parts, "long-context")
	}
	switch d.Kind {
	case "input":
		parts = append(parts, "input-tokens")
	case "output":
		parts = append(parts, "output-tokens")
	case "cache_read":
		parts = append(parts, "cache-read-input-token-count")
	case "cache_write":
		parts = append(parts, "cache-write-input-token-count")
	case "cache_write_1h":
		parts = append(parts, "cache-write-input-token-count-1h")
	}
	return strings.Join(parts, "-")
}

// parseUsageType reads a usage type back; ok is false for usage types that are not
// on-demand token prices (batch, provisioned throughput, images, ...).
func parseUsageType(ut string) (PriceListDimension, bool) {
	var d PriceListDimension
	switch {
	case strings.HasSuffix(ut, "-cache-write-input-token-count-1h"):
		d.Kind = "cache_write_1h"
	case strings.HasSuffix(ut, "-cache-write-input-token-count"):
		d.Kind = "cache_write"
	case strings.HasSuffix(ut, "-cache-read-input-token-count"):
		d.Kind = "cache_read"
	case strings.HasSuffix(ut, "-input-tokens"):
		d.Kind = "input"
	case strings.HasSuffix(ut, "-output-tokens"):
		d.Kind = "output"
	default:
		return d, false
	}
	if strings.Contains(ut, "-batch-") || strings.Contains(ut, "-provisioned-") || strings.Contains(ut, "-reserved-") {
		return d, false
	}
	d.Group = "*"
	if strings.Contains(ut, "-global-") {
		d.Group = "global"
	}
	for _, t := range []string{TierPriority, TierFlex} {
		if strings.Contains(ut, "-"+t+"-") {
			d.Tier = t
		}
	}
	d.Latency = strings.Contains(ut, "-latency-optimized-")
	d.LongContext = strings.Contains(ut, "-long-context-")
	return d, true
}

// perMillion converts a Price List price per unit to USD per million tokens, exactly
// (decimal arithmetic): units "1M tokens", "1K tokens" or a single token.
func perMillion(usd, unit string) (string, error) {
	r, ok := new(big.Rat).SetString(usd)
	if !ok || r.Sign() < 0 {
		return "", fmt.Errorf("price %q is not a decimal", usd)
	}
	u := strings.ToLower(strings.ReplaceAll(unit, " ", ""))
	switch {
	case strings.HasPrefix(u, "1m") || strings.Contains(u, "milliontokens"):
	case strings.HasPrefix(u, "1k") || strings.Contains(u, "thousandtokens") || strings.HasPrefix(u, "1,000tokens"):
		r.Mul(r, big.NewRat(1000, 1))
	case strings.HasPrefix(u, "token") || u == "units" || u == "unit":
		r.Mul(r, big.NewRat(1_000_000, 1))
	default:
		return "", fmt.Errorf("unit %q is not a number of tokens", unit)
	}
	s := r.FloatString(6)
	if back, _ := new(big.Rat).SetString(s); back.Cmp(r) != 0 {
		return "", fmt.Errorf("price %s per %s has more than six decimals per million tokens", usd, unit)
	}
	return s, nil
}

// PriceListUpdate is the result of reading a Price List: the models it priced (in the
// pricing.json model format, so it travels as JSON to the enforcer), and the product
// model names bedgov could not map to a model id.
type PriceListUpdate struct {
	Models   map[string]jsonModel
	Unmapped []string
}

// ReadPriceList reads GetProducts entries (the JSON strings of PriceList) for one
// Region. names maps product model names to model ids; the catalog's own names are used
// too, so a model AWS adds is priced once Bedrock lists it (ListFoundationModels gives
// its name and id).
func (t *PricingTable) ReadPriceList(entries []string, region string, names map[string]string) (PriceListUpdate, error) {
	byName := t.modelsByName(names)
	up := PriceListUpdate{Models: map[string]jsonModel{}}
	unmapped := map[string]bool{}
	for _, e := range entries {
		var p PriceListProduct
		if err := json.Unmarshal([]byte(e), &p); err != nil {
			return up, fmt.Errorf("price list entry: %w", err)
		}
		a := p.Product.Attributes
		if a[PriceAttrRegion] != region {
			continue
		}
		d, ok := parseUsageType(a[PriceAttrUsageType])
		if !ok {
			continue
		}
		id, ok := byName[a[PriceAttrModel]]
		if !ok {
			if a[PriceAttrModel] != "" {
				unmapped[a[PriceAttrModel]] = true
			}
			continue
		}
		usd, unit := p.onDemandPrice()
		if usd == "" {
			continue
		}
		v, err := perMillion(usd, unit)
		if err != nil {
			return up, fmt.Errorf("price list: %s %s: %w", a[PriceAttrModel], a[PriceAttrUsageType], err)
		}
		jm := up.Models[id]
		jm.setPrice(d, v)
		up.Models[id] = jm
	}
	for n := range unmapped {
		up.Unmapped = append(up.Unmapped, n)
	}
	sort.Strings(up.Unmapped)
	return up, nil
}

// modelsByName maps product model names to model ids: the catalog's names, then names.
func (t *PricingTable) modelsByName(names map[string]string) map[string]string {
	byName := map[string]string{}
	for id, mp := range t.Models {
		if mp.Name != "" {
			byName[mp.Name] = id
		}
	}
	for n, id := range names {
		byName[n] = id
	}
	return byName
}

// onDemandPrice is the product's on-demand price and its unit ("" when it has none).
func (p PriceListProduct) onDemandPrice() (usd, unit string) {
	for _, offer := range p.Terms["OnDemand"] {
		for _, dim := range offer.PriceDimensions {
			usd, unit = dim.PricePerUnit["USD"], dim.Unit
		}
	}
	return usd, unit
}

// setPrice puts price v (USD per million tokens) in the dimension d names: a service
// tier, latency-optimized, long context, or the standard prices.
func (jm *jsonModel) setPrice(d PriceListDimension, v string) {
	switch {
	case d.Tier != "":
		if jm.TierPrices == nil {
			jm.TierPrices = map[string]map[string]jsonPrice{}
		}
		jm.TierPrices[d.Tier] = setGroupPrice(jm.TierPrices[d.Tier], d, v)
		if !slices.Contains(jm.ServiceTiers, d.Tier) {
			jm.ServiceTiers = append(jm.ServiceTiers, d.Tier)
		}
	case d.Latency:
		jm.LatencyOptimized = setGroupPrice(jm.LatencyOptimized, d, v)
	case d.LongContext:
		if jm.LongContext == nil {
			jm.LongContext = &jsonLongContext{}
		}
		jm.LongContext.Prices = setGroupPrice(jm.LongContext.Prices, d, v)
	default:
		jm.Prices = setGroupPrice(jm.Prices, d, v)
	}
}

// setGroupPrice sets d's kind of price (input, output, cache) in d's region group.
func setGroupPrice(prices map[string]jsonPrice, d PriceListDimension, v string) map[string]jsonPrice {
	if prices == nil {
		prices = map[string]jsonPrice{}
	}
	jp := prices[d.Group]
	switch d.Kind {
	case "input":
		jp.Input = v
	case "output":
		jp.Output = v
	case "cache_read":
		jp.CacheRead = v
	case "cache_write":
		jp.CacheWrite = v
	case "cache_write_1h":
		jp.CacheWrite1h = v
	}
	prices[d.Group] = jp
	return prices
}

// WithPriceList returns a copy of t with the Price List's prices over the catalog's:
// every dimension the Price List prices replaces the catalog's; what it does not price
// (lifecycle, maximum output, long-context threshold, dimensions it lacks) stays. A
// model the Price List prices without both an input and an output price is left as it
// was. Overrides go on top of the result (WithOverrides).
func (t *PricingTable) WithPriceList(up PriceListUpdate) (*PricingTable, error) {
	out := t.clone()
	ids := make([]string, 0, len(up.Models))
	for id := range up.Models {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		jm := up.Models[id]
		mp := out.Models[id]
		merged, err := mergePrices(id, mp.Prices, jm.Prices)
		if err != nil {
			return nil, err
		}
		mp.Prices = merged
		for tier, gp := range jm.TierPrices {
			if mp.TierPrices == nil {
				mp.TierPrices = map[string]map[string]Price{}
			} else {
				tp := make(map[string]map[string]Price, len(mp.TierPrices))
				for k, v := range mp.TierPrices {
					tp[k] = v
				}
				mp.TierPrices = tp
			}
			if mp.TierPrices[tier], err = mergePrices(id, mp.TierPrices[tier], gp); err != nil {
				return nil, err
			}
			if !slices.Contains(mp.ServiceTiers, tier) {
				mp.ServiceTiers = append(append([]string(nil), mp.ServiceTiers...), tier)
			}
		}
		if jm.LatencyOptimized != nil {
			if mp.LatencyOptimized, err = mergePrices(id, mp.LatencyOptimized, jm.LatencyOptimized); err != nil {
				return nil, err
			}
		}
		if jm.LongContext != nil && mp.LongContext != nil {
			lc := *mp.LongContext
			if lc.Prices, err = mergePrices(id, lc.Prices, jm.LongContext.Prices); err != nil {
				return nil, err
			}
			mp.LongContext = &lc
		}
		out.Models[id] = mp
	}
	if len(ids) > 0 {
		out.Source += " (with AWS Price List prices)"
	}
	return out, nil
}

// mergePrices lays the Price List's groups over the catalog's. A group needs an input
// and an output price; its cache prices default to the catalog's for that group, else
// the input price.
func mergePrices(id string, base map[string]Price, in map[string]jsonPrice) (map[string]Price, error) {
	out := make(map[string]Price, len(base)+len(in))
	for g, p := range base {
		out[g] = p
	}
	for g, jp := range in {
		if jp.Input == "" || jp.Output == "" {
			continue
		}
		p, err := jp.toPrice()
		if err != nil {
			return nil, fmt.Errorf("price list for %s in %s: %w", id, g, err)
		}
		if old, ok := base[g]; ok {
			if jp.CacheRead == "" {
				p.CacheRead = old.CacheRead
			}
			if jp.CacheWrite == "" {
				p.CacheWrite = old.CacheWrite
			}
			if jp.CacheWrite1h == "" {
				p.CacheWrite1h = old.CacheWrite1h
			}
		}
		out[g] = p
	}
	return out, nil
}

// PriceListPatch is the part of t that differs from the embedded catalog, in the
// pricing.json format ({"models": {...}}): what the provider hands the enforcer so it
// charges the table in force (BEDGOV_PRICE_LIST). Empty when nothing differs.
func (t *PricingTable) PriceListPatch() ([]byte, error) {
	base := DefaultPricing()
	models := map[string]jsonModel{}
	for id, mp := range t.Models {
		if b, ok := base.Models[id]; ok && samePricing(b, mp) {
			continue
		}
		models[id] = toJSONModel(mp)
	}
	if len(models) == 0 {
		return nil, nil
	}
	return json.Marshal(jsonTable{Taken: t.Taken, Source: "AWS Price List", Models: models})
}

// WithPatch applies a PriceListPatch: its models replace the catalog's entries.
func (t *PricingTable) WithPatch(patch []byte) (*PricingTable, error) {
	p, err := ParsePricing(patch)
	if err != nil {
		return nil, err
	}
	out := t.clone()
	for id, mp := range p.Models {
		out.Models[id] = mp
	}
	if len(p.Models) > 0 {
		out.Source += " (with AWS Price List prices)"
	}
	return out, nil
}

func samePricing(a, b ModelPricing) bool {
	ja, _ := json.Marshal(toJSONModel(a))
	jb, _ := json.Marshal(toJSONModel(b))
	return string(ja) == string(jb)
}

func toJSONPrices(in map[string]Price) map[string]jsonPrice {
	if in == nil {
		return nil
	}
	out := make(map[string]jsonPrice, len(in))
	for g, p := range in {
		jp := jsonPrice{Input: p.Input.String(), Output: p.Output.String(), CacheRead: p.CacheRead.String(), CacheWrite: p.CacheWrite.String()}
		if p.CacheWrite1h > 0 {
			jp.CacheWrite1h = p.CacheWrite1h.String()
		}
		out[g] = jp
	}
	return out
}

func toJSONModel(mp ModelPricing) jsonModel {
	jm := jsonModel{Name: mp.Name, MaxOutputTokens: mp.MaxOutputTokens, Prices: toJSONPrices(mp.Prices), ServiceTiers: mp.ServiceTiers,
		LatencyOptimized: toJSONPrices(mp.LatencyOptimized), Profiles: mp.Profiles, Launched: mp.Launched, Legacy: mp.Legacy,
		EOL: mp.EOL, EOLNotBefore: mp.EOLNotBefore, Successor: mp.Successor}
	if mp.LongContext != nil {
		jm.LongContext = &jsonLongContext{AboveInputTokens: mp.LongContext.AboveInputTokens, Prices: toJSONPrices(mp.LongContext.Prices)}
	}
	for tier, gp := range mp.TierPrices {
		if jm.TierPrices == nil {
			jm.TierPrices = map[string]map[string]jsonPrice{}
		}
		jm.TierPrices[tier] = toJSONPrices(gp)
	}
	return jm
}

// PriceSummary is one line per priced model for plan: its standard prices by group in
// USD per million tokens ("global in 3 out 15 cr 0.3 cw 3.75 cw1h 6; * in 3.3 ...").
// A change of any figure changes the line, so a plan shows price changes as a diff.
func (t *PricingTable) PriceSummary() map[string]string {
	out := map[string]string{}
	for _, id := range t.PricedModels() {
		mp := t.Models[id]
		var parts []string
		groups := make([]string, 0, len(mp.Prices))
		for g := range mp.Prices {
			groups = append(groups, g)
		}
		sort.Strings(groups)
		for _, g := range groups {
			parts = append(parts, g+" "+p2s(mp.Prices[g]))
		}
		if mp.LongContext != nil {
			for _, g := range sortedKeys(mp.LongContext.Prices) {
				parts = append(parts, fmt.Sprintf("long context above %d, %s %s", mp.LongContext.AboveInputTokens, g, p2s(mp.LongContext.Prices[g])))
			}
		}
		for _, tier := range sortedKeys(mp.TierPrices) {
			for _, g := range sortedKeys(mp.TierPrices[tier]) {
				parts = append(parts, tier+" "+g+" "+p2s(mp.TierPrices[tier][g]))
			}
		}
		for _, g := range sortedKeys(mp.LatencyOptimized) {
			parts = append(parts, "latency-optimized "+g+" "+p2s(mp.LatencyOptimized[g]))
		}
		out[id] = strings.Join(parts, "; ")
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func trimUSD(m Micros) string {
	s := m.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func p2s(p Price) string {
	s := fmt.Sprintf("in %s out %s cache read %s cache write %s", trimUSD(p.Input), trimUSD(p.Output), trimUSD(p.CacheRead), trimUSD(p.CacheWrite))
	if p.CacheWrite1h > 0 {
		s += " cache write 1h " + trimUSD(p.CacheWrite1h)
	}
	return s
}
