package localaws_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

// A model served only through inference profiles (inferenceTypesSupported without
// ON_DEMAND) cannot be the source of an application profile; its system profile can.
func TestBedrockProfileFromProfileOnlyModel(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := bedrock.NewFromConfig(cfg)
	ctx := context.Background()
	const id = "anthropic.claude-3-7-sonnet-20250219-v1:0"
	m, err := c.GetFoundationModel(ctx, &bedrock.GetFoundationModelInput{ModelIdentifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range m.ModelDetails.InferenceTypesSupported {
		if it == types.InferenceTypeOnDemand {
			t.Fatalf("%s is listed ON_DEMAND; the test needs a profile-only model", id)
		}
	}
	_, err = c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{InferenceProfileName: aws.String("from-model"),
		ModelSource: &types.InferenceProfileModelSourceMemberCopyFrom{Value: aws.ToString(m.ModelDetails.ModelArn)}})
	var invalid *types.ValidationException
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "does not support On Demand inference") {
		t.Fatalf("copy from a profile-only model: %v, want ValidationException", err)
	}
	sys, err := c.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("us." + id)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{InferenceProfileName: aws.String("from-profile"),
		ModelSource: &types.InferenceProfileModelSourceMemberCopyFrom{Value: aws.ToString(sys.InferenceProfileArn)}}); err != nil {
		t.Fatalf("copy from the system profile: %v", err)
	}
}
