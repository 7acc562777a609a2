package awsops

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

// requireOnDemand refuses a foundation model that Bedrock does not serve on demand in
// this Region (inferenceTypesSupported without ON_DEMAND): an application profile
// cannot copy from it ("The provided foundation model does not support On Demand
// inference") and a direct call fails; only a system-defined inference profile reaches
// it. The error names the profiles of this Region that route to the model.
func requireOnDemand(ctx context.Context, c *bedrock.Client, region, id string, d *types.FoundationModelDetails) error {
	if slices.Contains(d.InferenceTypesSupported, types.InferenceTypeOnDemand) {
		return nil
	}
	profiles, err := systemProfilesFor(ctx, c, aws.ToString(d.ModelArn))
	if err != nil {
		return err
	}
	if len(profiles) == 0 {
		return fmt.Errorf("model %q is not offered on demand in region %s, and no system-defined inference profile there routes to it; "+
			"choose another model or region", id, region)
	}
	return fmt.Errorf("model %q is not offered on demand in region %s: Bedrock serves it only through an inference profile. "+
		"Set the model to one of these system-defined profiles: %s", id, region, strings.Join(profiles, ", "))
}

// systemProfilesFor lists the ids of the Region's system-defined inference profiles
// that route to the foundation model modelARN.
func systemProfilesFor(ctx context.Context, c *bedrock.Client, modelARN string) ([]string, error) {
	var ids []string
	p := bedrock.NewListInferenceProfilesPaginator(c, &bedrock.ListInferenceProfilesInput{TypeEquals: types.InferenceProfileTypeSystemDefined})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.InferenceProfileSummaries {
			for _, m := range s.Models {
				if aws.ToString(m.ModelArn) == modelARN {
					ids = append(ids, aws.ToString(s.InferenceProfileId))
					break
				}
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}
