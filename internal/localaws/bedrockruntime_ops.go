package localaws

import (
	"net/http"
	"sync"
)

// The deterministic Bedrock Runtime (bedrockruntime.go) registered as the emulator's
// "bedrock-runtime" operations. Each Server gets its own runtime (faults, call record):
// tests reach it with BedrockRuntimeOf(server). While the call's Region has a model
// invocation logging configuration, each call is logged (bedrock_logging_delivery.go).

func init() {
	for _, op := range []struct{ name, suffix string }{
		{"Converse", "converse"},
		{"ConverseStream", "converse-stream"},
		{"InvokeModel", "invoke"},
		{"InvokeModelWithResponseStream", "invoke-with-response-stream"},
	} {
		RegisterBuiltin("bedrock-runtime", Operation{
			Name: op.name, Method: http.MethodPost, Path: "/model/{modelId}/" + op.suffix,
			Raw: func(c *Call, w http.ResponseWriter) {
				s, region := c.Server(), c.Region
				BedrockRuntimeOf(s).serve(w, c.Request, func(ref string) string { return s.ResolveModel(region, ref) }, invocationLogger(c))
			},
		})
	}
}

var runtimes sync.Map // *Server -> *BedrockRuntime

// BedrockRuntimeOf returns the Bedrock Runtime of an emulator server (its faults and call
// record), creating it on first use. Its models are the server's: catalog models by id
// or ARN, system-defined and application inference profiles, resolved in the call's
// Region by Server.ResolveModel.
func BedrockRuntimeOf(s *Server) *BedrockRuntime {
	if rt, ok := runtimes.Load(s); ok {
		return rt.(*BedrockRuntime)
	}
	rt, _ := runtimes.LoadOrStore(s, NewBedrockRuntime(func(ref string) string { return s.ResolveModel(s.defaultRegion, ref) }))
	return rt.(*BedrockRuntime)
}
