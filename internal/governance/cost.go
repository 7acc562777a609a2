package governance

import "fmt"

// Usage is the token count Bedrock reports for one call.
type Usage struct {
	InputTokens      int64
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64
}

// Add returns u + v.
func (u Usage) Add(v Usage) Usage {
	return Usage{u.InputTokens + v.InputTokens, u.OutputTokens + v.OutputTokens, u.CacheReadTokens + v.CacheReadTokens, u.CacheWriteTokens + v.CacheWriteTokens}
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
//	ceil( (in*P_in + out*P_out + cacheRead*P_cr + cacheWrite*P_cw) / 1,000,000 )
//
// where P_* are Micros per million tokens. The four products are summed exactly first and
// rounded once, up, to the next micro-dollar: a call is never charged less than its
// exact price and never more than one micro-dollar above it. Negative counts count as 0.
func (p Price) Cost(u Usage) Micros {
	sum := clampTokens(u.InputTokens)*int64(p.Input) +
		clampTokens(u.OutputTokens)*int64(p.Output) +
		clampTokens(u.CacheReadTokens)*int64(p.CacheRead) +
		clampTokens(u.CacheWriteTokens)*int64(p.CacheWrite)
	return Micros((sum + 999_999) / 1_000_000)
}

// WorstCase is the reservation for a request before it is forwarded: every input token
// is priced at the dearest input rate (plain input or cache write, since Bedrock may
// bill the prompt as a cache write), plus maxOutput tokens at the output price. With
// inputTokens an upper bound on the prompt's tokens and maxOutput the request's max
// tokens, the actual Cost of the call can never exceed WorstCase.
func (p Price) WorstCase(inputTokens, maxOutput int64) Micros {
	in := p.Input
	if p.CacheWrite > in {
		in = p.CacheWrite
	}
	if p.CacheRead > in {
		in = p.CacheRead
	}
	return Price{Input: in, Output: p.Output}.Cost(Usage{InputTokens: inputTokens, OutputTokens: maxOutput})
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
// when it sets one (clamped to the model's maximum), otherwise the model's maximum from
// the pricing table, otherwise DefaultMaxOutputTokens.
func MaxOutputFor(requested int64, mp ModelPricing) int64 {
	max := mp.MaxOutputTokens
	if max <= 0 {
		max = DefaultMaxOutputTokens
	}
	if requested > 0 && requested < max {
		return requested
	}
	return max
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
