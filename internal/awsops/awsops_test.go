package awsops_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func emulator(t *testing.T) aws.Config {
	t.Helper()
	ts := httptest.NewServer(localaws.New())
	t.Cleanup(ts.Close)
	return localaws.ClientConfig(ts.URL, "us-east-1")
}

func TestUpdatePolicyDocumentStaysWithinFiveVersions(t *testing.T) {
	t.Parallel()
	c := iam.NewFromConfig(emulator(t))
	ctx := context.Background()
	doc := func(i int) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"S` + strings.Repeat("x", i) + `","Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}`
	}
	arn, err := awsops.CreatePolicy(ctx, c, "p", "/bedgov/", "test", doc(0), map[string]string{"team": "t"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 7; i++ {
		if err := awsops.UpdatePolicyDocument(ctx, c, arn, doc(i)); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 5 {
		t.Fatalf("%d versions, want IAM's limit of 5", len(versions.Versions))
	}
	p, err := awsops.FindPolicy(ctx, c, arn)
	if err != nil {
		t.Fatal(err)
	}
	got, err := awsops.PolicyDocument(ctx, c, arn, aws.ToString(p.DefaultVersionId))
	if err != nil || got != doc(7) {
		t.Fatalf("default document = %s, %v; want the last update", got, err)
	}
	if err := awsops.DeletePolicy(ctx, c, arn); err != nil {
		t.Fatalf("delete with versions: %v", err)
	}
	if err := awsops.DeletePolicy(ctx, c, arn); err != nil {
		t.Fatalf("delete again must be done, got %v", err)
	}
	if _, err := awsops.FindPolicy(ctx, c, arn); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted = %v, want ErrNotFound", err)
	}
}

func TestResolveModel(t *testing.T) {
	t.Parallel()
	c := bedrock.NewFromConfig(emulator(t))
	ctx := context.Background()
	const sonnet = "anthropic.claude-3-5-sonnet-20241022-v2:0"
	app, err := c.CreateInferenceProfile(ctx, &bedrock.CreateInferenceProfileInput{
		InferenceProfileName: aws.String("app"),
		ModelSource:          &bedrocktypes.InferenceProfileModelSourceMemberCopyFrom{Value: "arn:aws:bedrock:us-east-1::foundation-model/" + sonnet},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		model, wantARN, wantErr string
		models                  int
	}{
		{model: sonnet, wantARN: "arn:aws:bedrock:us-east-1::foundation-model/" + sonnet, models: 1},
		{model: "arn:aws:bedrock:us-east-1::foundation-model/" + sonnet, wantARN: "arn:aws:bedrock:us-east-1::foundation-model/" + sonnet, models: 1},
		{model: "us." + sonnet, wantARN: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + sonnet, models: 3},
		{model: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + sonnet, wantARN: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + sonnet, models: 3},
		{model: "arn:aws:bedrock:eu-west-1::foundation-model/" + sonnet, wantErr: "is in region eu-west-1 but the provider is configured for us-east-1"},
		{model: "eu." + sonnet, wantErr: `inference profile "eu.` + sonnet + `" is not available in region us-east-1`},
		{model: "anthropic.nope-v1:0", wantErr: `model "anthropic.nope-v1:0" is not available in region us-east-1`},
		{model: aws.ToString(app.InferenceProfileArn), wantErr: "is neither a foundation model nor a system-defined inference profile"},
		{model: "arn:aws:s3:::bucket", wantErr: "is not a Bedrock ARN"},
	}
	for _, tc := range cases {
		src, err := awsops.ResolveModel(ctx, c, "us-east-1", tc.model)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want %q", tc.model, err, tc.wantErr)
			}
			continue
		}
		if err != nil || src.ARN != tc.wantARN || len(src.Models) != tc.models {
			t.Errorf("%s: = %+v, %v; want %s routing to %d models", tc.model, src, err, tc.wantARN, tc.models)
		}
	}
}

func TestParsePrincipal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		arn, kind, name string
		ok              bool
	}{
		{"arn:aws:iam::123456789012:role/app", "role", "app", true},
		{"arn:aws:iam::123456789012:role/service-role/path/app", "role", "app", true},
		{"arn:aws:iam::123456789012:user/bob", "user", "bob", true},
		{"arn:aws:iam::123456789012:group/devs", "group", "devs", true},
		{"arn:aws:iam::123456789012:policy/p", "", "", false},
		{"arn:aws:s3:::bucket", "", "", false},
		{"role/app", "", "", false},
		{"arn:aws:iam::123456789012:role/", "", "", false},
	}
	for _, tc := range cases {
		p, err := awsops.ParsePrincipal(tc.arn)
		if (err == nil) != tc.ok || p.Kind != tc.kind || p.Name != tc.name {
			t.Errorf("%s: = %+v, %v", tc.arn, p, err)
		}
	}
}

func TestTagDiff(t *testing.T) {
	t.Parallel()
	remove, set := awsops.TagDiff(
		map[string]string{"keep": "1", "change": "old", "drop": "x"},
		map[string]string{"keep": "1", "change": "new", "add": "y"},
	)
	if !reflect.DeepEqual(remove, []string{"drop"}) || !reflect.DeepEqual(set, map[string]string{"change": "new", "add": "y"}) {
		t.Fatalf("remove %v, set %v", remove, set)
	}
}

func TestErrorPredicates(t *testing.T) {
	t.Parallel()
	coded := func(code string) error {
		return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	cases := []struct {
		name string
		is   func(error) bool
		yes  []string
		no   []string
	}{
		{"IsAlreadyExists", awsops.IsAlreadyExists, []string{"EntityAlreadyExists", "AlreadyExistsException"}, []string{"NoSuchEntity", "ValidationException"}},
		{"IsBucketNotEmpty", awsops.IsBucketNotEmpty, []string{"BucketNotEmpty"}, []string{"NoSuchBucket"}},
		{"IsTableNotFound", awsops.IsTableNotFound, []string{"ResourceNotFoundException"}, []string{"ResourceInUseException"}},
	}
	for _, tc := range cases {
		for _, c := range tc.yes {
			if !tc.is(coded(c)) {
				t.Errorf("%s(%s) = false, want true", tc.name, c)
			}
		}
		for _, c := range tc.no {
			if tc.is(coded(c)) {
				t.Errorf("%s(%s) = true, want false", tc.name, c)
			}
		}
		if tc.is(errors.New("plain")) || tc.is(nil) {
			t.Errorf("%s is true for an error without a code", tc.name)
		}
	}
	if got := awsops.ErrorText(coded("BucketNotEmpty")); got != "BucketNotEmpty: m" {
		t.Errorf("ErrorText = %q", got)
	}
}
