package governance

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Usage is the token count Bedrock reports for one call. CacheWriteTokens are 5-minute
// (or unspecified) prompt-cache writes, CacheWrite1hTokens 1-hour writes.
type Usage struct {
	InputTokens        int64
	OutputTokens       int64
	CacheReadTokens    int64
	CacheWriteTokens   int64
	CacheWrite1hTokens int64
}

// Add returns u + v.
func (u Usage) Add(v Usage) Usage {
	return Usage{u.InputTokens + v.InputTokens, u.OutputTokens + v.OutputTokens, u.CacheReadTokens + v.CacheReadTokens,
		u.CacheWriteTokens + v.CacheWriteTokens, u.CacheWrite1hTokens + v.CacheWrite1hTokens}
}

// TotalInput is every input token of the call: plain, cache read and cache writes.
func (u Usage) TotalInput() int64 {
	return clampTokens(u.InputTokens) + clampTokens(u.CacheReadTokens) + clampTokens(u.CacheWriteTokens) + clampTokens(u.CacheWrite1hTokens)
}

// maxTokens bounds any token count entering the cost math (10^10 tokens is far beyond
// any Bedrock call), so that count * price cannot overflow int64.
const maxTokens = 10_000_000_000

func clampTokens(n int64) int64 {
	if n < 0 {
		return 0
	}
	if n > maxTokens {
		return maxTokens
	}
	return n
}

// Cost is the price of a usage, in Micros, computed exactly:
//
//	ceil( (in*P_in + out*P_out + cacheRead*P_cr + cacheWrite*P_cw + cacheWrite1h*P_cw1h) / 1,000,000 )
//
// where P_* are Micros per million tokens. The products are summed exactly first and
// rounded once, up, to the next micro-dollar: a call is never charged less than its
// exact price and never more than one micro-dollar above it. Negative counts count as 0.
// A 1-hour write on a price without a 1-hour rate is charged at the dearer of the
// 5-minute write and input rates (it is refused before it is sent; if Bedrock reports
// one anyway it is never charged less).
func (p Price) Cost(u Usage) Micros {
	cw1h := p.CacheWrite1h
	if cw1h == 0 {
		cw1h = max(p.CacheWrite, p.Input)
	}
	sum := clampTokens(u.InputTokens)*int64(p.Input) +
		clampTokens(u.OutputTokens)*int64(p.Output) +
		clampTokens(u.CacheReadTokens)*int64(p.CacheRead) +
		clampTokens(u.CacheWriteTokens)*int64(p.CacheWrite) +
		clampTokens(u.CacheWrite1hTokens)*int64(cw1h)
	return Micros((sum + 999_999) / 1_000_000)
}

// dearestInput is the highest rate an input token can be billed at.
func (p Price) dearestInput() Micros {
	return max(p.Input, p.CacheWrite, p.CacheRead, p.CacheWrite1h)
}

// WorstCase is the reservation for a request before it is forwarded: every input token
// is priced at the dearest input rate (plain input, cache read, or either cache write,
// since Bedrock may bill the prompt as a cache write), plus maxOutput tokens at the
// output price. With inputTokens an upper bound on the prompt's tokens and maxOutput the
// request's max tokens, the actual Cost of the call can never exceed WorstCase.
func (p Price) WorstCase(inputTokens, maxOutput int64) Micros {
	return Price{Input: p.dearestInput(), Output: p.Output}.Cost(Usage{InputTokens: inputTokens, OutputTokens: maxOutput})
}

// InputOverheadTokens is added to every input bound for the tokens a model provider
// adds on its side (Anthropic's tool-use system prompt is a few hundred tokens).
const InputOverheadTokens = 1024

// InputTokenBound is the upper bound on input tokens the enforcer uses for a request
// body of n bytes: n + InputOverheadTokens. The byte-level tokenizers Bedrock models use
// emit at most one token per byte of the text they encode, and the JSON body carries that
// text plus quoting and structure, so the body length bounds the prompt's tokens. Images
// and documents are billed at far fewer tokens than their base64 bytes. It over-reserves;
// the settlement charges what Bedrock reports.
func InputTokenBound(bodyBytes int) int64 { return int64(bodyBytes) + InputOverheadTokens }

// MaxOutputFor picks the output bound for a reservation: the request's own max tokens
// when it sets one (never lowered: a model may produce more than the catalog's figure,
// e.g. with an output-extending beta, and the request is what bounds the bill),
// otherwise the model's maximum from the catalog, otherwise DefaultMaxOutputTokens.
func MaxOutputFor(requested int64, mp ModelPricing) int64 {
	if requested > 0 {
		return requested
	}
	if mp.MaxOutputTokens > 0 {
		return mp.MaxOutputTokens
	}
	return DefaultMaxOutputTokens
}

// Dims are a request's billing dimensions besides the model and its price group.
type Dims struct {
	// Tier is the service tier: "" or "default" (standard), "priority", "flex", "reserved".
	Tier string
	// Latency is the performanceConfig latency: "" or "standard", or "optimized".
	Latency string
	// CacheTTL1h is set when the request asks for a 1-hour prompt-cache TTL.
	CacheTTL1h bool
}

func (d Dims) standard() bool {
	return (d.Tier == "" || d.Tier == TierStandard) && (d.Latency == "" || d.Latency == "standard")
}

// String names the dimensions for messages and logs ("priority tier", "standard").
func (d Dims) String() string {
	var parts []string
	if d.Tier != "" && d.Tier != TierStandard {
		parts = append(parts, d.Tier+" tier")
	}
	if d.Latency == LatencyOptimized {
		parts = append(parts, "latency-optimized")
	}
	if d.CacheTTL1h {
		parts = append(parts, "1-hour cache")
	}
	if len(parts) == 0 {
		return "standard"
	}
	return strings.Join(parts, ", ")
}

// Rate is what one request of a model, in a price group, with given dimensions, is
// billed at: Base, or LongContext for a request whose input exceeds LongContextAbove.
type Rate struct {
	ModelID string
	Group   string
	Dims    Dims
	Base    Price
	// LongContext is the long-context price; LongContextAbove > 0 with a nil LongContext
	// means long requests exist at a rate bedgov cannot price (refused above the bound).
	LongContext      *Price
	LongContextAbove int64
	MaxOutputTokens  int64
}

// PriceFor is the price a call with usage u is billed at.
func (r Rate) PriceFor(u Usage) Price {
	if r.LongContext != nil && u.TotalInput() > r.LongContextAbove {
		return *r.LongContext
	}
	return r.Base
}

// Cost is what a call with usage u costs.
func (r Rate) Cost(u Usage) Micros { return r.PriceFor(u).Cost(u) }

// WorstCase bounds the cost of a request whose input is at most inputBound tokens and
// whose output is at most maxOutput: at the long-context rate when the bound can exceed
// the threshold.
func (r Rate) WorstCase(inputBound, maxOutput int64) Micros {
	p := r.Base
	if r.LongContext != nil && inputBound > r.LongContextAbove {
		p = *r.LongContext
	}
	return p.WorstCase(inputBound, maxOutput)
}

// Admit checks that a request with the input bound can be priced: a request that may
// cross a long-context threshold bedgov has no price for is refused.
func (r Rate) Admit(inputBound int64) error {
	if r.LongContext == nil && r.LongContextAbove > 0 && inputBound > r.LongContextAbove {
		return fmt.Errorf("%w: %s bills requests above %d input tokens at a long-context rate bedgov has no price for with %s; send a shorter request or price it in pricing_overrides",
			ErrUnknownModel, r.ModelID, r.LongContextAbove, r.Dims)
	}
	return nil
}

// Rate prices a model in a price group for the given dimensions. A dimension the model
// does not offer wraps ErrNotOffered (Bedrock refuses it too); one it offers that bedgov
// has no price for wraps ErrUnknownModel (refused, never charged at a cheaper rate).
func (t *PricingTable) Rate(modelID, group string, d Dims) (Rate, error) {
	base, mp, err := t.Lookup(modelID, group)
	if err != nil {
		return Rate{}, err
	}
	r := Rate{ModelID: modelID, Group: group, Dims: d, Base: base, MaxOutputTokens: mp.MaxOutputTokens}
	switch d.Tier {
	case "", TierStandard:
	case TierPriority, TierFlex:
		if !slices.Contains(mp.ServiceTiers, d.Tier) {
			return r, fmt.Errorf("%w: the %s service tier is not offered for %s", ErrNotOffered, d.Tier, modelID)
		}
		p, err := pick(mp.TierPrices[d.Tier], group)
		if err != nil {
			return r, fmt.Errorf("%w: %s offers the %s service tier but bedgov has no price for it (%s); add %s_input_per_mtok and %s_output_per_mtok to its pricing_overrides entry",
				ErrUnknownModel, modelID, d.Tier, mp.Checked, d.Tier, d.Tier)
		}
		r.Base = p
	case TierReserved:
		return r, fmt.Errorf("%w: the reserved service tier is billed by its capacity commitment, not per token; bedgov cannot cap it", ErrUnknownModel)
	default:
		return r, fmt.Errorf("%w: unknown service tier %q (priority, default, flex or reserved)", ErrNotOffered, d.Tier)
	}
	switch d.Latency {
	case "", "standard":
	case LatencyOptimized:
		if d.Tier != "" && d.Tier != TierStandard {
			return r, fmt.Errorf("%w: bedgov has no price for latency-optimized inference in the %s tier", ErrUnknownModel, d.Tier)
		}
		p, err := pick(mp.LatencyOptimized, group)
		if err != nil {
			return r, fmt.Errorf("%w: bedgov has no price for latency-optimized inference of %s; add latency_optimized_input_per_mtok and latency_optimized_output_per_mtok to its pricing_overrides entry",
				ErrUnknownModel, modelID)
		}
		r.Base = p
	default:
		return r, fmt.Errorf("%w: unknown performanceConfig latency %q (standard or optimized)", ErrNotOffered, d.Latency)
	}
	if d.CacheTTL1h && r.Base.CacheWrite1h == 0 {
		return r, fmt.Errorf("%w: a 1-hour prompt-cache TTL is not offered (or not priced) for %s; use the 5-minute TTL", ErrNotOffered, modelID)
	}
	if mp.LongContext != nil {
		r.LongContextAbove = mp.LongContext.AboveInputTokens
		if d.standard() {
			if p, err := pick(mp.LongContext.Prices, group); err == nil {
				r.LongContext = &p
			}
		}
	}
	return r, nil
}

// Quote prices a model reference for a reservation or a settlement. It is a convenience
// over ResolveModel + Lookup; group is used when the reference carries none.
func (t *PricingTable) Quote(ref string, appModels map[string]string, group string) (Price, ModelPricing, ModelRef, error) {
	r, err := ResolveModel(ref, appModels)
	if err != nil {
		return Price{}, ModelPricing{}, r, err
	}
	if r.Group == "" {
		r.Group = group
	}
	if r.Group == "" {
		return Price{}, ModelPricing{}, r, fmt.Errorf("%w %q: no region group to price it in", ErrUnknownModel, ref)
	}
	p, mp, err := t.Lookup(r.ModelID, r.Group)
	return p, mp, r, err
}

// Lifecycle states of a model on a date.
type Lifecycle int

const (
	LifecycleActive Lifecycle = iota
	// LifecycleLegacy: AWS or the provider marked it legacy.
	LifecycleLegacy
	// LifecycleEnding: end of life within LifecycleWarnDays.
	LifecycleEnding
	// LifecycleRetired: past its end of life.
	LifecycleRetired
)

// LifecycleWarnDays is how far ahead of a model's end of life plan warns.
const LifecycleWarnDays = 30

// LifecycleOf says where model id stands on date now, with a sentence for plan that
// names the date and the successor. Unknown models are active (nothing announced).
func (t *PricingTable) LifecycleOf(id string, now time.Time) (Lifecycle, string) {
	mp, ok := t.Models[id]
	if !ok {
		return LifecycleActive, ""
	}
	succ := ""
	if mp.Successor != "" {
		succ = "; its successor is " + mp.Successor
	}
	if mp.EOL != "" {
		eol, err := time.Parse(time.DateOnly, mp.EOL)
		if err == nil {
			day := now.UTC().Truncate(24 * time.Hour)
			switch left := int(eol.Sub(day).Hours() / 24); {
			case left <= 0:
				return LifecycleRetired, fmt.Sprintf("%s reached end of life on Amazon Bedrock on %s and can no longer be invoked%s", id, mp.EOL, succ)
			case left <= LifecycleWarnDays:
				return LifecycleEnding, fmt.Sprintf("%s reaches end of life on Amazon Bedrock on %s (in %d days)%s", id, mp.EOL, left, succ)
			}
		}
	}
	if mp.Legacy != "" {
		if l, err := time.Parse(time.DateOnly, mp.Legacy); err == nil && !now.Before(l) {
			return LifecycleLegacy, fmt.Sprintf("%s has been legacy since %s%s", id, mp.Legacy, succ)
		}
	}
	return LifecycleActive, ""
}
