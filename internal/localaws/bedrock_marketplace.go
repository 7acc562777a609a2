package localaws

import (
	"net/http"
	"slices"
	"strings"
)

// Third-party models and AWS Marketplace. Bedrock user guide, "Request access to
// models" (Understanding automatic model access): the first invocation of a third-party
// model in an account starts its Marketplace subscription, which needs
// aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions on the caller; if a
// prerequisite is missing the subscription fails and calls return AccessDeniedException.
//
// The emulated account starts with every model subscribed (an account whose
// administrator has used them). WithdrawModelSubscription puts a third-party model back
// in its never-invoked state: the next call subscribes it if the caller may subscribe,
// and is refused otherwise.

const kindUnsubscribed = "marketplace.unsubscribed"

// WithdrawModelSubscription makes a third-party foundation model unsubscribed in the
// emulated account (until a caller with the Marketplace permissions invokes it, or
// Reset). Amazon's own models need no subscription and are left alone.
func (s *Server) WithdrawModelSubscription(modelID string) {
	if m, ok := CatalogModelByID(modelID); ok && m.Provider != "Amazon" {
		s.store.Put(kindUnsubscribed, modelID, true)
	}
}

// ModelSubscribed says whether the account has a model's Marketplace subscription (an
// Amazon model always does).
func (s *Server) ModelSubscribed(modelID string) bool {
	return !s.store.Exists(kindUnsubscribed, modelID)
}

// marketplaceQuestions are what a first call of an unsubscribed third-party model asks
// of its caller.
var marketplaceQuestions = []authz{{Action: "aws-marketplace:ViewSubscriptions", Resource: "*"}, {Action: "aws-marketplace:Subscribe", Resource: "*"}}

// subscribeOnFirstCall subscribes the unsubscribed models a runtime call reaches
// (questions' foundation-model resources), or refuses the call as Bedrock does:
// "Model access is denied due to IAM user or service role is not authorized to perform
// the required AWS Marketplace actions ..." (the AccessDeniedException callers report,
// e.g. aws-samples/anthropic-on-aws#251).
func (s *Server) subscribeOnFirstCall(id Identity, qs []authz) *APIError {
	for _, q := range qs {
		_, modelID, ok := strings.Cut(q.Resource, ":foundation-model/")
		if !ok || s.ModelSubscribed(modelID) {
			continue
		}
		denied, _, err := s.authorize(id, append([]authz(nil), marketplaceQuestions...))
		if err != nil {
			return ErrorStatus(http.StatusInternalServerError, "InternalFailure", "localaws: IAM evaluation failed: %v", err)
		}
		if denied != nil {
			return ErrorStatus(http.StatusForbidden, "AccessDeniedException",
				"Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions "+
					"(aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock "+
					"documentation for further details. Your AWS Marketplace subscription for this model cannot be completed at this time. "+
					"If you recently fixed this issue, try again after 2 minutes.")
		}
		s.store.Delete(kindUnsubscribed, modelID)
	}
	return nil
}

func init() {
	RegisterBuiltin("bedrock",
		Operation{Name: "GetFoundationModelAvailability", Method: "GET", Path: "/foundation-model-availability/{modelId}", Handler: Handle(getFoundationModelAvailability)},
	)
}

type getFoundationModelAvailabilityInput struct {
	ModelID string `json:"-" path:"modelId"`
}

type agreementAvailability struct {
	Status       string  `json:"status"`
	ErrorMessage *string `json:"errorMessage,omitempty"`
}

type getFoundationModelAvailabilityOutput struct {
	ModelID                 string                `json:"modelId"`
	AgreementAvailability   agreementAvailability `json:"agreementAvailability"`
	AuthorizationStatus     string                `json:"authorizationStatus"`
	EntitlementAvailability string                `json:"entitlementAvailability"`
	RegionAvailability      string                `json:"regionAvailability"`
}

// getFoundationModelAvailability answers as the Bedrock API Reference's
// GetFoundationModelAvailability (GET /foundation-model-availability/{modelId}):
// agreementAvailability.status AVAILABLE | PENDING | NOT_AVAILABLE | ERROR,
// authorizationStatus AUTHORIZED | NOT_AUTHORIZED, entitlementAvailability and
// regionAvailability AVAILABLE | NOT_AVAILABLE. A model without its Marketplace
// subscription has no agreement and no entitlement yet.
func getFoundationModelAvailability(c *Call, in *getFoundationModelAvailabilityInput) (*getFoundationModelAvailabilityOutput, error) {
	m, ok := CatalogModelByID(in.ModelID)
	if !ok {
		return nil, ErrorStatus(http.StatusNotFound, "ResourceNotFoundException", "The model %s does not exist.", in.ModelID)
	}
	out := &getFoundationModelAvailabilityOutput{ModelID: m.ID, AuthorizationStatus: "AUTHORIZED",
		AgreementAvailability: agreementAvailability{Status: "AVAILABLE"}, EntitlementAvailability: "AVAILABLE", RegionAvailability: "NOT_AVAILABLE"}
	if slices.Contains(m.Regions, c.Region) {
		out.RegionAvailability = "AVAILABLE"
	}
	if !c.Server().ModelSubscribed(m.ID) {
		out.AgreementAvailability.Status, out.EntitlementAvailability = "NOT_AVAILABLE", "NOT_AVAILABLE"
	}
	return out, nil
}
