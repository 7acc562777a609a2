package localaws_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// A third-party model's first call subscribes it through AWS Marketplace, which the
// caller must be allowed to do (Bedrock user guide, "Request access to models"): a role
// that may invoke but not subscribe is refused with AccessDeniedException; once an
// administrator has invoked the model, the role's calls go through.
func TestThirdPartyFirstCallNeedsMarketplace(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	ctx := context.Background()
	const modelID = "anthropic.claude-3-haiku-20240307-v1:0"
	s.WithdrawModelSubscription(modelID)
	s.WithdrawModelSubscription("amazon.nova-lite-v1:0") // Amazon's models need no subscription

	ic := iam.NewFromConfig(cfg)
	rc := assumedRole(t, s, cfg, "invoker")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}`
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("invoker"), PolicyName: aws.String("invoke"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	converse := func(c aws.Config, id string) error {
		_, err := bedrockruntime.NewFromConfig(c).Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(id), Messages: []brtypes.Message{{
			Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hi"}}}}})
		return err
	}

	err := converse(rc, modelID)
	var ad *brtypes.AccessDeniedException
	if !errors.As(err, &ad) || !strings.Contains(err.Error(), "aws-marketplace:Subscribe") {
		t.Fatalf("first call without Marketplace rights: %v, want AccessDeniedException naming aws-marketplace:Subscribe", err)
	}
	if s.ModelSubscribed(modelID) {
		t.Fatal("a refused first call subscribed the model")
	}
	if err := converse(rc, "amazon.nova-lite-v1:0"); err != nil {
		t.Fatalf("an Amazon model: %v", err)
	}
	if err := converse(cfg, modelID); err != nil { // the administrator
		t.Fatalf("the administrator's first call: %v", err)
	}
	if !s.ModelSubscribed(modelID) {
		t.Fatal("the administrator's call did not subscribe the model")
	}
	if err := converse(rc, modelID); err != nil {
		t.Fatalf("after the subscription: %v", err)
	}
}
