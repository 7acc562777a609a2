package awsops

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

// UnsubscribedModels returns the foundation models, of the ARNs given, whose AWS
// Marketplace agreement is not in place in the account (GetFoundationModelAvailability's
// agreementAvailability.status is not AVAILABLE): third-party models nobody has invoked
// yet. Their first call subscribes them, and needs aws-marketplace:Subscribe and
// ViewSubscriptions on the caller (Bedrock user guide, "Request access to models").
func UnsubscribedModels(ctx context.Context, c *bedrock.Client, modelARNs []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, a := range modelARNs {
		_, id, ok := strings.Cut(a, ":foundation-model/")
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		r, err := c.GetFoundationModelAvailability(ctx, &bedrock.GetFoundationModelAvailabilityInput{ModelId: aws.String(id)})
		if err != nil {
			return out, err
		}
		if r.AgreementAvailability != nil && r.AgreementAvailability.Status != types.AgreementStatusAvailable {
			out = append(out, id)
		}
	}
	return out, nil
}
