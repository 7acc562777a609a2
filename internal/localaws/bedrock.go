package localaws

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bedrock control plane (restJson1): the foundation-model catalog and inference profiles.
// System-defined profiles come from the catalog (catalog.go); application profiles live
// in the Store under KindInferenceProfile as InferenceProfile values keyed by ARN, so
// CreateInferenceProfile & co. only need to add them there.

func init() {
	RegisterBuiltin("bedrock",
		Operation{Name: "GetFoundationModel", Method: "GET", Path: "/foundation-models/{modelIdentifier}", Handler: Handle(getFoundationModel)},
		Operation{Name: "ListFoundationModels", Method: "GET", Path: "/foundation-models", Handler: Handle(listFoundationModels)},
		Operation{Name: "GetInferenceProfile", Method: "GET", Path: "/inference-profiles/{inferenceProfileIdentifier}", Handler: Handle(getInferenceProfile)},
		Operation{Name: "ListInferenceProfiles", Method: "GET", Path: "/inference-profiles", Handler: Handle(listInferenceProfiles)},
	)
}

// systemProfileCreated is the creation time reported for system-defined profiles.
var systemProfileCreated = time.Date(2024, 8, 27, 0, 0, 0, 0, time.UTC)

// InferenceProfile is an inference profile as Bedrock reports it. Application profiles
// are stored with this type (Region and Tags set); system-defined ones are built from
// the catalog.
type InferenceProfile struct {
	Arn         string
	ID          string
	Name        string
	Description string
	Region      string
	Type        string   // SYSTEM_DEFINED or APPLICATION
	Status      string   // ACTIVE
	ModelArns   []string // the foundation-model ARNs it routes to
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Tags        map[string]string
}

// FoundationModelID is the model an application profile copies (the first model ARN's
// model id); the Bedrock Runtime emulation resolves application profiles through it.
func (p InferenceProfile) FoundationModelID() string {
	if len(p.ModelArns) == 0 {
		return ""
	}
	a := p.ModelArns[0]
	return a[strings.Index(a, ":foundation-model/")+len(":foundation-model/"):]
}

// FoundationModelARN is the ARN of a foundation model in a region.
func FoundationModelARN(region, modelID string) string {
	return fmt.Sprintf("arn:aws:bedrock:%s::foundation-model/%s", region, modelID)
}

// CatalogModelByID finds a catalog model by id.
func CatalogModelByID(id string) (CatalogModel, bool) {
	for _, m := range FoundationModels {
		if m.ID == id {
			return m, true
		}
	}
	return CatalogModel{}, false
}

// SystemInferenceProfiles lists the system-defined profiles offered in a region.
func SystemInferenceProfiles(account, region string) []InferenceProfile {
	var out []InferenceProfile
	for _, g := range ProfileGeos {
		if !slices.Contains(g.Regions, region) {
			continue
		}
		for _, p := range SystemProfiles {
			if p.Geo != g.Prefix {
				continue
			}
			id := g.Prefix + "." + p.ModelID
			arns := make([]string, len(g.Regions))
			for i, r := range g.Regions {
				arns[i] = FoundationModelARN(r, p.ModelID)
			}
			m, _ := CatalogModelByID(p.ModelID)
			out = append(out, InferenceProfile{
				Arn: fmt.Sprintf("arn:aws:bedrock:%s:%s:inference-profile/%s", region, account, id), ID: id, Name: p.Name,
				Description: fmt.Sprintf("Routes requests to %s in %s.", m.Name, strings.Join(g.Regions, ", ")),
				Region:      region, Type: "SYSTEM_DEFINED", Status: "ACTIVE", ModelArns: arns,
				CreatedAt: systemProfileCreated, UpdatedAt: systemProfileCreated,
			})
		}
	}
	return out
}

// findInferenceProfile resolves a profile id or ARN in a region: system-defined ones
// from the catalog, application ones from the store (honouring invisibility).
func (s *Server) findInferenceProfile(region, ref string) (InferenceProfile, bool) {
	for _, p := range SystemInferenceProfiles(s.account, region) {
		if p.ID == ref || p.Arn == ref {
			return p, true
		}
	}
	arn := ref
	if !strings.HasPrefix(ref, "arn:") {
		arn = fmt.Sprintf("arn:aws:bedrock:%s:%s:application-inference-profile/%s", region, s.account, ref)
	}
	if v, ok := s.store.Lookup(KindInferenceProfile, arn); ok {
		if p, ok := v.(InferenceProfile); ok && p.Region == region {
			return p, true
		}
	}
	return InferenceProfile{}, false
}

// ResolveModel maps a runtime model reference (model id, foundation-model ARN, system or
// application profile id/ARN) in a region to the foundation model id, "" when unknown.
func (s *Server) ResolveModel(region, ref string) string {
	id := ref
	if i := strings.Index(ref, ":foundation-model/"); strings.HasPrefix(ref, "arn:") && i >= 0 {
		id = ref[i+len(":foundation-model/"):]
	}
	if m, ok := CatalogModelByID(id); ok && slices.Contains(m.Regions, region) {
		return m.ID
	}
	if p, ok := s.findInferenceProfile(region, ref); ok {
		return p.FoundationModelID()
	}
	return ""
}

// bedrockValidation is Bedrock's validation message shape.
func bedrockValidation(value, member, constraint string) *APIError {
	return ErrValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

var modelIdentifierRe = regexp.MustCompile(`^(arn:aws(-[^:]{1,12})?:bedrock:[a-z0-9-]{1,20}::foundation-model/)?[a-z0-9-]{1,63}[.]([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}$`)

type foundationModelLifecycle struct {
	Status string `json:"status"`
}

type foundationModelDetails struct {
	ModelArn                   string                   `json:"modelArn"`
	ModelID                    string                   `json:"modelId"`
	ModelName                  string                   `json:"modelName"`
	ProviderName               string                   `json:"providerName"`
	InputModalities            []string                 `json:"inputModalities"`
	OutputModalities           []string                 `json:"outputModalities"`
	ResponseStreamingSupported bool                     `json:"responseStreamingSupported"`
	CustomizationsSupported    []string                 `json:"customizationsSupported"`
	InferenceTypesSupported    []string                 `json:"inferenceTypesSupported"`
	ModelLifecycle             foundationModelLifecycle `json:"modelLifecycle"`
}

func modelDetails(region string, m CatalogModel) foundationModelDetails {
	custom := m.Customizations
	if custom == nil {
		custom = []string{}
	}
	return foundationModelDetails{
		ModelArn: FoundationModelARN(region, m.ID), ModelID: m.ID, ModelName: m.Name, ProviderName: m.Provider,
		InputModalities: m.Input, OutputModalities: m.Output, ResponseStreamingSupported: m.Streaming,
		CustomizationsSupported: custom, InferenceTypesSupported: m.InferenceTypes,
		ModelLifecycle: foundationModelLifecycle{Status: m.Status},
	}
}

type getFoundationModelInput struct {
	ModelIdentifier string `json:"-" path:"modelIdentifier"`
}

type getFoundationModelOutput struct {
	ModelDetails foundationModelDetails `json:"modelDetails"`
}

func getFoundationModel(c *Call, in *getFoundationModelInput) (*getFoundationModelOutput, error) {
	ref := in.ModelIdentifier
	if len(ref) < 1 || len(ref) > 140 || !modelIdentifierRe.MatchString(ref) {
		return nil, bedrockValidation(ref, "modelIdentifier", "Member must satisfy regular expression pattern: arn:aws(-[^:]{1,12})?:bedrock:[a-z0-9-]{1,20}::foundation-model/[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}|[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}")
	}
	id := ref
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 6)
		if parts[3] != c.Region {
			return nil, ErrValidation("The model ARN %s is not in region %s", ref, c.Region)
		}
		id = strings.TrimPrefix(parts[5], "foundation-model/")
	}
	m, ok := CatalogModelByID(id)
	if !ok || !slices.Contains(m.Regions, c.Region) {
		return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The model %s does not exist in region %s.", id, c.Region)
	}
	return &getFoundationModelOutput{ModelDetails: modelDetails(c.Region, m)}, nil
}

type listFoundationModelsInput struct {
	ByProvider          *string `json:"-" query:"byProvider"`
	ByCustomizationType *string `json:"-" query:"byCustomizationType"`
	ByOutputModality    *string `json:"-" query:"byOutputModality"`
	ByInferenceType     *string `json:"-" query:"byInferenceType"`
}

type listFoundationModelsOutput struct {
	ModelSummaries []foundationModelDetails `json:"modelSummaries"`
}

var providerRe = regexp.MustCompile(`^[A-Za-z0-9- ]{1,63}$`)

func checkEnum(member string, v *string, allowed ...string) *APIError {
	if v != nil && !slices.Contains(allowed, *v) {
		return bedrockValidation(*v, member, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	}
	return nil
}

func listFoundationModels(c *Call, in *listFoundationModelsInput) (*listFoundationModelsOutput, error) {
	if in.ByProvider != nil && !providerRe.MatchString(*in.ByProvider) {
		return nil, bedrockValidation(*in.ByProvider, "byProvider", "Member must satisfy regular expression pattern: [A-Za-z0-9- ]{1,63}")
	}
	if e := checkEnum("byCustomizationType", in.ByCustomizationType, "FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"); e != nil {
		return nil, e
	}
	if e := checkEnum("byOutputModality", in.ByOutputModality, "TEXT", "IMAGE", "EMBEDDING"); e != nil {
		return nil, e
	}
	if e := checkEnum("byInferenceType", in.ByInferenceType, "ON_DEMAND", "PROVISIONED"); e != nil {
		return nil, e
	}
	out := &listFoundationModelsOutput{ModelSummaries: []foundationModelDetails{}}
	for _, m := range FoundationModels {
		switch {
		case !slices.Contains(m.Regions, c.Region),
			in.ByProvider != nil && !strings.EqualFold(*in.ByProvider, m.Provider),
			in.ByCustomizationType != nil && !slices.Contains(m.Customizations, *in.ByCustomizationType),
			in.ByOutputModality != nil && !slices.Contains(m.Output, *in.ByOutputModality),
			in.ByInferenceType != nil && !slices.Contains(m.InferenceTypes, *in.ByInferenceType):
			continue
		}
		out.ModelSummaries = append(out.ModelSummaries, modelDetails(c.Region, m))
	}
	return out, nil
}

type inferenceProfileModel struct {
	ModelArn string `json:"modelArn"`
}

// inferenceProfileJSON is GetInferenceProfile's output and ListInferenceProfiles' item.
type inferenceProfileJSON struct {
	InferenceProfileName string                  `json:"inferenceProfileName"`
	Description          string                  `json:"description,omitempty"`
	CreatedAt            time.Time               `json:"createdAt"`
	UpdatedAt            time.Time               `json:"updatedAt"`
	InferenceProfileArn  string                  `json:"inferenceProfileArn"`
	Models               []inferenceProfileModel `json:"models"`
	InferenceProfileID   string                  `json:"inferenceProfileId"`
	Status               string                  `json:"status"`
	Type                 string                  `json:"type"`
}

// InferenceProfileJSON renders a profile as Bedrock's JSON (for later operations such
// as CreateInferenceProfile's siblings).
func inferenceProfileToJSON(p InferenceProfile) inferenceProfileJSON {
	models := make([]inferenceProfileModel, len(p.ModelArns))
	for i, a := range p.ModelArns {
		models[i] = inferenceProfileModel{ModelArn: a}
	}
	return inferenceProfileJSON{
		InferenceProfileName: p.Name, Description: p.Description, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		InferenceProfileArn: p.Arn, Models: models, InferenceProfileID: p.ID, Status: p.Status, Type: p.Type,
	}
}

var inferenceProfileIdentifierRe = regexp.MustCompile(`^(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|application-inference-profile)/)?[a-zA-Z0-9-:.]+$`)

type getInferenceProfileInput struct {
	InferenceProfileIdentifier string `json:"-" path:"inferenceProfileIdentifier"`
}

func getInferenceProfile(c *Call, in *getInferenceProfileInput) (*inferenceProfileJSON, error) {
	ref := in.InferenceProfileIdentifier
	if len(ref) < 1 || len(ref) > 2048 || !inferenceProfileIdentifierRe.MatchString(ref) {
		return nil, bedrockValidation(ref, "inferenceProfileIdentifier", "Member must satisfy regular expression pattern: (arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|application-inference-profile)/)?[a-zA-Z0-9-:.]+")
	}
	p, ok := c.Server().findInferenceProfile(c.Region, ref)
	if !ok {
		return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "Inference profile %s not found.", ref)
	}
	out := inferenceProfileToJSON(p)
	return &out, nil
}

type listInferenceProfilesInput struct {
	MaxResults *int32  `json:"-" query:"maxResults"`
	NextToken  *string `json:"-" query:"nextToken"`
	TypeEquals *string `json:"-" query:"type"`
}

type listInferenceProfilesOutput struct {
	InferenceProfileSummaries []inferenceProfileJSON `json:"inferenceProfileSummaries"`
	NextToken                 *string                `json:"nextToken,omitempty"`
}

func listInferenceProfiles(c *Call, in *listInferenceProfilesInput) (*listInferenceProfilesOutput, error) {
	if e := checkEnum("typeEquals", in.TypeEquals, "SYSTEM_DEFINED", "APPLICATION"); e != nil {
		return nil, e
	}
	limit := 1000
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, bedrockValidation(fmt.Sprint(*in.MaxResults), "maxResults", "Member must have value between 1 and 1000")
		}
		limit = int(*in.MaxResults)
	}
	var all []InferenceProfile
	if in.TypeEquals == nil || *in.TypeEquals == "SYSTEM_DEFINED" {
		all = append(all, SystemInferenceProfiles(c.Account(), c.Region)...)
	}
	if in.TypeEquals == nil || *in.TypeEquals == "APPLICATION" {
		for _, o := range c.Store().ListVisible(KindInferenceProfile) {
			if p, ok := o.Value.(InferenceProfile); ok && p.Region == c.Region {
				all = append(all, p)
			}
		}
	}
	start, err := pageStart(in.NextToken, len(all))
	if err != nil {
		return nil, err
	}
	out := &listInferenceProfilesOutput{InferenceProfileSummaries: []inferenceProfileJSON{}}
	end := min(start+limit, len(all))
	for _, p := range all[start:end] {
		out.InferenceProfileSummaries = append(out.InferenceProfileSummaries, inferenceProfileToJSON(p))
	}
	if end < len(all) {
		out.NextToken = new(string)
		*out.NextToken = PageToken(end)
	}
	return out, nil
}

// PageToken and pageStart implement opaque offset pagination tokens for list handlers.
func PageToken(offset int) string { return "lt1." + strconv.Itoa(offset) }

func pageStart(token *string, n int) (int, error) {
	if token == nil || *token == "" {
		return 0, nil
	}
	v, ok := strings.CutPrefix(*token, "lt1.")
	i, err := strconv.Atoi(v)
	if !ok || err != nil || i < 0 || i > n {
		return 0, ErrValidation("Invalid pagination token: %s", *token)
	}
	return i, nil
}

// PageStart parses a token made by PageToken (0 for none); an invalid token is a
// ValidationException. Services with another error code for bad tokens wrap it.
func PageStart(token *string, n int) (int, error) { return pageStart(token, n) }
