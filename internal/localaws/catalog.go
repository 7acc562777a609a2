package localaws

// The seeded Bedrock catalog: foundation models and system-defined cross-region inference
// profiles. Extend these tables to add models; every Bedrock operation reads them.

// CatalogModel is one foundation model.
type CatalogModel struct {
	ID             string
	Name           string
	Provider       string
	Input, Output  []string // TEXT, IMAGE, EMBEDDING, ...
	Streaming      bool
	InferenceTypes []string // ON_DEMAND, INFERENCE_PROFILE, PROVISIONED
	Customizations []string // FINE_TUNING, CONTINUED_PRE_TRAINING, DISTILLATION
	Regions        []string // where the model is offered
	Status         string   // ACTIVE or LEGACY
}

// ProfileGeo is a geography of system-defined inference profiles: profiles with its
// prefix exist in each of its regions and route requests to all of them.
type ProfileGeo struct {
	Prefix  string // "us", "eu"
	Label   string // "US", "EU"
	Regions []string
}

// CatalogProfile is a system-defined cross-region inference profile: ID is
// Geo + "." + ModelID.
type CatalogProfile struct {
	Geo     string
	ModelID string
	Name    string
}

var (
	usRegions  = []string{"us-east-1", "us-east-2", "us-west-2"}
	euRegions  = []string{"eu-central-1", "eu-west-1", "eu-west-3"}
	allRegions = []string{"us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "eu-west-3"}
	textImage  = []string{"TEXT", "IMAGE"}
	text       = []string{"TEXT"}
	onDemand   = []string{"ON_DEMAND"}
	profileOD  = []string{"ON_DEMAND", "INFERENCE_PROFILE"}
	profileOn  = []string{"INFERENCE_PROFILE"}
)

// ProfileGeos are the geographies of system-defined profiles.
var ProfileGeos = []ProfileGeo{
	{Prefix: "us", Label: "US", Regions: usRegions},
	{Prefix: "eu", Label: "EU", Regions: euRegions},
	// global. profiles route to every commercial Region (the emulator's six).
	{Prefix: "global", Label: "Global", Regions: allRegions},
}

// FoundationModels is the model catalog. Lifecycle states follow governance's pricing
// catalog (pricing.json): Claude 3.5 Sonnet is LEGACY; models past their end of life
// (Claude 3.5 Haiku, Nova Premier) are gone, as on Bedrock.
var FoundationModels = []CatalogModel{
	{ID: "anthropic.claude-sonnet-4-6", Name: "Claude Sonnet 4.6", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Name: "Claude Sonnet 4.5", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-haiku-4-5-20251001-v1:0", Name: "Claude Haiku 4.5", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-opus-4-5-20251101-v1:0", Name: "Claude Opus 4.5", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-opus-4-6-v1", Name: "Claude Opus 4.6", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-sonnet-4-20250514-v1:0", Name: "Claude Sonnet 4", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-opus-4-20250514-v1:0", Name: "Claude Opus 4", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: usRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-3-5-sonnet-20240620-v1:0", Name: "Claude 3.5 Sonnet", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOD, Regions: usRegions, Status: "LEGACY"},
	{ID: "amazon.nova-2-lite-v1:0", Name: "Nova 2 Lite", Provider: "Amazon", Input: []string{"TEXT", "IMAGE", "VIDEO"}, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "openai.gpt-oss-120b-1:0", Name: "gpt-oss-120b", Provider: "OpenAI", Input: text, Output: text, Streaming: true, InferenceTypes: onDemand, Regions: allRegions, Status: "ACTIVE"},
	{ID: "openai.gpt-oss-20b-1:0", Name: "gpt-oss-20b", Provider: "OpenAI", Input: text, Output: text, Streaming: true, InferenceTypes: onDemand, Regions: allRegions, Status: "ACTIVE"},
	{ID: "meta.llama4-maverick-17b-instruct-v1:0", Name: "Llama 4 Maverick 17B Instruct", Provider: "Meta", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: usRegions, Status: "ACTIVE"},
	{ID: "amazon.nova-canvas-v1:0", Name: "Nova Canvas", Provider: "Amazon", Input: textImage, Output: []string{"IMAGE"}, Streaming: false, InferenceTypes: onDemand, Regions: []string{"us-east-1", "eu-west-1"}, Status: "ACTIVE"},
	{ID: "anthropic.claude-3-haiku-20240307-v1:0", Name: "Claude 3 Haiku", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOD, Customizations: []string{"FINE_TUNING"}, Regions: allRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-3-5-sonnet-20241022-v2:0", Name: "Claude 3.5 Sonnet v2", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOD, Regions: usRegions, Status: "ACTIVE"},
	{ID: "anthropic.claude-3-7-sonnet-20250219-v1:0", Name: "Claude 3.7 Sonnet", Provider: "Anthropic", Input: textImage, Output: text, Streaming: true, InferenceTypes: profileOn, Regions: allRegions, Status: "ACTIVE"},
	{ID: "openai.gpt-oss-20b-1:0", Name: "gpt-oss-20b", Provider: "OpenAI", Input: text, Output: text, Streaming: true, InferenceTypes: onDemand, Regions: usRegions, Status: "ACTIVE"},
	{ID: "openai.gpt-oss-120b-1:0", Name: "gpt-oss-120b", Provider: "OpenAI", Input: text, Output: text, Streaming: true, InferenceTypes: onDemand, Regions: usRegions, Status: "ACTIVE"},
	{ID: "amazon.nova-micro-v1:0", Name: "Nova Micro", Provider: "Amazon", Input: text, Output: text, Streaming: true, InferenceTypes: profileOD, Customizations: []string{"FINE_TUNING", "DISTILLATION"}, Regions: allRegions, Status: "ACTIVE"},
	{ID: "amazon.nova-lite-v1:0", Name: "Nova Lite", Provider: "Amazon", Input: []string{"TEXT", "IMAGE", "VIDEO"}, Output: text, Streaming: true, InferenceTypes: profileOD, Customizations: []string{"FINE_TUNING", "DISTILLATION"}, Regions: allRegions, Status: "ACTIVE"},
	{ID: "amazon.nova-pro-v1:0", Name: "Nova Pro", Provider: "Amazon", Input: []string{"TEXT", "IMAGE", "VIDEO"}, Output: text, Streaming: true, InferenceTypes: profileOD, Customizations: []string{"FINE_TUNING", "DISTILLATION"}, Regions: allRegions, Status: "ACTIVE"},
	{ID: "amazon.titan-text-express-v1", Name: "Titan Text G1 - Express", Provider: "Amazon", Input: text, Output: text, Streaming: true, InferenceTypes: onDemand, Customizations: []string{"FINE_TUNING", "CONTINUED_PRE_TRAINING"}, Regions: []string{"us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "eu-west-3"}, Status: "ACTIVE"},
	{ID: "amazon.titan-embed-text-v2:0", Name: "Titan Text Embeddings V2", Provider: "Amazon", Input: text, Output: []string{"EMBEDDING"}, Streaming: false, InferenceTypes: onDemand, Regions: allRegions, Status: "ACTIVE"},
	{ID: "meta.llama3-1-8b-instruct-v1:0", Name: "Llama 3.1 8B Instruct", Provider: "Meta", Input: text, Output: text, Streaming: true, InferenceTypes: profileOD, Customizations: []string{"FINE_TUNING"}, Regions: usRegions, Status: "ACTIVE"},
	{ID: "meta.llama3-1-70b-instruct-v1:0", Name: "Llama 3.1 70B Instruct", Provider: "Meta", Input: text, Output: text, Streaming: true, InferenceTypes: profileOD, Customizations: []string{"FINE_TUNING"}, Regions: usRegions, Status: "ACTIVE"},
}

// SystemProfiles is the catalog of system-defined cross-region inference profiles (the
// geographies pricing.json lists per model, where the emulator has them).
var SystemProfiles = []CatalogProfile{
	{Geo: "global", ModelID: "anthropic.claude-sonnet-4-6", Name: "Global Anthropic Claude Sonnet 4.6"},
	{Geo: "us", ModelID: "anthropic.claude-sonnet-4-6", Name: "US Anthropic Claude Sonnet 4.6"},
	{Geo: "eu", ModelID: "anthropic.claude-sonnet-4-6", Name: "EU Anthropic Claude Sonnet 4.6"},
	{Geo: "global", ModelID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Name: "Global Anthropic Claude Sonnet 4.5"},
	{Geo: "us", ModelID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Name: "US Anthropic Claude Sonnet 4.5"},
	{Geo: "eu", ModelID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Name: "EU Anthropic Claude Sonnet 4.5"},
	{Geo: "global", ModelID: "anthropic.claude-haiku-4-5-20251001-v1:0", Name: "Global Anthropic Claude Haiku 4.5"},
	{Geo: "us", ModelID: "anthropic.claude-haiku-4-5-20251001-v1:0", Name: "US Anthropic Claude Haiku 4.5"},
	{Geo: "eu", ModelID: "anthropic.claude-haiku-4-5-20251001-v1:0", Name: "EU Anthropic Claude Haiku 4.5"},
	{Geo: "global", ModelID: "anthropic.claude-opus-4-5-20251101-v1:0", Name: "Global Anthropic Claude Opus 4.5"},
	{Geo: "us", ModelID: "anthropic.claude-opus-4-5-20251101-v1:0", Name: "US Anthropic Claude Opus 4.5"},
	{Geo: "eu", ModelID: "anthropic.claude-opus-4-5-20251101-v1:0", Name: "EU Anthropic Claude Opus 4.5"},
	{Geo: "global", ModelID: "anthropic.claude-opus-4-6-v1", Name: "Global Anthropic Claude Opus 4.6"},
	{Geo: "us", ModelID: "anthropic.claude-opus-4-6-v1", Name: "US Anthropic Claude Opus 4.6"},
	{Geo: "eu", ModelID: "anthropic.claude-opus-4-6-v1", Name: "EU Anthropic Claude Opus 4.6"},
	{Geo: "global", ModelID: "anthropic.claude-sonnet-4-20250514-v1:0", Name: "Global Anthropic Claude Sonnet 4"},
	{Geo: "us", ModelID: "anthropic.claude-sonnet-4-20250514-v1:0", Name: "US Anthropic Claude Sonnet 4"},
	{Geo: "us", ModelID: "anthropic.claude-opus-4-20250514-v1:0", Name: "US Anthropic Claude Opus 4"},
	{Geo: "global", ModelID: "amazon.nova-2-lite-v1:0", Name: "Global Amazon Nova 2 Lite"},
	{Geo: "us", ModelID: "amazon.nova-2-lite-v1:0", Name: "US Amazon Nova 2 Lite"},
	{Geo: "us", ModelID: "meta.llama4-maverick-17b-instruct-v1:0", Name: "US Meta Llama 4 Maverick 17B Instruct"},
	{Geo: "us", ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Name: "US Anthropic Claude 3 Haiku"},
	{Geo: "us", ModelID: "anthropic.claude-3-5-sonnet-20241022-v2:0", Name: "US Anthropic Claude 3.5 Sonnet v2"},
	{Geo: "us", ModelID: "anthropic.claude-3-7-sonnet-20250219-v1:0", Name: "US Anthropic Claude 3.7 Sonnet"},
	{Geo: "us", ModelID: "amazon.nova-micro-v1:0", Name: "US Nova Micro"},
	{Geo: "us", ModelID: "amazon.nova-lite-v1:0", Name: "US Nova Lite"},
	{Geo: "us", ModelID: "amazon.nova-pro-v1:0", Name: "US Nova Pro"},
	{Geo: "us", ModelID: "meta.llama3-1-8b-instruct-v1:0", Name: "US Meta Llama 3.1 8B Instruct"},
	{Geo: "us", ModelID: "meta.llama3-1-70b-instruct-v1:0", Name: "US Meta Llama 3.1 70B Instruct"},
	{Geo: "eu", ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Name: "EU Anthropic Claude 3 Haiku"},
	{Geo: "eu", ModelID: "anthropic.claude-3-7-sonnet-20250219-v1:0", Name: "EU Anthropic Claude 3.7 Sonnet"},
	{Geo: "eu", ModelID: "amazon.nova-micro-v1:0", Name: "EU Nova Micro"},
	{Geo: "eu", ModelID: "amazon.nova-lite-v1:0", Name: "EU Nova Lite"},
	{Geo: "eu", ModelID: "amazon.nova-pro-v1:0", Name: "EU Nova Pro"},
}
