package localaws_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const testPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["bedrock:InvokeModel"],"Resource":["*"]}]}`

func TestIAMPolicyLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName: aws.String("bedgov-ai-core-invoke"), Path: aws.String("/bedgov/"), PolicyDocument: aws.String(testPolicy),
		Description: aws.String("team policy"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ai-core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Policy.Arn)
	if arn != "arn:aws:iam::123456789012:policy/bedgov/bedgov-ai-core-invoke" || aws.ToString(out.Policy.DefaultVersionId) != "v1" ||
		!strings.HasPrefix(aws.ToString(out.Policy.PolicyId), "ANPA") || out.Policy.CreateDate == nil {
		t.Fatalf("policy = %+v", out.Policy)
	}
	if !s.Store().Exists(localaws.KindPolicy, arn) {
		t.Fatal("policy not in the store")
	}

	// Duplicate names are refused, case-insensitively.
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("BEDGOV-AI-CORE-INVOKE"), PolicyDocument: aws.String(testPolicy)})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate: %v", err)
	}

	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || len(got.Policy.Tags) != 1 || aws.ToString(got.Policy.Tags[0].Value) != "ai-core" {
		t.Fatalf("get = %+v, %v", got, err)
	}

	// Versions: up to five, the default cannot be deleted, documents come back URL-encoded.
	for i := 2; i <= 5; i++ {
		if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(testPolicy), SetAsDefault: true}); err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(testPolicy)})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("sixth version: %v", err)
	}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(versions.Versions) != 5 || aws.ToString(versions.Versions[0].VersionId) != "v5" || !versions.Versions[0].IsDefaultVersion {
		t.Fatalf("versions = %+v, %v", versions, err)
	}
	var conflict *types.DeleteConflictException
	if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")}); !errors.As(err, &conflict) {
		t.Fatalf("delete default version: %v", err)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.PathUnescape(aws.ToString(v.PolicyVersion.Document)); doc != testPolicy {
		t.Fatalf("document = %s", doc)
	}

	// Attach to a role; the role and the policy cannot be deleted while attached.
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	ents, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyRoles[0].RoleName) != "app" {
		t.Fatalf("entities = %+v, %v", ents, err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}); !errors.As(err, &conflict) {
		t.Fatalf("delete attached role: %v", err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); !errors.As(err, &conflict) {
		t.Fatalf("delete attached policy: %v", err)
	}
	var noSuch *types.NoSuchEntityException
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("nobody"), PolicyArn: aws.String(arn)}); !errors.As(err, &noSuch) {
		t.Fatalf("attach to missing user: %v", err)
	}
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"v1", "v2", "v3", "v4"} {
		if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(id)}); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); !errors.As(err, &noSuch) {
		t.Fatalf("get deleted: %v", err)
	}
}

func TestIAMValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	cases := []struct {
		name string
		in   *iam.CreatePolicyInput
		code string
	}{
		{"bad name", &iam.CreatePolicyInput{PolicyName: aws.String("has space"), PolicyDocument: aws.String(testPolicy)}, "ValidationError"},
		{"bad path", &iam.CreatePolicyInput{PolicyName: aws.String("p"), Path: aws.String("noslash"), PolicyDocument: aws.String(testPolicy)}, "ValidationError"},
		{"not json", &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String("{nope")}, "MalformedPolicyDocument"},
		{"no effect", &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]}`)}, "MalformedPolicyDocument"},
		{"too large", &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"` + strings.Repeat("x", 6200) + `"}]}`)}, "LimitExceeded"},
	}
	for _, tc := range cases {
		_, err := c.CreatePolicy(ctx, tc.in)
		wantAPIError(t, err, tc.code)
	}
}

func TestIAMEventualConsistency(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	s.Store().HideNext(localaws.KindPolicy, 2)
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("fresh"), PolicyDocument: aws.String(testPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	var noSuch *types.NoSuchEntityException
	for i := 0; i < 2; i++ {
		if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: out.Policy.Arn}); !errors.As(err, &noSuch) {
			t.Fatalf("read %d: want NoSuchEntity while invisible, got %v", i, err)
		}
	}
	if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: out.Policy.Arn}); err != nil {
		t.Fatalf("third read: %v", err)
	}
}

func TestIAMRoleInlinePoliciesAndTags(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("enforcer"), AssumeRolePolicyDocument: aws.String(trust),
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("enforcer"), PolicyName: aws.String("ledger"), PolicyDocument: aws.String(testPolicy)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("enforcer"), PolicyName: aws.String("ledger")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.PathUnescape(aws.ToString(got.PolicyDocument)); doc != testPolicy {
		t.Fatalf("inline document = %s", doc)
	}
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("enforcer")})
	if err != nil || len(names.PolicyNames) != 1 {
		t.Fatalf("names = %v, %v", names, err)
	}
	var conflict *types.DeleteConflictException
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("enforcer")}); !errors.As(err, &conflict) {
		t.Fatalf("delete role with inline policy: %v", err)
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("enforcer"), Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("enforcer"), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("enforcer")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "b" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("enforcer"), PolicyDocument: aws.String("{bad")}); err == nil {
		t.Fatal("a malformed trust policy must be refused")
	}
	var noSuch *types.NoSuchEntityException
	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("enforcer"), PolicyName: aws.String("nope")}); !errors.As(err, &noSuch) {
		t.Fatalf("delete missing inline policy: %v", err)
	}
	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("enforcer"), PolicyName: aws.String("ledger")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("enforcer")}); err != nil {
		t.Fatal(err)
	}
}

// IAM refuses the 11th managed policy on a role (default quota 10); re-attaching one
// already attached is not a new attachment.
func TestIAMAttachedPoliciesPerRoleQuota(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	const quota = 10
	var arns []string
	for i := 0; i <= quota; i++ {
		out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p" + strconv.Itoa(i)),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.Policy.Arn))
	}
	for _, a := range arns[:quota] {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arns[0])}); err != nil {
		t.Fatalf("re-attaching an attached policy: %v", err)
	}
	_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arns[quota])})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) || !strings.Contains(limit.ErrorMessage(), "PoliciesPerRole: 10") {
		t.Fatalf("11th attachment: %v, want LimitExceeded", err)
	}
}
