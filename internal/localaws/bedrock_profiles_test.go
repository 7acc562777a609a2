package localaws_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func TestBedrockApplicationProfileLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := bedrock.NewFromConfig(cfg)
	ctx := context.Background()

	created, err := c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{
		InferenceProfileName: aws.String("bedgov-ai-core-1a2b3c4d"),
		Description:          aws.String("bedgov team ai-core"),
		ModelSource:          &types.InferenceProfileModelSourceMemberCopyFrom{Value: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"},
		Tags:                 []types.Tag{{Key: aws.String("team"), Value: aws.String("ai-core")}},
		ClientRequestToken:   aws.String("token-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.InferenceProfileArn)
	if !strings.HasPrefix(arn, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/") || created.Status != types.InferenceProfileStatusActive {
		t.Fatalf("created = %s %s", arn, created.Status)
	}
	if !s.Store().Exists(localaws.KindInferenceProfile, arn) {
		t.Fatal("profile not in the store")
	}

	// The same client token is the same request: no second profile.
	again, err := c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{
		InferenceProfileName: aws.String("bedgov-ai-core-1a2b3c4d"),
		ModelSource:          &types.InferenceProfileModelSourceMemberCopyFrom{Value: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"},
		ClientRequestToken:   aws.String("token-1"),
	})
	if err != nil || aws.ToString(again.InferenceProfileArn) != arn {
		t.Fatalf("idempotent retry = %v, %v", again, err)
	}
	// The same name with another token conflicts.
	_, err = c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{
		InferenceProfileName: aws.String("bedgov-ai-core-1a2b3c4d"),
		ModelSource:          &types.InferenceProfileModelSourceMemberCopyFrom{Value: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"},
	})
	var conflict *types.ConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("duplicate name: %v", err)
	}

	got, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != types.InferenceProfileTypeApplication || len(got.Models) != 3 {
		t.Fatalf("got type %s with %d models, want APPLICATION routing to 3 US regions", got.Type, len(got.Models))
	}
	list, err := c.ListInferenceProfiles(ctx, &bedrock.ListInferenceProfilesInput{TypeEquals: types.InferenceProfileTypeApplication})
	if err != nil || len(list.InferenceProfileSummaries) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}

	// Tags change in place.
	if _, err := c.TagResource(ctx, &bedrock.TagResourceInput{ResourceARN: aws.String(arn), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &bedrock.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &bedrock.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
	if _, err := c.TagResource(ctx, &bedrock.TagResourceInput{ResourceARN: aws.String(arn), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}}); err == nil {
		t.Fatal("aws: tag keys must be refused")
	}

	if _, err := c.DeleteInferenceProfile(ctx, &bedrock.DeleteInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	var notFound *types.ResourceNotFoundException
	if _, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)}); !errors.As(err, &notFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if _, err := c.DeleteInferenceProfile(ctx, &bedrock.DeleteInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)}); !errors.As(err, &notFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestBedrockCreateProfileValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := bedrock.NewFromConfig(cfg)
	ctx := context.Background()
	cases := []struct {
		name, profile, source, code string
	}{
		{"bad name", "has--double", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "ValidationException"},
		{"model in another region", "ok", "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "ResourceNotFoundException"},
		{"model not offered here", "ok", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-9-v1:0", "ResourceNotFoundException"},
		{"eu profile from us-east-1", "ok", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0", "ResourceNotFoundException"},
		{"not an arn", "ok", "anthropic.claude-3-haiku-20240307-v1:0", "ValidationException"},
		{"truncated arn", "ok", "arn:aws:foundation-model/x", "ValidationException"},
	}
	for _, tc := range cases {
		_, err := c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{
			InferenceProfileName: aws.String(tc.profile),
			ModelSource:          &types.InferenceProfileModelSourceMemberCopyFrom{Value: tc.source},
		})
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, err, tc.code) })
	}
}
