package awsops

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// systemProfilePrefix matches the geography prefix of a system-defined cross-region
// inference profile id, such as us.anthropic.claude-3-5-sonnet-20241022-v2:0.
var systemProfilePrefix = regexp.MustCompile(`^(us|eu|apac|us-gov|ca|jp|au|global)\.`)

// ModelSource is what an application inference profile copies from.
type ModelSource struct {
	ARN         string // foundation-model or system-defined inference-profile ARN
	IsProfile   bool   // a system-defined cross-region profile
	DisplayName string // the model id or profile id
	// Models are the foundation-model ARNs a profile copied from this source routes to:
	// the model itself, or one per Region of a cross-region profile.
	Models []string
}

// ResolveModel accepts a model id, a foundation-model ARN, a system-defined profile id
// or its ARN, checks that it exists in region, and returns the ARN to copy from.
func ResolveModel(ctx context.Context, c *bedrock.Client, region, model string) (ModelSource, error) {
	id := model
	kind := ""
	if strings.HasPrefix(model, "arn:") {
		a, err := arn.Parse(model)
		if err != nil || a.Service != "bedrock" {
			return ModelSource{}, fmt.Errorf("%q is not a Bedrock ARN", model)
		}
		if a.Region != region {
			return ModelSource{}, fmt.Errorf("%q is in region %s but the provider is configured for %s; "+
				"use a model in %s or configure the provider for %s", model, a.Region, region, region, a.Region)
		}
		switch {
		case strings.HasPrefix(a.Resource, "foundation-model/"):
			kind, id = "model", strings.TrimPrefix(a.Resource, "foundation-model/")
		case strings.HasPrefix(a.Resource, "inference-profile/"):
			kind, id = "profile", strings.TrimPrefix(a.Resource, "inference-profile/")
		default:
			return ModelSource{}, fmt.Errorf("%q is neither a foundation model nor a system-defined inference profile", model)
		}
	} else if systemProfilePrefix.MatchString(model) {
		kind = "profile"
	} else {
		kind = "model"
	}

	tflog.Debug(ctx, "resolving Bedrock model", map[string]any{"model": model, "kind": kind, "region": region})
	if kind == "profile" {
		out, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(id)})
		if err != nil {
			if hasCode(err, "ResourceNotFoundException", "ValidationException") {
				return ModelSource{}, fmt.Errorf("inference profile %q is not available in region %s", id, region)
			}
			return ModelSource{}, err
		}
		if out.Type != types.InferenceProfileTypeSystemDefined {
			return ModelSource{}, fmt.Errorf("%q is an application inference profile; give a foundation model or a system-defined profile", id)
		}
		return ModelSource{ARN: aws.ToString(out.InferenceProfileArn), IsProfile: true, DisplayName: id, Models: ModelARNs(out)}, nil
	}
	out, err := c.GetFoundationModel(ctx, &bedrock.GetFoundationModelInput{ModelIdentifier: aws.String(id)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException", "ValidationException") {
			return ModelSource{}, fmt.Errorf("model %q is not available in region %s", id, region)
		}
		return ModelSource{}, err
	}
	if out.ModelDetails == nil {
		return ModelSource{}, fmt.Errorf("model %q: Bedrock returned no details", id)
	}
	if err := requireOnDemand(ctx, c, region, id, out.ModelDetails); err != nil {
		return ModelSource{}, err
	}
	modelARN := aws.ToString(out.ModelDetails.ModelArn)
	return ModelSource{ARN: modelARN, DisplayName: id, Models: []string{modelARN}}, nil
}

// FindInferenceProfile returns a profile by id or ARN, or ErrNotFound.
func FindInferenceProfile(ctx context.Context, c *bedrock.Client, id string) (*bedrock.GetInferenceProfileOutput, error) {
	out, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(id)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out, nil
}

// CreateInferenceProfile creates an application inference profile, retrying Bedrock's
// ConflictException, and returns its ARN and id.
func CreateInferenceProfile(ctx context.Context, c *bedrock.Client, name, copyFrom, description string, tags map[string]string) (string, string, error) {
	in := &bedrock.CreateInferenceProfileInput{
		InferenceProfileName: aws.String(name),
		ModelSource:          &types.InferenceProfileModelSourceMemberCopyFrom{Value: copyFrom},
		Description:          aws.String(description),
		Tags:                 bedrockTags(tags),
		ClientRequestToken:   aws.String(clientToken()),
	}
	var out *bedrock.CreateInferenceProfileOutput
	tflog.Debug(ctx, "creating Bedrock application inference profile", map[string]any{"name": name, "copy_from": copyFrom})
	err := retry(ctx, "bedrock.CreateInferenceProfile", PropagationTimeout, isConflict, func() (err error) {
		out, err = c.CreateInferenceProfile(ctx, in)
		return err
	})
	if err != nil {
		return "", "", err
	}
	profileARN := aws.ToString(out.InferenceProfileArn)
	return profileARN, profileIDFromARN(profileARN), nil
}

func isConflict(err error) bool { return hasCode(err, "ConflictException") }

// DeleteInferenceProfile deletes a profile; already gone is done.
func DeleteInferenceProfile(ctx context.Context, c *bedrock.Client, id string) error {
	tflog.Debug(ctx, "deleting Bedrock inference profile", map[string]any{"id": id})
	err := retry(ctx, "bedrock.DeleteInferenceProfile", PropagationTimeout, isConflict, func() error {
		_, err := c.DeleteInferenceProfile(ctx, &bedrock.DeleteInferenceProfileInput{InferenceProfileIdentifier: aws.String(id)})
		return err
	})
	if hasCode(err, "ResourceNotFoundException") {
		return nil
	}
	return err
}

// ProfileTags lists a Bedrock resource's tags.
func ProfileTags(ctx context.Context, c *bedrock.Client, resourceARN string) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &bedrock.ListTagsForResourceInput{ResourceARN: aws.String(resourceARN)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return tagMap(out.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

// ProfileTagger tags Bedrock resources (inference profiles) by ARN.
func ProfileTagger(c *bedrock.Client) Tagger {
	return Tagger{Service: "bedrock",
		List: func(ctx context.Context, arn string) (map[string]string, error) { return ProfileTags(ctx, c, arn) },
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &bedrock.TagResourceInput{ResourceARN: aws.String(arn), Tags: bedrockTags(set)})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &bedrock.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// ListApplicationProfiles lists every application inference profile whose name starts
// with prefix.
func ListApplicationProfiles(ctx context.Context, c *bedrock.Client, prefix string) ([]types.InferenceProfileSummary, error) {
	var found []types.InferenceProfileSummary
	p := bedrock.NewListInferenceProfilesPaginator(c, &bedrock.ListInferenceProfilesInput{TypeEquals: types.InferenceProfileTypeApplication})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.InferenceProfileSummaries {
			if strings.HasPrefix(aws.ToString(s.InferenceProfileName), prefix) {
				found = append(found, s)
			}
		}
	}
	return found, nil
}

func bedrockTags(tags map[string]string) []types.Tag {
	return tagList(tags, func(k, v *string) types.Tag { return types.Tag{Key: k, Value: v} })
}

// profileIDFromARN is the last path element of an inference profile ARN.
func profileIDFromARN(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// ModelARNs lists the foundation-model ARNs a profile routes to.
func ModelARNs(p *bedrock.GetInferenceProfileOutput) []string {
	out := make([]string, 0, len(p.Models))
	for _, m := range p.Models {
		out = append(out, aws.ToString(m.ModelArn))
	}
	return out
}
