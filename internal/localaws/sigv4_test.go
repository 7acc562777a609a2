package localaws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// Signatures are verified with the secrets the emulator issued, and a bad one is
// answered in each protocol's terms.
func TestSigV4Verified(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, localaws.WithAccessKey("AKIDSECOND0000000001", "second-secret", "arn:aws:iam::123456789012:user/second"))
	ctx := context.Background()
	with := func(akid, secret, token string) aws.Config {
		c := cfg.Copy()
		c.Credentials = credentials.NewStaticCredentialsProvider(akid, secret, token)
		return c
	}

	// The test key and an added key work; the added key is its own identity.
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(with("AKIDSECOND0000000001", "second-secret", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/second" {
		t.Fatalf("second key: %v %v", id, err)
	}

	wrong := with(localaws.TestAccessKeyID, "not-the-secret", "")
	_, err = iam.NewFromConfig(wrong).ListRoles(ctx, &iam.ListRolesInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch") // awsQuery
	_, err = cloudwatchlogs.NewFromConfig(wrong).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	wantAPIError(t, err, "InvalidSignatureException") // JSON
	_, err = s3.NewFromConfig(wrong, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch") // S3

	unknown := with("AKIDNEVERISSUED00001", "x", "")
	_, err = iam.NewFromConfig(unknown).ListRoles(ctx, &iam.ListRolesInput{})
	wantAPIError(t, err, "InvalidClientTokenId")
	_, err = cloudwatchlogs.NewFromConfig(unknown).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	wantAPIError(t, err, "UnrecognizedClientException")

	// Session credentials: valid with their token, refused without it.
	ar, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("sess")})
	if err != nil {
		t.Fatal(err)
	}
	c := ar.Credentials
	if _, err := sts.NewFromConfig(with(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("session: %v", err)
	}
	_, err = sts.NewFromConfig(with(*c.AccessKeyId, *c.SecretAccessKey, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId")

	n := 0
	for _, call := range s.Calls() {
		if call.Status == http.StatusForbidden {
			n++
		}
	}
	if n != 6 {
		t.Errorf("403s in the call log = %d, want 6", n)
	}
}

// A body changed after signing no longer matches the signature.
func TestSigV4TamperedBody(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	ts := httptestServer(t, s)
	req, _ := http.NewRequest(http.MethodPost, ts+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signedRequest(t, req, "Action=ListRoles&Version=2010-05-08", "sts", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	status, _, b := do(t, req)
	if status != http.StatusForbidden || !strings.Contains(string(b), "SignatureDoesNotMatch") {
		t.Fatalf("tampered: %d %s", status, b)
	}
	req, _ = http.NewRequest(http.MethodPost, ts+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signedRequest(t, req, "Action=GetCallerIdentity&Version=2011-06-15", "sts", localaws.TestAccessKeyID, localaws.TestSecretAccessKey)
	if status, _, b := do(t, req); status != http.StatusOK {
		t.Fatalf("intact: %d %s", status, b)
	}
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}
