package governance

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

//go:embed pricing.json
var embeddedPricing []byte

// Price is the on-demand price of one model in one region group, in Micros per one
// million tokens (which is numerically the price in USD per token times 1e12 / 1e6:
// "3.00" USD per million tokens is 3,000,000 Micros per million tokens).
type Price struct {
	Input      Micros
	Output     Micros
	CacheRead  Micros
	CacheWrite Micros
}

// ModelPricing is one model's entry in the table.
type ModelPricing struct {
	// MaxOutputTokens is the model's largest output; the reservation uses it when a
	// request sets no max tokens.
	MaxOutputTokens int64
	// Prices by region group ("us", "eu", "apac", ... or "*" for every group).
	Prices map[string]Price
}

// PricingTable maps foundation model ids to their prices.
type PricingTable struct {
	Taken  string
	Source string
	Models map[string]ModelPricing
}

// ErrUnknownModel is returned (wrapped) when no price is known for a model: the enforcer
// refuses such requests rather than let them through uncounted.
var ErrUnknownModel = errors.New("no price for model")

type jsonPrice struct {
	Input      string `json:"input"`
	Output     string `json:"output"`
	CacheRead  string `json:"cache_read,omitempty"`
	CacheWrite string `json:"cache_write,omitempty"`
}

// jsonModel is one model in pricing.json. An entry may also carry "checked", a note of
// what its figures were verified against and what is unverified; the parser ignores it.
type jsonModel struct {
	MaxOutputTokens int64                `json:"max_output_tokens"`
	Prices          map[string]jsonPrice `json:"prices"`
}

type jsonTable struct {
	Taken  string               `json:"taken"`
	Source string               `json:"source"`
	Models map[string]jsonModel `json:"models"`
}

// DefaultMaxOutputTokens is the reservation's output bound for a model whose entry (or
// override) does not give max_output_tokens and whose request sets no max tokens.
const DefaultMaxOutputTokens = 8192

// DefaultPricing returns a fresh copy of the embedded table.
func DefaultPricing() *PricingTable {
	t, err := ParsePricing(embeddedPricing)
	if err != nil {
		panic("governance: embedded pricing.json is invalid: " + err.Error())
	}
	return t
}

// ParsePricing parses a table in the pricing.json format.
func ParsePricing(data []byte) (*PricingTable, error) {
	var jt jsonTable
	if err := json.Unmarshal(data, &jt); err != nil {
		return nil, fmt.Errorf("pricing table: %w", err)
	}
	t := &PricingTable{Taken: jt.Taken, Source: jt.Source, Models: map[string]ModelPricing{}}
	for id, jm := range jt.Models {
		mp, err := jm.toModel(id)
		if err != nil {
			return nil, err
		}
		t.Models[id] = mp
	}
	return t, nil
}

func (jm jsonModel) toModel(id string) (ModelPricing, error) {
	mp := ModelPricing{MaxOutputTokens: jm.MaxOutputTokens, Prices: map[string]Price{}}
	if mp.MaxOutputTokens < 0 {
		return mp, fmt.Errorf("pricing for %s: negative max_output_tokens", id)
	}
	if len(jm.Prices) == 0 {
		return mp, fmt.Errorf("pricing for %s: no prices", id)
	}
	for g, jp := range jm.Prices {
		p, err := jp.toPrice()
		if err != nil {
			return mp, fmt.Errorf("pricing for %s in %s: %w", id, g, err)
		}
		mp.Prices[g] = p
	}
	return mp, nil
}

func (jp jsonPrice) toPrice() (Price, error) {
	var p Price
	var err error
	if p.Input, err = ParseUSD(jp.Input); err != nil {
		return p, fmt.Errorf("input: %w", err)
	}
	if p.Output, err = ParseUSD(jp.Output); err != nil {
		return p, fmt.Errorf("output: %w", err)
	}
	// A model without prompt caching never reports cache tokens; if it does, charge
	// them at the input price rather than for free.
	p.CacheRead, p.CacheWrite = p.Input, p.Input
	if jp.CacheRead != "" {
		if p.CacheRead, err = ParseUSD(jp.CacheRead); err != nil {
			return p, fmt.Errorf("cache_read: %w", err)
		}
	}
	if jp.CacheWrite != "" {
		if p.CacheWrite, err = ParseUSD(jp.CacheWrite); err != nil {
			return p, fmt.Errorf("cache_write: %w", err)
		}
	}
	return p, nil
}

// PriceOverride is a configured price for one model, applied to every region group.
// Prices are decimal USD per million tokens, written in JSON as numbers (3, 0.035) or
// strings ("3.00"); json.Number keeps the literal, so no float ever touches them.
// Empty cache prices default to the input price.
type PriceOverride struct {
	InputPerMTok      json.Number `json:"input_per_mtok"`
	OutputPerMTok     json.Number `json:"output_per_mtok"`
	CacheReadPerMTok  json.Number `json:"cache_read_per_mtok,omitempty"`
	CacheWritePerMTok json.Number `json:"cache_write_per_mtok,omitempty"`
	MaxOutputTokens   int64       `json:"max_output_tokens,omitempty"`
}

// WithOverrides returns a copy of t where each overridden model (keyed by foundation
// model id) gets the given price in every region group. The enforcer reads overrides
// from BEDGOV_PRICING_OVERRIDES (a JSON object in this shape).
func (t *PricingTable) WithOverrides(o map[string]PriceOverride) (*PricingTable, error) {
	out := &PricingTable{Taken: t.Taken, Source: t.Source, Models: make(map[string]ModelPricing, len(t.Models)+len(o))}
	for k, v := range t.Models {
		out.Models[k] = v
	}
	for id, po := range o {
		jm := jsonModel{MaxOutputTokens: po.MaxOutputTokens, Prices: map[string]jsonPrice{"*": {
			Input: string(po.InputPerMTok), Output: string(po.OutputPerMTok), CacheRead: string(po.CacheReadPerMTok), CacheWrite: string(po.CacheWritePerMTok),
		}}}
		mp, err := jm.toModel(id)
		if err != nil {
			return nil, fmt.Errorf("pricing override: %w", err)
		}
		if mp.MaxOutputTokens == 0 {
			mp.MaxOutputTokens = t.Models[id].MaxOutputTokens
		}
		out.Models[id] = mp
	}
	if len(o) > 0 {
		out.Source += " (with configured overrides)"
	}
	return out, nil
}

// Lookup returns the price of a model in a region group: the group's own entry, else
// the "*" entry. An unknown model or group yields an error wrapping ErrUnknownModel.
func (t *PricingTable) Lookup(modelID, group string) (Price, ModelPricing, error) {
	mp, ok := t.Models[modelID]
	if !ok {
		return Price{}, mp, fmt.Errorf("%w %q: it is not in the embedded pricing table (prices taken %s); add it to pricing_overrides", ErrUnknownModel, modelID, t.Taken)
	}
	if p, ok := mp.Prices[group]; ok {
		return p, mp, nil
	}
	if p, ok := mp.Prices["*"]; ok {
		return p, mp, nil
	}
	groups := make([]string, 0, len(mp.Prices))
	for g := range mp.Prices {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	return Price{}, mp, fmt.Errorf("%w %q in region group %q (priced in %s); add it to pricing_overrides", ErrUnknownModel, modelID, group, strings.Join(groups, ", "))
}

// ModelRef is what a model reference resolves to for pricing.
type ModelRef struct {
	// ModelID is the foundation model id, e.g. anthropic.claude-3-haiku-20240307-v1:0.
	ModelID string
	// Group is the price region group: "us", "eu", "apac", ... ; empty when the
	// reference carries no region (a bare model id): the caller supplies it.
	Group string
	// Region is the Region named in an ARN, if any.
	Region string
}

// systemProfilePrefixes are the geography prefixes of system-defined cross-Region
// inference profile ids, mapped to price groups.
var systemProfilePrefixes = map[string]string{
	"us": "us", "eu": "eu", "apac": "apac", "jp": "apac", "au": "apac", "ca": "ca", "us-gov": "us-gov", "global": "global",
}

// RegionGroup maps an AWS Region to its price group: us-east-1 -> "us",
// eu-central-1 -> "eu", ap-northeast-1 -> "apac", us-gov-west-1 -> "us-gov".
func RegionGroup(region string) string {
	if strings.HasPrefix(region, "us-gov-") {
		return "us-gov"
	}
	g, _, _ := strings.Cut(region, "-")
	if g == "ap" {
		return "apac"
	}
	return g
}

// ResolveModel resolves a model reference to the foundation model that prices it.
// Accepted forms:
//
//	anthropic.claude-3-haiku-20240307-v1:0                               (model id)
//	arn:aws:bedrock:us-east-1::foundation-model/<model id>             (model ARN)
//	us.anthropic.claude-3-haiku-20240307-v1:0                            (system profile id)
//	arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.<model id> (system profile ARN)
//	arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123
//
// An application inference profile says nothing about its model in its ARN: appModels
// maps such ARNs (as written in the cap record) to the model they were copied from.
func ResolveModel(ref string, appModels map[string]string) (ModelRef, error) {
	if ref == "" {
		return ModelRef{}, errors.New("empty model reference")
	}
	if !strings.HasPrefix(ref, "arn:") {
		return resolveID(ref, ""), nil
	}
	// arn:partition:bedrock:region:account:resource-type/resource
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) != 6 || parts[2] != "bedrock" {
		return ModelRef{}, fmt.Errorf("invalid Bedrock ARN %q", ref)
	}
	region := parts[3]
	rtype, res, ok := strings.Cut(parts[5], "/")
	if !ok || res == "" {
		return ModelRef{}, fmt.Errorf("invalid Bedrock ARN %q", ref)
	}
	switch rtype {
	case "foundation-model":
		return ModelRef{ModelID: res, Group: RegionGroup(region), Region: region}, nil
	case "inference-profile":
		r := resolveID(res, region)
		r.Region = region
		return r, nil
	case "application-inference-profile":
		m, ok := appModels[ref]
		if !ok {
			return ModelRef{}, fmt.Errorf("application inference profile %s: its model is unknown (the cap record must name it)", ref)
		}
		r, err := ResolveModel(m, nil)
		if err != nil {
			return r, err
		}
		if r.Group == "" {
			r.Group = RegionGroup(region)
		}
		r.Region = region
		return r, nil
	}
	return ModelRef{}, fmt.Errorf("unsupported Bedrock resource %q in %q", rtype, ref)
}

func resolveID(id, region string) ModelRef {
	if prefix, rest, ok := strings.Cut(id, "."); ok {
		if g, isProfile := systemProfilePrefixes[prefix]; isProfile && strings.Contains(rest, ".") {
			return ModelRef{ModelID: rest, Group: g}
		}
	}
	r := ModelRef{ModelID: id}
	if region != "" {
		r.Group = RegionGroup(region)
	}
	return r
}
