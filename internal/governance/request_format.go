package governance

import "strings"

// InvokeModel bodies are model-native: each model family reads its own request schema
// (Bedrock user guide, "Inference request parameters and response fields for
// foundation models"). Degrading an InvokeModel call sends its body unchanged to the
// degrade model, so it is done only between models of one format; Converse is one
// schema for every model and can always be degraded.

// Request formats of InvokeModel bodies.
const (
	FormatAnthropicMessages = "anthropic-messages"   // Claude 3 and later: messages, max_tokens
	FormatAnthropicText     = "anthropic-completion" // Claude 2 / Instant: prompt, max_tokens_to_sample
	FormatNova              = "amazon-nova"          // messages, inferenceConfig.maxTokens
	FormatTitanText         = "amazon-titan-text"    // inputText, textGenerationConfig
	FormatLlama             = "meta-llama"           // prompt, max_gen_len
	FormatMistralText       = "mistral-completion"   // prompt, max_tokens
	FormatCohereCommandR    = "cohere-command-r"     // message, chat_history
	FormatCohereCommand     = "cohere-command"       // prompt, max_tokens
	FormatAI21Jamba         = "ai21-jamba"           // messages (OpenAI-like)
	FormatOpenAIChat        = "openai-chat"          // gpt-oss: OpenAI Chat Completions, also on /openai/v1/chat/completions
)

// RequestFormat is the InvokeModel request format of a model id, system profile id or
// model ARN, or "" when it is not known (such a model is never degraded for InvokeModel).
func RequestFormat(ref string) string {
	r, err := ResolveModel(ref, nil)
	if err != nil {
		return ""
	}
	id := r.ModelID
	has := strings.HasPrefix
	switch {
	case has(id, "anthropic.claude-v2"), has(id, "anthropic.claude-instant"):
		return FormatAnthropicText
	case has(id, "anthropic.claude"):
		return FormatAnthropicMessages
	case has(id, "amazon.nova-"):
		return FormatNova
	case has(id, "amazon.titan-text"), has(id, "amazon.titan-tg1"):
		return FormatTitanText
	case has(id, "meta.llama"):
		return FormatLlama
	case has(id, "mistral.mistral-7b"), has(id, "mistral.mixtral"), has(id, "mistral.mistral-small-2402"), has(id, "mistral.mistral-large-2402"):
		return FormatMistralText
	case has(id, "cohere.command-r"):
		return FormatCohereCommandR
	case has(id, "cohere.command"):
		return FormatCohereCommand
	case has(id, "ai21.jamba"):
		return FormatAI21Jamba
	case has(id, "openai."):
		return FormatOpenAIChat
	}
	return ""
}

// SameRequestFormat reports whether an InvokeModel body written for model a can be sent
// unchanged to model b.
func SameRequestFormat(a, b string) bool {
	f := RequestFormat(a)
	return f != "" && f == RequestFormat(b)
}
