package localaws

import (
	"net/http"
	"strings"
	"sync"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// The deterministic Bedrock Runtime (bedrockruntime.go) registered as the emulator's
// "bedrock-runtime" operations. Each Server gets its own runtime (faults, call record):
// tests reach it with BedrockRuntimeOf(server).

func init() {
	for _, op := range []struct{ name, suffix string }{
		{"Converse", "converse"},
		{"ConverseStream", "converse-stream"},
		{"InvokeModel", "invoke"},
		{"InvokeModelWithResponseStream", "invoke-with-response-stream"},
	} {
		RegisterBuiltin("bedrock-runtime", Operation{
			Name: op.name, Method: http.MethodPost, Path: "/model/{modelId}/" + op.suffix,
			Raw: func(c *Call, w http.ResponseWriter) { BedrockRuntimeOf(c.Server()).ServeHTTP(w, c.Request) },
		})
	}
}

var runtimes sync.Map // *Server -> *BedrockRuntime

// BedrockRuntimeOf returns the Bedrock Runtime of an emulator server, creating it on
// first use. Its models are the foundation models of bedgov's pricing table (by model
// id, model ARN or system-defined profile id/ARN) and the application inference profiles
// in the server's store.
func BedrockRuntimeOf(s *Server) *BedrockRuntime {
	if rt, ok := runtimes.Load(s); ok {
		return rt.(*BedrockRuntime)
	}
	rt, _ := runtimes.LoadOrStore(s, NewBedrockRuntime(func(ref string) string { return seededModel(s, ref) }))
	return rt.(*BedrockRuntime)
}

var seededPricing = governance.DefaultPricing()

// seededModel resolves a runtime model reference to a foundation model id, or "".
func seededModel(s *Server, ref string) string {
	if strings.Contains(ref, ":application-inference-profile/") {
		v, ok := s.Store().Lookup(KindInferenceProfile, ref)
		if !ok {
			return ""
		}
		// The profile object (written by the Bedrock control-plane emulation) names its
		// model through this method.
		m, ok := v.(interface{ FoundationModelID() string })
		if !ok {
			return ""
		}
		return m.FoundationModelID()
	}
	r, err := governance.ResolveModel(ref, nil)
	if err != nil {
		return ""
	}
	if _, ok := seededPricing.Models[r.ModelID]; !ok {
		return ""
	}
	return r.ModelID
}
