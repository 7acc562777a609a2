package localaws_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestModelWalkRemainingOperations makes the emulated operations that no other test of
// this package calls answer once, so every operation's response goes through its
// model output shape (checked by the emulator on every response; see
// checkEveryResponseWalked).
func TestModelWalkRemainingOperations(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	ctx := context.Background()
	must := func(what string, _ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	im := iam.NewFromConfig(cfg)
	pol, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("walk"), PolicyDocument: aws.String(testPolicy)})
	must("CreatePolicy", pol, err)
	arn := pol.Policy.Arn
	o1, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("walk-user")})
	must("CreateUser", o1, err)
	o2, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("walk-user")})
	must("GetUser", o2, err)
	o3, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("walk-user"), PolicyArn: arn})
	must("AttachUserPolicy", o3, err)
	o4, err := im.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("walk-user"), PolicyArn: arn})
	must("DetachUserPolicy", o4, err)
	o5, err := im.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("walk-user")})
	must("DeleteUser", o5, err)
	o6, err := im.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("walk-group")})
	must("CreateGroup", o6, err)
	o7, err := im.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("walk-group")})
	must("GetGroup", o7, err)
	o8, err := im.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("walk-group"), PolicyArn: arn})
	must("AttachGroupPolicy", o8, err)
	o9, err := im.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("walk-group"), PolicyArn: arn})
	must("DetachGroupPolicy", o9, err)
	o10, err := im.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("walk-group")})
	must("DeleteGroup", o10, err)
	role, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("walk-role"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	must("CreateRole", role, err)
	o11, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("walk-role")})
	must("GetRole", o11, err)
	o12, err := im.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("walk-role")})
	must("ListAttachedRolePolicies", o12, err)
	o13, err := im.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	must("ListPolicies", o13, err)
	o14, err := im.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	must("TagPolicy", o14, err)
	o15, err := im.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn})
	must("ListPolicyTags", o15, err)
	o16, err := im.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"team"}})
	must("UntagPolicy", o16, err)
	o17, err := im.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	must("SetDefaultPolicyVersion", o17, err)

	ce := costexplorer.NewFromConfig(cfg)
	mon, err := ce.CreateAnomalyMonitor(ctx, &costexplorer.CreateAnomalyMonitorInput{
		AnomalyMonitor: &cetypes.AnomalyMonitor{MonitorName: aws.String("walk"), MonitorType: cetypes.MonitorTypeCustom,
			MonitorSpecification: &cetypes.Expression{Tags: &cetypes.TagValues{Key: aws.String("team"), Values: []string{"a"}, MatchOptions: []cetypes.MatchOption{cetypes.MatchOptionEquals}}}}})
	must("CreateAnomalyMonitor", mon, err)
	o18, err := ce.UpdateAnomalyMonitor(ctx, &costexplorer.UpdateAnomalyMonitorInput{MonitorArn: mon.MonitorArn, MonitorName: aws.String("walk2")})
	must("UpdateAnomalyMonitor", o18, err)
	o19, err := ce.TagResource(ctx, &costexplorer.TagResourceInput{ResourceArn: mon.MonitorArn, ResourceTags: []cetypes.ResourceTag{{Key: aws.String("k"), Value: aws.String("v")}}})
	must("ce TagResource", o19, err)
	o20, err := ce.UntagResource(ctx, &costexplorer.UntagResourceInput{ResourceArn: mon.MonitorArn, ResourceTagKeys: []string{"k"}})
	must("ce UntagResource", o20, err)

	gl := glue.NewFromConfig(cfg)
	o21, err := gl.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("walk")}})
	must("CreateDatabase", o21, err)
	o22, err := gl.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("walk")})
	must("GetDatabase", o22, err)
	o23, err := gl.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("walk")})
	must("DeleteDatabase", o23, err)

	lg := cloudwatchlogs.NewFromConfig(cfg)
	o24, err := lg.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("walk"), Tags: map[string]string{"k": "v"}})
	must("CreateLogGroup", o24, err)
	o25, err := lg.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("walk"), RetentionInDays: aws.Int32(7)})
	must("PutRetentionPolicy", o25, err)
	o26, err := lg.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String("walk")})
	must("DeleteRetentionPolicy", o26, err)
	o27, err := lg.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:" + account + ":log-group:walk"), TagKeys: []string{"k"}})
	must("logs UntagResource", o27, err)

	sc := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	o28, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("walk-bucket")})
	must("CreateBucket", o28, err)
	o29, err := sc.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("walk-bucket"), Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	must("PutBucketTagging", o29, err)
	o30, err := sc.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("walk-bucket")})
	must("DeleteBucketTagging", o30, err)
}

// A request AWS's model refuses is refused as the service does, before the handler
// acts: ValidationException with AWS's message over JSON, ValidationError over awsQuery,
// InvalidParameterException at CloudWatch Logs; a member newer than the model passes.
func TestModelValidationRefusesAsAWS(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	ctx := context.Background()
	msg := func(err error) string {
		var ae smithy.APIError
		if !asErr(err, &ae) {
			return ""
		}
		return ae.ErrorMessage()
	}

	im := iam.NewFromConfig(cfg)
	_, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String(`{}`)})
	wantAPIError(t, err, "ValidationError")
	if want := "1 validation error detected: Value '" + strings.Repeat("r", 65) + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"; msg(err) != want {
		t.Errorf("message = %q, want %q", msg(err), want)
	}
	_, err = im.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("x"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("a{b}")}}})
	wantAPIError(t, err, "ValidationError")
	if !strings.Contains(msg(err), "at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern") {
		t.Errorf("tag value message = %q", msg(err))
	}

	lc := lambda.NewFromConfig(cfg)
	_, err = lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("has space")})
	wantAPIError(t, err, "ValidationException")
	if !strings.Contains(msg(err), "at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern") {
		t.Errorf("lambda message = %q", msg(err))
	}

	lg := cloudwatchlogs.NewFromConfig(cfg)
	_, err = lg.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(strings.Repeat("g", 513)), RetentionInDays: aws.Int32(7)})
	wantAPIError(t, err, "InvalidParameterException")

	// Refused before the handler: nothing was created or changed.
	if n := s.CallCount("iam", "CreateRole"); n != 1 {
		t.Fatalf("CreateRole calls = %d", n)
	}
	if _, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(strings.Repeat("r", 64))}); err == nil {
		t.Fatal("a role exists after a refused CreateRole")
	}
}
