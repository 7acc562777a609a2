package enforcer

import (
	"encoding/json"
	"strconv"
)

// fitOutput lowers every output bound a body sets above limit to limit, so that a
// request degraded to a model with a smaller maximum output (Claude 3 Haiku: 4,096) is
// not refused by Bedrock for asking more than that model can give. The body is returned
// unchanged when nothing is above the limit (or limit is unknown); otherwise its JSON is
// rewritten with the same members. Keys are those of requestLimits (read exactly: see
// checkKeys, which has already refused ambiguous bodies).
func fitOutput(body []byte, limit int64) []byte {
	if limit <= 0 {
		return body
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return body
	}
	changed := fitKeys(top, limit, "max_tokens", "max_gen_len", "max_tokens_to_sample")
	for _, nested := range [...]struct {
		obj  string
		keys []string
	}{{"inferenceConfig", []string{"maxTokens", "max_new_tokens"}}, {"textGenerationConfig", []string{"maxTokenCount"}}} {
		var inner map[string]json.RawMessage
		if raw, ok := top[nested.obj]; !ok || json.Unmarshal(raw, &inner) != nil {
			continue
		}
		if fitKeys(inner, limit, nested.keys...) {
			top[nested.obj], _ = json.Marshal(inner)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(top)
	if err != nil {
		return body
	}
	return out
}

func fitKeys(m map[string]json.RawMessage, limit int64, keys ...string) bool {
	changed := false
	for _, k := range keys {
		raw, ok := m[k]
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n > limit {
			m[k] = json.RawMessage(strconv.FormatInt(limit, 10))
			changed = true
		}
	}
	return changed
}
