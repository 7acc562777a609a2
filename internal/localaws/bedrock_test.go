package localaws_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func bedrockClient(t *testing.T, region string) (*localaws.Server, *bedrock.Client) {
	t.Helper()
	s, cfg := start(t)
	cfg.Region = region
	return s, bedrock.NewFromConfig(cfg)
}

func TestBedrockGetFoundationModel(t *testing.T) {
	t.Parallel()
	_, c := bedrockClient(t, "eu-west-3")
	ctx := context.Background()
	for _, ref := range []string{
		"anthropic.claude-3-7-sonnet-20250219-v1:0",
		"arn:aws:bedrock:eu-west-3::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0",
	} {
		out, err := c.GetFoundationModel(ctx, &bedrock.GetFoundationModelInput{ModelIdentifier: aws.String(ref)})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		d := out.ModelDetails
		if aws.ToString(d.ModelArn) != "arn:aws:bedrock:eu-west-3::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0" ||
			aws.ToString(d.ProviderName) != "Anthropic" || !aws.ToBool(d.ResponseStreamingSupported) ||
			d.ModelLifecycle == nil || d.ModelLifecycle.Status != types.FoundationModelLifecycleStatusActive ||
			!slices.Contains(d.InferenceTypesSupported, types.InferenceType("INFERENCE_PROFILE")) {
			t.Fatalf("%s: details = %+v", ref, d)
		}
	}
}

func TestBedrockGetFoundationModelErrors(t *testing.T) {
	t.Parallel()
	_, c := bedrockClient(t, "eu-west-1")
	cases := []struct {
		name, ref string
		check     func(error) bool
	}{
		// Claude 3.5 Haiku is offered in US regions only.
		{"not in region", "anthropic.claude-3-5-haiku-20241022-v1:0", func(err error) bool { var e *types.ResourceNotFoundException; return errors.As(err, &e) }},
		{"unknown model", "acme.unknown-model-v1:0", func(err error) bool { var e *types.ResourceNotFoundException; return errors.As(err, &e) }},
		{"bad identifier", "Not_A_Model", func(err error) bool { var e *types.ValidationException; return errors.As(err, &e) }},
		{"arn of another region", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", func(err error) bool { var e *types.ValidationException; return errors.As(err, &e) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.GetFoundationModel(context.Background(), &bedrock.GetFoundationModelInput{ModelIdentifier: aws.String(tc.ref)})
			if !tc.check(err) {
				t.Fatalf("error = %v", err)
			}
		})
	}
}

func TestBedrockListFoundationModelsFilters(t *testing.T) {
	t.Parallel()
	_, c := bedrockClient(t, "us-east-1")
	ctx := context.Background()
	all, err := c.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.ModelSummaries) < 8 {
		t.Fatalf("got %d models in us-east-1", len(all.ModelSummaries))
	}
	meta, err := c.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{ByProvider: aws.String("meta")})
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.ModelSummaries) != 3 {
		t.Fatalf("meta models = %d", len(meta.ModelSummaries))
	}
	for _, m := range meta.ModelSummaries {
		if !strings.HasPrefix(aws.ToString(m.ModelId), "meta.") {
			t.Fatalf("provider filter let through %s", aws.ToString(m.ModelId))
		}
	}
	emb, err := c.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{ByOutputModality: types.ModelModalityEmbedding})
	if err != nil {
		t.Fatal(err)
	}
	if len(emb.ModelSummaries) != 1 || aws.ToString(emb.ModelSummaries[0].ModelId) != "amazon.titan-embed-text-v2:0" {
		t.Fatalf("embedding models = %+v", emb.ModelSummaries)
	}
	_, err = c.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{ByOutputModality: "SMELL"})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("bad enum: %v", err)
	}
}

func TestBedrockSystemInferenceProfiles(t *testing.T) {
	t.Parallel()
	_, c := bedrockClient(t, "eu-central-1")
	ctx := context.Background()
	out, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("eu.anthropic.claude-3-7-sonnet-20250219-v1:0")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Type != types.InferenceProfileTypeSystemDefined || out.Status != types.InferenceProfileStatusActive ||
		aws.ToString(out.InferenceProfileArn) != "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0" ||
		len(out.Models) != 3 || out.CreatedAt == nil || out.CreatedAt.Year() != 2024 {
		t.Fatalf("profile = %+v", out)
	}
	var regions []string
	for _, m := range out.Models {
		regions = append(regions, strings.Split(aws.ToString(m.ModelArn), ":")[3])
	}
	if !slices.Equal(regions, []string{"eu-central-1", "eu-west-1", "eu-west-3"}) {
		t.Fatalf("routes to %v", regions)
	}
	// By ARN too.
	if _, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: out.InferenceProfileArn}); err != nil {
		t.Fatal(err)
	}
	// A US profile does not exist in an EU region.
	_, err = c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("us.anthropic.claude-3-haiku-20240307-v1:0")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("us profile in eu: %v", err)
	}
	_, err = c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("bad/id")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("bad id: %v", err)
	}
}

func TestBedrockListInferenceProfilesPaginates(t *testing.T) {
	t.Parallel()
	s, c := bedrockClient(t, "us-west-2")
	ctx := context.Background()
	// One application profile in the store: listed for APPLICATION, not for SYSTEM_DEFINED.
	now := time.Now()
	s.Store().Put(localaws.KindInferenceProfile, "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc123def456", localaws.InferenceProfile{
		Arn: "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc123def456", ID: "abc123def456", Name: "team-a",
		Region: "us-west-2", Type: "APPLICATION", Status: "ACTIVE", CreatedAt: now, UpdatedAt: now,
		ModelArns: []string{localaws.FoundationModelARN("us-west-2", "amazon.nova-lite-v1:0")},
	})
	var ids []string
	p := bedrock.NewListInferenceProfilesPaginator(c, &bedrock.ListInferenceProfilesInput{TypeEquals: types.InferenceProfileTypeSystemDefined, MaxResults: aws.Int32(4)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.InferenceProfileSummaries {
			if s.Type != types.InferenceProfileTypeSystemDefined || !strings.HasPrefix(aws.ToString(s.InferenceProfileId), "us.") && !strings.HasPrefix(aws.ToString(s.InferenceProfileId), "global.") {
				t.Fatalf("unexpected profile %s %s", aws.ToString(s.InferenceProfileId), s.Type)
			}
			ids = append(ids, aws.ToString(s.InferenceProfileId))
		}
	}
	if want := len(localaws.SystemInferenceProfiles("123456789012", "us-west-2")); len(ids) != want || want < 20 || pages != (want+3)/4 {
		t.Fatalf("got %d profiles in %d pages: %v", len(ids), pages, ids)
	}
	app, err := c.ListInferenceProfiles(ctx, &bedrock.ListInferenceProfilesInput{TypeEquals: types.InferenceProfileTypeApplication})
	if err != nil {
		t.Fatal(err)
	}
	if len(app.InferenceProfileSummaries) != 1 || aws.ToString(app.InferenceProfileSummaries[0].InferenceProfileName) != "team-a" {
		t.Fatalf("application profiles = %+v", app.InferenceProfileSummaries)
	}
	got, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("abc123def456")})
	if err != nil || got.Type != types.InferenceProfileTypeApplication {
		t.Fatalf("get application profile by id: %v %+v", err, got)
	}
	_, err = c.ListInferenceProfiles(ctx, &bedrock.ListInferenceProfilesInput{MaxResults: aws.Int32(5000)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("maxResults 5000: %v", err)
	}
}

func TestBedrockUnknownOperation(t *testing.T) {
	t.Parallel()
	_, c := bedrockClient(t, "us-east-1")
	// ListCustomModels is a real Bedrock operation bedgov never calls.
	_, err := c.ListCustomModels(context.Background(), &bedrock.ListCustomModelsInput{})
	wantAPIError(t, err, "UnknownOperationException")
}
