package localaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// assumedRole creates role name, which anyone in the account may assume, and returns
// cfg with the credentials of a session of it.
func assumedRole(t *testing.T, s *localaws.Server, cfg aws.Config, name string) aws.Config {
	t.Helper()
	ctx := context.Background()
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ar, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + s.Account() + ":role/" + name), RoleSessionName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Copy()
	rc.Credentials = credentials.NewStaticCredentialsProvider(*ar.Credentials.AccessKeyId, *ar.Credentials.SecretAccessKey, *ar.Credentials.SessionToken)
	return rc
}

// Bedrock Runtime calls are authorized by IAM's evaluation of the caller's policies: a
// role with an invoke policy conditioned on its profile (bedgov's team policy) reaches
// the model through the profile and nowhere else; without it, AccessDeniedException.
func TestBedrockRuntimeAuthorizedByIAM(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	ctx := context.Background()
	model := localaws.FoundationModelARN("us-east-1", "amazon.nova-lite-v1:0")
	app := "arn:aws:bedrock:us-east-1:" + s.Account() + ":application-inference-profile/team1"
	s.Store().Put(localaws.KindInferenceProfile, app, localaws.InferenceProfile{Arn: app, ID: "team1", Region: "us-east-1",
		Type: "APPLICATION", Status: "ACTIVE", ModelArns: []string{model}})

	ic := iam.NewFromConfig(cfg)
	rc := assumedRole(t, s, cfg, "team-app")
	br := bedrockruntime.NewFromConfig(rc)
	converse := func(id string) error {
		_, err := br.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(id), Messages: []brtypes.Message{{
			Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hi"}}}}})
		return err
	}
	denied := func(what string, err error) {
		t.Helper()
		var ad *brtypes.AccessDeniedException
		if !errors.As(err, &ad) {
			t.Errorf("%s: %v, want AccessDeniedException", what, err)
		}
	}
	denied("no policy", converse(app))

	policy := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"` + app + `"},
	  {"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"` + model + `","Condition":{"StringEquals":{"bedrock:InferenceProfileArn":"` + app + `"}}}]}`
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("team-app"), PolicyName: aws.String("invoke"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if err := converse(app); err != nil {
		t.Fatalf("through the profile: %v", err)
	}
	denied("the model directly", converse("amazon.nova-lite-v1:0"))
	// Only the profile statement: the model behind it is not granted.
	only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"` + app + `"}]}`
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("team-app"), PolicyName: aws.String("invoke"), PolicyDocument: aws.String(only)}); err != nil {
		t.Fatal(err)
	}
	denied("profile without its model", converse(app))
}
