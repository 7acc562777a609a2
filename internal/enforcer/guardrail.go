package enforcer

import (
	"encoding/json"
	"net/http"
)

// A request with a guardrail (Converse's guardrailConfig; InvokeModel's
// X-Amzn-Bedrock-GuardrailIdentifier header, with the model-native
// amazon-bedrock-guardrailConfig body field) is refused before anything is reserved:
//   - Bedrock authorises it only with bedrock:ApplyGuardrail on the guardrail (Bedrock
//     user guide, "Set up permissions to use Amazon Bedrock Guardrails", "Permissions for
//     invoking guardrails to filter content"), which the enforcer role is not granted:
//     forwarded, it would fail with AccessDeniedException after the reservation;
//   - Bedrock bills guardrail policies per text unit on top of the model's tokens, a
//     dimension the enforcer's price table does not have, and a dimension it cannot
//     price is refused rather than under-charged.
//
// The refusal says so, so the team knows to call without the guardrail or to apply it
// with ApplyGuardrail outside the enforcer.
const guardrailRefusal = "bedgov: requests with a guardrail are not forwarded: the enforcer cannot price guardrail " +
	"evaluation against the team's budget and its role has no bedrock:ApplyGuardrail. Send the request without " +
	"guardrailConfig (or the X-Amzn-Bedrock-Guardrail* headers), or apply the guardrail with ApplyGuardrail yourself"

type guardrailFields struct {
	GuardrailConfig       json.RawMessage `json:"guardrailConfig"`
	NativeGuardrailConfig json.RawMessage `json:"amazon-bedrock-guardrailConfig"`
}

// refuseGuardrail returns the refusal for a request that asks for a guardrail; f are
// the fields decoded from its body.
func (f *guardrailFields) refuseGuardrail(h http.Header) *apiError {
	if h.Get("X-Amzn-Bedrock-GuardrailIdentifier") != "" || h.Get("X-Amzn-Bedrock-GuardrailVersion") != "" {
		return errValidation(guardrailRefusal)
	}
	if isSet(f.GuardrailConfig) || isSet(f.NativeGuardrailConfig) {
		return errValidation(guardrailRefusal)
	}
	return nil
}

func isSet(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }
