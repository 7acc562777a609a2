package localaws

// errNotOnDemand is Bedrock's answer to an application inference profile copied from a
// foundation model whose inferenceTypesSupported lacks ON_DEMAND: such a model is served
// only through a system-defined (cross-Region) inference profile (re:Post, "Application
// Inference Profile for Llama 3.2 3B": "ValidationException: The provided foundation
// model does not support On Demand inference."; Bedrock user guide, "How inference
// works in Amazon Bedrock": models differ in base model and inference profile
// availability by Region).
func errNotOnDemand() error {
	return ErrValidation("The provided foundation model does not support On Demand inference.")
}
