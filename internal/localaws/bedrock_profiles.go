package localaws

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Bedrock application inference profiles (restJson1): create (copying a foundation model
// in the region or a system-defined cross-region profile), delete, and the tagging
// operations. Get and List live in bedrock.go and serve these profiles from the store.
// Profiles are immutable except their tags, as in Bedrock.

func init() {
	RegisterBuiltin("bedrock",
		Operation{Name: "CreateInferenceProfile", Method: "POST", Path: "/inference-profiles", Status: http.StatusCreated, Handler: Handle(createInferenceProfile)},
		Operation{Name: "DeleteInferenceProfile", Method: "DELETE", Path: "/inference-profiles/{inferenceProfileIdentifier}", Handler: Handle(deleteInferenceProfile)},
		Operation{Name: "TagResource", Method: "POST", Path: "/tagResource", Handler: Handle(bedrockTagResource)},
		Operation{Name: "UntagResource", Method: "POST", Path: "/untagResource", Handler: Handle(bedrockUntagResource)},
		Operation{Name: "ListTagsForResource", Method: "POST", Path: "/listTagsForResource", Handler: Handle(bedrockListTagsForResource)},
	)
}

// kindClientToken remembers CreateInferenceProfile client tokens: id token, value ARN.
const kindClientToken = "bedrock:client-token"

var (
	profileNameRe        = regexp.MustCompile(`^([0-9a-zA-Z][ _-]?)+$`)
	profileDescriptionRe = regexp.MustCompile(`^([0-9a-zA-Z:.][ _-]?)+$`)
	bedrockTagKeyRe      = regexp.MustCompile(`^[a-zA-Z0-9\s._:/=+@-]*$`)
)

type bedrockTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type createInferenceProfileInput struct {
	InferenceProfileName *string `json:"inferenceProfileName"`
	Description          *string `json:"description"`
	ClientRequestToken   *string `json:"clientRequestToken"`
	ModelSource          *struct {
		CopyFrom *string `json:"copyFrom"`
	} `json:"modelSource"`
	Tags []bedrockTag `json:"tags"`
}

type createInferenceProfileOutput struct {
	InferenceProfileArn string `json:"inferenceProfileArn"`
	Status              string `json:"status"`
}

func bedrockTags(tags []bedrockTag) (map[string]string, error) {
	if len(tags) > 200 {
		return nil, bedrockValidation(fmt.Sprint(len(tags)), "tags", "Member must have length less than or equal to 200")
	}
	m := map[string]string{}
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || !bedrockTagKeyRe.MatchString(t.Key) {
			return nil, bedrockValidation(t.Key, "tags.member.key", `Member must satisfy regular expression pattern: ^[a-zA-Z0-9\s._:/=+@-]*$ and have length between 1 and 128`)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, ErrValidation("Tag keys starting with aws: are reserved for AWS use.")
		}
		if len(t.Value) > 256 || !bedrockTagKeyRe.MatchString(t.Value) {
			return nil, bedrockValidation(t.Value, "tags.member.value", `Member must satisfy regular expression pattern: ^[a-zA-Z0-9\s._:/=+@-]*$ and have length less than or equal to 256`)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

func createInferenceProfile(c *Call, in *createInferenceProfileInput) (*createInferenceProfileOutput, error) {
	if in.InferenceProfileName == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'inferenceProfileName' failed to satisfy constraint: Member must not be null")
	}
	name := *in.InferenceProfileName
	if len(name) < 1 || len(name) > 64 || !profileNameRe.MatchString(name) {
		return nil, bedrockValidation(name, "inferenceProfileName", "Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+ and have length between 1 and 64")
	}
	if in.Description != nil && (len(*in.Description) < 1 || len(*in.Description) > 200 || !profileDescriptionRe.MatchString(*in.Description)) {
		return nil, bedrockValidation(*in.Description, "description", "Member must satisfy regular expression pattern: ([0-9a-zA-Z:.][ _-]?)+ and have length between 1 and 200")
	}
	if in.ClientRequestToken != nil && (len(*in.ClientRequestToken) < 1 || len(*in.ClientRequestToken) > 256) {
		return nil, bedrockValidation(*in.ClientRequestToken, "clientRequestToken", "Member must have length between 1 and 256")
	}
	if in.ModelSource == nil || in.ModelSource.CopyFrom == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'modelSource' failed to satisfy constraint: Member must not be null")
	}
	tags, err := bedrockTags(in.Tags)
	if err != nil {
		return nil, err
	}

	if in.ClientRequestToken != nil {
		if arn, ok := GetAs[string](c.Store(), kindClientToken, *in.ClientRequestToken); ok {
			if p, ok := GetAs[InferenceProfile](c.Store(), KindInferenceProfile, arn); ok && p.Name == name {
				return &createInferenceProfileOutput{InferenceProfileArn: arn, Status: p.Status}, nil
			}
			return nil, ErrorStatus(http.StatusConflict, "ConflictException", "The client token %s was already used for a different request.", *in.ClientRequestToken)
		}
	}

	models, err := copySourceModels(c, *in.ModelSource.CopyFrom)
	if err != nil {
		return nil, err
	}
	for _, o := range c.Store().List(KindInferenceProfile) {
		if p := o.Value.(InferenceProfile); p.Region == c.Region && p.Name == name {
			return nil, ErrorStatus(http.StatusConflict, "ConflictException", "An inference profile with the name %s already exists.", name)
		}
	}
	now := time.Now().UTC()
	id := strings.ToLower(randomToken(12))
	p := InferenceProfile{
		Arn: fmt.Sprintf("arn:aws:bedrock:%s:%s:application-inference-profile/%s", c.Region, c.Account(), id),
		ID:  id, Name: name, Description: deref(in.Description), Region: c.Region, Type: "APPLICATION", Status: "ACTIVE",
		ModelArns: models, CreatedAt: now, UpdatedAt: now, Tags: tags,
	}
	if !c.Store().Create(KindInferenceProfile, p.Arn, p) {
		return nil, ErrInternal()
	}
	if in.ClientRequestToken != nil {
		c.Store().Put(kindClientToken, *in.ClientRequestToken, p.Arn)
	}
	return &createInferenceProfileOutput{InferenceProfileArn: p.Arn, Status: p.Status}, nil
}

// copySourceModels resolves copyFrom: a foundation-model ARN in the request's region, or
// a system-defined inference profile ARN there.
func copySourceModels(c *Call, copyFrom string) ([]string, error) {
	invalid := func() error {
		return ErrValidation("The provided model source %s is not a foundation model or a system-defined inference profile in %s.", copyFrom, c.Region)
	}
	if !strings.HasPrefix(copyFrom, "arn:") {
		return nil, invalid()
	}
	if i := strings.Index(copyFrom, ":foundation-model/"); i >= 0 {
		parts := strings.SplitN(copyFrom, ":", 6)
		if len(parts) < 6 {
			return nil, invalid()
		}
		m, ok := CatalogModelByID(copyFrom[i+len(":foundation-model/"):])
		if !ok || parts[3] != c.Region || !containsString(m.Regions, c.Region) {
			return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The model %s was not found in %s.", copyFrom, c.Region)
		}
		if !containsString(m.InferenceTypes, "ON_DEMAND") {
			return nil, errNotOnDemand()
		}
		return []string{FoundationModelARN(c.Region, m.ID)}, nil
	}
	if strings.Contains(copyFrom, ":inference-profile/") {
		p, ok := c.Server().findInferenceProfile(c.Region, copyFrom)
		if !ok || p.Type != "SYSTEM_DEFINED" {
			return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The inference profile %s was not found in %s.", copyFrom, c.Region)
		}
		return append([]string(nil), p.ModelArns...), nil
	}
	return nil, invalid()
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type deleteInferenceProfileInput struct {
	InferenceProfileIdentifier string `json:"-" path:"inferenceProfileIdentifier"`
}

func deleteInferenceProfile(c *Call, in *deleteInferenceProfileInput) (*struct{}, error) {
	p, ok := c.Server().findInferenceProfile(c.Region, in.InferenceProfileIdentifier)
	if !ok {
		return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "Inference profile %s not found.", in.InferenceProfileIdentifier)
	}
	if p.Type != "APPLICATION" {
		return nil, ErrValidation("Only application inference profiles can be deleted.")
	}
	if !c.Store().Delete(KindInferenceProfile, p.Arn) {
		return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "Inference profile %s not found.", in.InferenceProfileIdentifier)
	}
	return nil, nil
}

type bedrockTagResourceInput struct {
	ResourceARN *string      `json:"resourceARN"`
	Tags        []bedrockTag `json:"tags"`
}

type bedrockUntagResourceInput struct {
	ResourceARN *string  `json:"resourceARN"`
	TagKeys     []string `json:"tagKeys"`
}

type bedrockListTagsInput struct {
	ResourceARN *string `json:"resourceARN"`
}

type bedrockListTagsOutput struct {
	Tags []bedrockTag `json:"tags"`
}

// updateProfileTags changes the tags of an application profile under the store lock.
func updateProfileTags(c *Call, arn *string, fn func(tags map[string]string) error) error {
	if arn == nil || *arn == "" {
		return ErrValidation("1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := c.Store().Lookup(KindInferenceProfile, *arn); !ok {
		return ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The resource %s was not found.", *arn)
	}
	err := c.Store().Update(KindInferenceProfile, *arn, func(v any) (any, error) {
		p := v.(InferenceProfile)
		tags := make(map[string]string, len(p.Tags))
		for k, v := range p.Tags {
			tags[k] = v
		}
		if err := fn(tags); err != nil {
			return nil, err
		}
		p.Tags = tags
		return p, nil
	})
	if errors.Is(err, ErrNotFound) {
		return ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The resource %s was not found.", *arn)
	}
	return err
}

func bedrockTagResource(c *Call, in *bedrockTagResourceInput) (*struct{}, error) {
	add, err := bedrockTags(in.Tags)
	if err != nil {
		return nil, err
	}
	return nil, updateProfileTags(c, in.ResourceARN, func(tags map[string]string) error {
		for k, v := range add {
			tags[k] = v
		}
		if len(tags) > 200 {
			return ErrorStatus(http.StatusBadRequest, "TooManyTagsException", "The resource would have more than 200 tags.")
		}
		return nil
	})
}

func bedrockUntagResource(c *Call, in *bedrockUntagResourceInput) (*struct{}, error) {
	return nil, updateProfileTags(c, in.ResourceARN, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

func bedrockListTagsForResource(c *Call, in *bedrockListTagsInput) (*bedrockListTagsOutput, error) {
	if in.ResourceARN == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null")
	}
	v, ok := c.Store().Lookup(KindInferenceProfile, *in.ResourceARN)
	if !ok {
		return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The resource %s was not found.", *in.ResourceARN)
	}
	p := v.(InferenceProfile)
	out := &bedrockListTagsOutput{Tags: []bedrockTag{}}
	for _, k := range sortedKeys(p.Tags) {
		out.Tags = append(out.Tags, bedrockTag{Key: k, Value: p.Tags[k]})
	}
	return out, nil
}
