package enforcer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// Request headers that choose billing dimensions on InvokeModel and
// InvokeModelWithResponseStream, as Bedrock Runtime's API model binds them
// (performanceConfigLatency and serviceTier; the 2025-04 model in ../shared has only the
// first, aws-sdk-go-v2 bedrockruntime v1.63's schema has both).
const (
	HeaderServiceTier = "X-Amzn-Bedrock-Service-Tier"
	HeaderLatency     = "X-Amzn-Bedrock-PerformanceConfig-Latency"
)

// dimFields are the body fields that choose billing dimensions: Converse's serviceTier
// ({"type": "priority"}) and performanceConfig ({"latency": "optimized"}), and the
// service_tier string OpenAI-format InvokeModel bodies carry. They are kept raw in
// requestFields and decoded by requestDims, which refuses a malformed one.
type dimFields struct {
	ServiceTier       json.RawMessage `json:"serviceTier"`
	ServiceTierOpenAI json.RawMessage `json:"service_tier"`
	PerformanceConfig json.RawMessage `json:"performanceConfig"`
}

// decodeRaw decodes raw into v when the field is present.
func decodeRaw(raw json.RawMessage, v any) error {
	if raw == nil {
		return nil
	}
	return json.Unmarshal(raw, v)
}

var errBadDims = errors.New("conflicting billing dimensions")

// requestDims reads the service tier, latency mode and cache TTLs a request asks for,
// from its headers and body. Two different values for one dimension are refused (bedgov
// would not know which one Bedrock bills).
// f are the fields decoded from body; tree decodes the whole body (bodyTree).
func (f *dimFields) requestDims(body []byte, tree func() (any, error), h http.Header) (governance.Dims, error) {
	var d governance.Dims
	var serviceTier *struct {
		Type string `json:"type"`
	}
	var serviceTierOpenAI string
	var performanceConfig *struct {
		Latency string `json:"latency"`
	}
	if decodeRaw(f.ServiceTier, &serviceTier) != nil || decodeRaw(f.ServiceTierOpenAI, &serviceTierOpenAI) != nil ||
		decodeRaw(f.PerformanceConfig, &performanceConfig) != nil {
		return d, errBadBody
	}
	set := func(dst *string, what, v string) error {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
		case *dst != v:
			return fmt.Errorf("%w: %s is both %q and %q", errBadDims, what, *dst, v)
		}
		return nil
	}
	var tier, lat string
	errs := []error{set(&tier, "the service tier", h.Get(HeaderServiceTier)), set(&lat, "the latency mode", h.Get(HeaderLatency))}
	if serviceTier != nil {
		errs = append(errs, set(&tier, "the service tier", serviceTier.Type))
	}
	errs = append(errs, set(&tier, "the service tier", serviceTierOpenAI))
	if performanceConfig != nil {
		errs = append(errs, set(&lat, "the latency mode", performanceConfig.Latency))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	d.Tier, d.Latency = tier, lat
	d.CacheTTL1h = asksOneHourCache(body, tree)
	return d, nil
}

// asksOneHourCache reports whether any cache checkpoint of the body asks for a 1-hour
// TTL: Converse's cachePoint {"type": "default", "ttl": "1h"} or Anthropic's
// cache_control {"type": "ephemeral", "ttl": "1h"}, wherever they sit (system, messages,
// tools). A body without "ttl" is not walked.
func asksOneHourCache(body []byte, tree func() (any, error)) bool {
	if !bytes.Contains(body, []byte(`"ttl"`)) {
		return false
	}
	v, err := tree()
	if err != nil {
		return false
	}
	var walk func(any, bool) bool
	walk = func(v any, inCache bool) bool {
		switch x := v.(type) {
		case map[string]any:
			if inCache {
				if ttl, ok := x["ttl"].(string); ok && ttl == "1h" {
					return true
				}
			}
			for k, c := range x {
				if walk(c, k == "cachePoint" || k == "cache_control") {
					return true
				}
			}
		case []any:
			for _, c := range x {
				if walk(c, false) {
					return true
				}
			}
		}
		return false
	}
	return walk(v, false)
}

// rates prices the request's dimensions on the team's model and, when it has one, its
// degrade model. A request the degrade model cannot serve at these dimensions (a tier
// it does not offer) stays on the primary model: canDegrade is false. The models are
// those the view's quotes resolved (PricingTable.Quote), not resolved again per request.
func (h *Handler) rates(view *teamView, c *call, wantDegrade bool) (primary, degrade governance.Rate, canDegrade bool, ae *apiError) {
	primary, err := h.cfg.Pricing.Rate(view.primary.ref.ModelID, view.primary.ref.Group, c.dims)
	if err == nil {
		err = primary.Admit(c.inBound)
	}
	if err != nil {
		c.log.Decision = decUnpriced
		return primary, degrade, false, errValidation(err.Error())
	}
	if view.rec.DegradeProfileARN == "" {
		return primary, degrade, false, nil
	}
	degrade, err = h.cfg.Pricing.Rate(view.degrade.ref.ModelID, view.degrade.ref.Group, c.dims)
	if err == nil {
		err = degrade.Admit(c.inBound)
	}
	if err != nil && wantDegrade {
		c.log.Decision = decUnpriced
		return primary, degrade, false, errValidation(err.Error())
	}
	return primary, degrade, err == nil, nil
}
