package localaws_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func TestSTSGetCallerIdentityDefault(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != localaws.DefaultIdentity || aws.ToString(out.Account) != "123456789012" || !strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
		t.Fatalf("identity = %s %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
	}
}

func TestSTSGetCallerIdentityConfiguredAccount(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, localaws.WithAccount("210987654321"))
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:iam::210987654321:user/bedgov-test" || aws.ToString(out.Account) != "210987654321" {
		t.Fatalf("identity = %s / %s", got, aws.ToString(out.Account))
	}
}

func TestSTSAssumeRoleThenCallerIdentity(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	ctx := context.Background()
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::123456789012:role/path/deployer"),
		RoleSessionName: aws.String("tf-session"),
		DurationSeconds: aws.Int32(900),
		ExternalId:      aws.String("ext-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" || c.Expiration == nil {
		t.Fatalf("credentials = %+v", c)
	}
	if want := "arn:aws:sts::123456789012:assumed-role/deployer/tf-session"; aws.ToString(out.AssumedRoleUser.Arn) != want {
		t.Fatalf("assumed role arn = %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
	}

	roleCfg := cfg.Copy()
	roleCfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	id, err := sts.NewFromConfig(roleCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::123456789012:assumed-role/deployer/tf-session" {
		t.Fatalf("caller after AssumeRole = %s", aws.ToString(id.Arn))
	}
	if !strings.HasPrefix(aws.ToString(id.UserId), "AROA") || !strings.HasSuffix(aws.ToString(id.UserId), ":tf-session") {
		t.Fatalf("user id = %s", aws.ToString(id.UserId))
	}
}

func TestSTSAssumeRoleValidation(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	client := sts.NewFromConfig(cfg)
	// The SDK validates required members client-side; these reach the emulator.
	cases := []struct {
		name string
		in   sts.AssumeRoleInput
		code string
	}{
		{"not a role arn", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:user/alice"), RoleSessionName: aws.String("s1")}, "ValidationError"},
		{"short session name", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")}, "ValidationError"},
		{"session name characters", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("bad name")}, "ValidationError"},
		{"duration too short", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(60)}, "ValidationError"},
		{"duration too long", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)}, "ValidationError"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.AssumeRole(context.Background(), &tc.in)
			wantAPIError(t, err, tc.code)
		})
	}
}

func TestSTSUnknownActionIsInvalidAction(t *testing.T) {
	t.Parallel()
	_, cfg := start(t)
	// DecodeAuthorizationMessage is a real STS action bedgov never calls.
	_, err := sts.NewFromConfig(cfg).DecodeAuthorizationMessage(context.Background(), &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("x")})
	wantAPIError(t, err, "InvalidAction")
}

// The call log tells an SDK's retries from the calls code asked for: a call retried
// once after a 500 is two calls and one request.
func TestRequestedLeavesOutSDKRetries(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t)
	srv.FailTimes("sts", "GetCallerIdentity", 1, localaws.ErrorStatus(500, "InternalFailure", "injected"))
	if _, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.RetryMaxAttempts = 3 }).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if calls, asked := srv.CallCount("sts", "GetCallerIdentity"), srv.RequestedCount("sts", "GetCallerIdentity"); calls != 2 || asked != 1 {
		t.Fatalf("%d calls, %d requested; want 2 and 1", calls, asked)
	}
}
