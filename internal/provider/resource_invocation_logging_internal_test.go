package provider

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

func TestS3BucketNameProblem(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"acme-bedrock-invocation-logs": "",
		"logs.acme.example":            "",
		"a1b":                          "",
		strings.Repeat("a", 63):        "",
		strings.Repeat("a", 64):        "3 to 63",
		"ab":                           "3 to 63",
		"Acme-logs":                    "lowercase",
		"acme_logs":                    "lowercase",
		"-acme-logs":                   "lowercase",
		"acme-logs.":                   "lowercase",
		"acme..logs":                   "adjacent periods",
		"10.0.0.1":                     "IP address",
		"xn--acme":                     "prefix xn--",
		"sthree-logs":                  "prefix sthree-",
		"amzn-s3-demo-logs":            "prefix amzn-s3-demo-",
		"acme-s3alias":                 "suffix -s3alias",
		"acme--ol-s3":                  "suffix --ol-s3",
		"acme.mrap":                    "suffix .mrap",
		"acme--x-s3":                   "suffix --x-s3",
		"acme--table-s3":               "suffix --table-s3",
	}
	for name, want := range cases {
		got := s3BucketNameProblem(name)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("s3BucketNameProblem(%q) = %q, want %q", name, got, want)
		}
	}
}

// CloudWatch keeps logs at least as long as the bucket, within what it accepts.
func TestCloudWatchRetention(t *testing.T) {
	t.Parallel()
	for days, want := range map[int64]int32{1: 1, 2: 3, 30: 30, 31: 60, 365: 365, 366: 400, 3653: 3653, 5000: 3653} {
		if got := cloudWatchRetention(days); got != want {
			t.Errorf("cloudWatchRetention(%d) = %d, want %d", days, got, want)
		}
	}
}

func TestSameLogging(t *testing.T) {
	t.Parallel()
	base := func() *bedrocktypes.LoggingConfig {
		return &bedrocktypes.LoggingConfig{S3Config: &bedrocktypes.S3Config{BucketName: aws.String("logs")}, TextDataDeliveryEnabled: aws.Bool(false)}
	}
	if !sameLogging(base(), &bedrocktypes.LoggingConfig{S3Config: &bedrocktypes.S3Config{BucketName: aws.String("logs")}}) {
		t.Error("an unset flag and false must compare equal")
	}
	text := base()
	text.TextDataDeliveryEnabled = aws.Bool(true)
	cw := base()
	cw.CloudWatchConfig = &bedrocktypes.CloudWatchConfig{LogGroupName: aws.String("g"), RoleArn: aws.String("r")}
	other := base()
	other.S3Config.BucketName = aws.String("other")
	for name, c := range map[string]*bedrocktypes.LoggingConfig{"text": text, "cloudwatch": cw, "bucket": other} {
		if sameLogging(base(), c) {
			t.Errorf("%s: a different configuration compared equal", name)
		}
	}
}
