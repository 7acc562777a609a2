package governance

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

//go:embed pricing.json
var embeddedPricing []byte

// Price is one set of per-token rates, in Micros per one million tokens (numerically the
// price in USD per million tokens times 1e6: "3.00" USD per million tokens is 3,000,000).
// CacheWrite is the rate of a 5-minute (or unspecified) prompt-cache write, CacheWrite1h
// that of a 1-hour write; zero CacheWrite1h means the model offers no 1-hour TTL.
type Price struct {
	Input        Micros
	Output       Micros
	CacheRead    Micros
	CacheWrite   Micros
	CacheWrite1h Micros
}

// LongContext is a model's long-context rate: a request whose input (plain, cache read
// and cache write tokens together) exceeds AboveInputTokens is billed at Prices for all
// of its tokens (Anthropic's rule for the 1M-context Sonnets).
type LongContext struct {
	AboveInputTokens int64
	Prices           map[string]Price
}

// Service tiers (Bedrock's ServiceTier type; "default" is the standard tier).
const (
	TierStandard = "default"
	TierPriority = "priority"
	TierFlex     = "flex"
	TierReserved = "reserved"
	// LatencyOptimized is performanceConfig.latency = optimized.
	LatencyOptimized = "optimized"
)

// ModelPricing is one model's catalog entry.
type ModelPricing struct {
	Name string
	// MaxOutputTokens is the model's largest output; the reservation uses it when a
	// request sets no max tokens.
	MaxOutputTokens int64
	// Prices of the standard tier by price group ("global", "us", "eu", ... or "*" for
	// every group without its own entry). Empty: the model is known but not priced.
	Prices map[string]Price
	// LongContext, when set, is the dearer rate of long requests.
	LongContext *LongContext
	// ServiceTiers are the tiers the model offers besides the standard one; TierPrices
	// those of them bedgov can price (a tier offered but not priced is refused).
	ServiceTiers []string
	TierPrices   map[string]map[string]Price
	// LatencyOptimized prices latency-optimized inference; nil: refused.
	LatencyOptimized map[string]Price
	// Profiles are the system-defined inference profile prefixes the model is served
	// under (global, us, eu, jp, apac, ...).
	Profiles []string
	// Lifecycle dates (YYYY-MM-DD, empty when AWS has announced none) and the model
	// AWS or the provider names as successor.
	Launched, Legacy, EOL, EOLNotBefore string
	Successor                           string
	// Checked says where each figure was confirmed and what is unconfirmed.
	Checked string
}

// Priced reports whether the entry has standard-tier prices.
func (mp ModelPricing) Priced() bool { return len(mp.Prices) > 0 }

// PricingTable is the catalog: foundation model ids to their entries, and the models
// bedgov refuses because they are not billed per text token (Unmetered: id -> what it is).
type PricingTable struct {
	Taken     string
	Source    string
	Models    map[string]ModelPricing
	Unmetered map[string]string
}

// ErrUnknownModel is returned (wrapped) when no price is known for a model or for one
// of a request's billing dimensions: the enforcer refuses such requests rather than let
// them through uncounted or charged at a cheaper rate.
var ErrUnknownModel = errors.New("no price for model")

// ErrNotOffered is returned (wrapped) for a service tier, latency mode or cache TTL the
// model does not offer: Bedrock refuses such a request, so does the enforcer.
var ErrNotOffered = errors.New("not offered")

type jsonPrice struct {
	Input        string `json:"input"`
	Output       string `json:"output"`
	CacheRead    string `json:"cache_read,omitempty"`
	CacheWrite   string `json:"cache_write,omitempty"`
	CacheWrite1h string `json:"cache_write_1h,omitempty"`
}

type jsonLongContext struct {
	AboveInputTokens int64                `json:"above_input_tokens"`
	Prices           map[string]jsonPrice `json:"prices"`
}

// jsonModel is one model in pricing.json.
type jsonModel struct {
	Name             string                          `json:"name,omitempty"`
	MaxOutputTokens  int64                           `json:"max_output_tokens,omitempty"`
	Prices           map[string]jsonPrice            `json:"prices,omitempty"`
	LongContext      *jsonLongContext                `json:"long_context,omitempty"`
	ServiceTiers     []string                        `json:"service_tiers,omitempty"`
	TierPrices       map[string]map[string]jsonPrice `json:"tier_prices,omitempty"`
	LatencyOptimized map[string]jsonPrice            `json:"latency_optimized,omitempty"`
	Profiles         []string                        `json:"profiles,omitempty"`
	Launched         string                          `json:"launched,omitempty"`
	Legacy           string                          `json:"legacy,omitempty"`
	EOL              string                          `json:"eol,omitempty"`
	EOLNotBefore     string                          `json:"eol_not_before,omitempty"`
	Successor        string                          `json:"successor,omitempty"`
	Checked          string                          `json:"checked,omitempty"`
}

type jsonTable struct {
	Taken     string               `json:"taken"`
	Source    string               `json:"source"`
	Models    map[string]jsonModel `json:"models"`
	Unmetered map[string]string    `json:"unmetered,omitempty"`
}

// DefaultMaxOutputTokens is the reservation's output bound for a model whose entry (or
// override) does not give max_output_tokens and whose request sets no max tokens.
const DefaultMaxOutputTokens = 8192

// EmbeddedPricing returns the embedded catalog in its JSON form (pricing.json).
func EmbeddedPricing() []byte { return append([]byte(nil), embeddedPricing...) }

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
	t := &PricingTable{Taken: jt.Taken, Source: jt.Source, Models: map[string]ModelPricing{}, Unmetered: map[string]string{}}
	for id, jm := range jt.Models {
		mp, err := jm.toModel(id)
		if err != nil {
			return nil, err
		}
		t.Models[id] = mp
	}
	for id, why := range jt.Unmetered {
		t.Unmetered[id] = why
	}
	return t, nil
}

var validDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func parsePrices(id, what string, in map[string]jsonPrice) (map[string]Price, error) {
	out := make(map[string]Price, len(in))
	for g, jp := range in {
		p, err := jp.toPrice()
		if err != nil {
			return nil, fmt.Errorf("pricing for %s %sin %s: %w", id, what, g, err)
		}
		out[g] = p
	}
	return out, nil
}

func (jm jsonModel) toModel(id string) (ModelPricing, error) {
	mp := ModelPricing{Name: jm.Name, MaxOutputTokens: jm.MaxOutputTokens, ServiceTiers: jm.ServiceTiers, Profiles: jm.Profiles,
		Launched: jm.Launched, Legacy: jm.Legacy, EOL: jm.EOL, EOLNotBefore: jm.EOLNotBefore, Successor: jm.Successor, Checked: jm.Checked}
	if mp.MaxOutputTokens < 0 {
		return mp, fmt.Errorf("pricing for %s: negative max_output_tokens", id)
	}
	for _, d := range []string{jm.Launched, jm.Legacy, jm.EOL, jm.EOLNotBefore} {
		if d != "" && !validDate.MatchString(d) {
			return mp, fmt.Errorf("pricing for %s: date %q is not YYYY-MM-DD", id, d)
		}
	}
	var err error
	if mp.Prices, err = parsePrices(id, "", jm.Prices); err != nil {
		return mp, err
	}
	if jm.LongContext != nil {
		if jm.LongContext.AboveInputTokens <= 0 || len(jm.LongContext.Prices) == 0 {
			return mp, fmt.Errorf("pricing for %s: long_context needs above_input_tokens and prices", id)
		}
		lc := &LongContext{AboveInputTokens: jm.LongContext.AboveInputTokens}
		if lc.Prices, err = parsePrices(id, "long context ", jm.LongContext.Prices); err != nil {
			return mp, err
		}
		mp.LongContext = lc
	}
	for tier, gp := range jm.TierPrices {
		if !slices.Contains(mp.ServiceTiers, tier) {
			return mp, fmt.Errorf("pricing for %s: tier_prices names %q, which service_tiers does not offer", id, tier)
		}
		if mp.TierPrices == nil {
			mp.TierPrices = map[string]map[string]Price{}
		}
		if mp.TierPrices[tier], err = parsePrices(id, tier+" tier ", gp); err != nil {
			return mp, err
		}
	}
	for _, tier := range mp.ServiceTiers {
		if tier != TierPriority && tier != TierFlex {
			return mp, fmt.Errorf("pricing for %s: service tier %q is not priority or flex", id, tier)
		}
	}
	if jm.LatencyOptimized != nil {
		if mp.LatencyOptimized, err = parsePrices(id, "latency-optimized ", jm.LatencyOptimized); err != nil {
			return mp, err
		}
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
	if jp.CacheWrite1h != "" {
		if p.CacheWrite1h, err = ParseUSD(jp.CacheWrite1h); err != nil {
			return p, fmt.Errorf("cache_write_1h: %w", err)
		}
	}
	return p, nil
}

// PriceOverride is a configured price for one model, applied to every region group.
// Prices are decimal USD per million tokens, written in JSON as numbers (3, 0.035) or
// strings ("3.00"); json.Number keeps the literal, so no float ever touches them.
// Empty cache prices default to the input price. The optional priority_, flex_,
// latency_optimized_ and long_context_ prices price those dimensions (a tier priced
// here is treated as offered); dimensions left out keep the catalog's entry.
type PriceOverride struct {
	InputPerMTok        json.Number `json:"input_per_mtok"`
	OutputPerMTok       json.Number `json:"output_per_mtok"`
	CacheReadPerMTok    json.Number `json:"cache_read_per_mtok,omitempty"`
	CacheWritePerMTok   json.Number `json:"cache_write_per_mtok,omitempty"`
	CacheWrite1hPerMTok json.Number `json:"cache_write_1h_per_mtok,omitempty"`
	MaxOutputTokens     int64       `json:"max_output_tokens,omitempty"`

	PriorityInputPerMTok          json.Number `json:"priority_input_per_mtok,omitempty"`
	PriorityOutputPerMTok         json.Number `json:"priority_output_per_mtok,omitempty"`
	FlexInputPerMTok              json.Number `json:"flex_input_per_mtok,omitempty"`
	FlexOutputPerMTok             json.Number `json:"flex_output_per_mtok,omitempty"`
	LatencyOptimizedInputPerMTok  json.Number `json:"latency_optimized_input_per_mtok,omitempty"`
	LatencyOptimizedOutputPerMTok json.Number `json:"latency_optimized_output_per_mtok,omitempty"`
	LongContextAboveInputTokens   int64       `json:"long_context_above_input_tokens,omitempty"`
	LongContextInputPerMTok       json.Number `json:"long_context_input_per_mtok,omitempty"`
	LongContextOutputPerMTok      json.Number `json:"long_context_output_per_mtok,omitempty"`
}

// pair prices an optional dimension of an override: both prices or neither. Its cache
// rates are the dearer of its input price and the base cache rates (never cheaper).
func (po PriceOverride) pair(name string, in, out json.Number, base Price) (*Price, error) {
	if in == "" && out == "" {
		return nil, nil
	}
	if in == "" || out == "" {
		return nil, fmt.Errorf("%s needs both its input and output price", name)
	}
	p, err := jsonPrice{Input: string(in), Output: string(out)}.toPrice()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.CacheRead, p.CacheWrite = max(p.Input, base.CacheRead), max(p.Input, base.CacheWrite)
	if base.CacheWrite1h > 0 {
		p.CacheWrite1h = max(p.Input, base.CacheWrite1h)
	}
	return &p, nil
}

// apply returns the catalog entry mp with the override on top.
func (po PriceOverride) apply(id string, mp ModelPricing) (ModelPricing, error) {
	base, err := jsonPrice{Input: string(po.InputPerMTok), Output: string(po.OutputPerMTok), CacheRead: string(po.CacheReadPerMTok),
		CacheWrite: string(po.CacheWritePerMTok), CacheWrite1h: string(po.CacheWrite1hPerMTok)}.toPrice()
	if err != nil {
		return mp, fmt.Errorf("pricing override for %s: %w", id, err)
	}
	if po.MaxOutputTokens < 0 {
		return mp, fmt.Errorf("pricing override for %s: negative max_output_tokens", id)
	}
	out := mp
	out.Prices = map[string]Price{"*": base}
	if po.MaxOutputTokens > 0 {
		out.MaxOutputTokens = po.MaxOutputTokens
	}
	out.TierPrices = map[string]map[string]Price{}
	for t, gp := range mp.TierPrices {
		out.TierPrices[t] = gp
	}
	out.ServiceTiers = slices.Clone(mp.ServiceTiers)
	for _, d := range []struct {
		tier    string
		in, out json.Number
	}{{TierPriority, po.PriorityInputPerMTok, po.PriorityOutputPerMTok}, {TierFlex, po.FlexInputPerMTok, po.FlexOutputPerMTok}} {
		p, err := po.pair(d.tier, d.in, d.out, base)
		if err != nil {
			return mp, fmt.Errorf("pricing override for %s: %w", id, err)
		}
		if p != nil {
			out.TierPrices[d.tier] = map[string]Price{"*": *p}
			if !slices.Contains(out.ServiceTiers, d.tier) {
				out.ServiceTiers = append(out.ServiceTiers, d.tier)
			}
		}
	}
	if p, err := po.pair("latency_optimized", po.LatencyOptimizedInputPerMTok, po.LatencyOptimizedOutputPerMTok, base); err != nil {
		return mp, fmt.Errorf("pricing override for %s: %w", id, err)
	} else if p != nil {
		out.LatencyOptimized = map[string]Price{"*": *p}
	}
	lc, err := po.pair("long_context", po.LongContextInputPerMTok, po.LongContextOutputPerMTok, base)
	if err != nil {
		return mp, fmt.Errorf("pricing override for %s: %w", id, err)
	}
	switch {
	case lc != nil && po.LongContextAboveInputTokens <= 0:
		return mp, fmt.Errorf("pricing override for %s: long_context prices need long_context_above_input_tokens", id)
	case lc != nil:
		out.LongContext = &LongContext{AboveInputTokens: po.LongContextAboveInputTokens, Prices: map[string]Price{"*": *lc}}
	case po.LongContextAboveInputTokens > 0:
		return mp, fmt.Errorf("pricing override for %s: long_context_above_input_tokens needs long_context prices", id)
	}
	return out, nil
}

// WithOverrides returns a copy of t where each overridden model (keyed by foundation
// model id) gets the given price in every region group; the catalog's other facts
// (lifecycle, profiles, dimensions the override does not price) stay. The enforcer
// reads overrides from BEDGOV_PRICING_OVERRIDES (a JSON object in this shape).
func (t *PricingTable) WithOverrides(o map[string]PriceOverride) (*PricingTable, error) {
	out := t.clone()
	for id, po := range o {
		mp, err := po.apply(id, t.Models[id])
		if err != nil {
			return nil, err
		}
		out.Models[id] = mp
		delete(out.Unmetered, id)
	}
	if len(o) > 0 {
		out.Source += " (with configured overrides)"
	}
	return out, nil
}

func (t *PricingTable) clone() *PricingTable {
	out := &PricingTable{Taken: t.Taken, Source: t.Source, Models: make(map[string]ModelPricing, len(t.Models)), Unmetered: map[string]string{}}
	for k, v := range t.Models {
		out.Models[k] = v
	}
	for k, v := range t.Unmetered {
		out.Unmetered[k] = v
	}
	return out
}

// unmeteredHint recognises ids of models that are not billed per text token.
var unmeteredHint = regexp.MustCompile(`embed|image|canvas|reel|sonic|stable-|sd3|rerank`)

// Unpriceable explains why modelID has no standard price: not billed per text token,
// known but not priced, or not in the catalog. Empty when the model is priced.
func (t *PricingTable) Unpriceable(modelID string) string {
	if why, ok := t.Unmetered[modelID]; ok || unmeteredHint.MatchString(modelID) && !t.Models[modelID].Priced() {
		if why == "" {
			why = "an embeddings, image, video or speech model"
		}
		return fmt.Sprintf("%s is %s: bedgov caps text and chat models billed per token and cannot meter it", modelID, why)
	}
	mp, ok := t.Models[modelID]
	switch {
	case ok && mp.Priced():
		return ""
	case ok:
		return fmt.Sprintf("%s is in bedgov's catalog (prices taken %s) but has no confirmed price (%s); add it to pricing_overrides", modelID, t.Taken, mp.Checked)
	}
	return fmt.Sprintf("%s is not in bedgov's pricing catalog (prices taken %s); add it to pricing_overrides", modelID, t.Taken)
}

// Lookup returns the standard price of a model in a region group: the group's own
// entry, else the "*" entry. An unpriced model or group yields an error wrapping
// ErrUnknownModel.
func (t *PricingTable) Lookup(modelID, group string) (Price, ModelPricing, error) {
	mp, ok := t.Models[modelID]
	if why := t.Unpriceable(modelID); why != "" {
		return Price{}, mp, fmt.Errorf("%w: %s", ErrUnknownModel, why)
	}
	if !ok {
		return Price{}, mp, fmt.Errorf("%w %q", ErrUnknownModel, modelID)
	}
	p, err := pick(mp.Prices, group)
	if err != nil {
		return Price{}, mp, fmt.Errorf("%w %q %w; add it to pricing_overrides", ErrUnknownModel, modelID, err)
	}
	return p, mp, nil
}

func pick(prices map[string]Price, group string) (Price, error) {
	if p, ok := prices[group]; ok {
		return p, nil
	}
	if p, ok := prices["*"]; ok {
		return p, nil
	}
	groups := make([]string, 0, len(prices))
	for g := range prices {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	return Price{}, fmt.Errorf("in region group %q (priced in %s)", group, strings.Join(groups, ", "))
}

// PricedModels returns the ids of the priced models, sorted.
func (t *PricingTable) PricedModels() []string {
	var ids []string
	for id, mp := range t.Models {
		if mp.Priced() {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Closest returns up to n priced model ids nearest to id (edit distance over the id
// without its version suffix, ties by name), for "did you mean" messages.
func (t *PricingTable) Closest(id string, n int) []string {
	type cand struct {
		id string
		d  int
	}
	var cs []cand
	for _, m := range t.PricedModels() {
		cs = append(cs, cand{m, editDistance(id, m)})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
