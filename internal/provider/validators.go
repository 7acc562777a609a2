package provider

// Validators of single attribute values, shared by the provider, resources and data sources.

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

var (
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
)

func awsRegion() validator.String {
	return stringvalidator.RegexMatches(regionPattern, "must be an AWS region name such as us-east-1 or eu-west-3")
}

// stringFunc is a validator.String built from a function that returns an error message.
type stringFunc struct {
	desc  string
	check func(string) string
}

func (v stringFunc) Description(context.Context) string         { return v.desc }
func (v stringFunc) MarkdownDescription(context.Context) string { return v.desc }
func (v stringFunc) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := v.check(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s: %q %s.", req.Path, req.ConfigValue.ValueString(), msg))
	}
}

func endpointURL() validator.String {
	return stringFunc{desc: "must be an absolute http or https URL", check: func(s string) string {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "is not an absolute http(s) URL such as http://127.0.0.1:4566"
		}
		return ""
	}}
}

func iamRoleARN() validator.String {
	return stringFunc{desc: "must be an IAM role ARN", check: func(s string) string {
		a, err := arn.Parse(s)
		if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") || len(a.AccountID) != 12 {
			return "is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
		}
		return ""
	}}
}

func goDuration(minimum, maximum time.Duration) validator.String {
	return stringFunc{desc: fmt.Sprintf("a duration between %s and %s", minimum, maximum), check: func(s string) string {
		d, err := time.ParseDuration(s)
		if err != nil {
			return "is not a duration such as 1h or 45m"
		}
		if d < minimum || d > maximum {
			return fmt.Sprintf("must be between %s and %s", minimum, maximum)
		}
		return ""
	}}
}

// Enforcer names prefix every object; 2 to 32 characters keep the function, role, table
// and log group names within AWS's limits.
var enforcerNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

var usdPattern = regexp.MustCompile(`^\d+(\.\d{1,6})?$`)

var (
	logGroupNamePattern    = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	athenaWorkgroupPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,128}$`)
	kmsKeyARNPattern       = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)$`)
	bucketNameShape        = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
)

// s3BucketNameProblem applies S3's naming rules for general purpose buckets and returns
// what is wrong, or "".
func s3BucketNameProblem(name string) string {
	switch {
	case len(name) < 3 || len(name) > 63:
		return "must be 3 to 63 characters long"
	case !bucketNameShape.MatchString(name):
		return "may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit"
	case strings.Contains(name, ".."):
		return "must not contain two adjacent periods"
	case net.ParseIP(name) != nil:
		return "must not be formatted as an IP address"
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return "must not start with the reserved prefix " + p
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return "must not end with the reserved suffix " + s
		}
	}
	return ""
}

func s3BucketName() validator.String {
	return stringFunc{desc: "an S3 general purpose bucket name", check: s3BucketNameProblem}
}

// Team names fit every sub-object's naming rule: inference profile names (64 characters,
// no doubled separators), IAM policy names, budget, alarm and dashboard names, and the
// cap record's key.
var teamNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

var budgetMessage = "must be greater than 0 with at most two decimals (cents), e.g. 2000 or 1499.99"

type budgetAmountValidator struct{}

func (budgetAmountValidator) Description(context.Context) string {
	return "a positive amount in USD with at most two decimals"
}

func (budgetAmountValidator) MarkdownDescription(context.Context) string {
	return "a positive amount in USD with at most two decimals"
}

func (budgetAmountValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v := req.ConfigValue.ValueFloat64()
	if !(v > 0) || math.IsInf(v, 0) || math.Abs(v*100-math.Round(v*100)) > 1e-6 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid monthly budget", fmt.Sprintf("%s %s; got %s.", req.Path, budgetMessage, strconv.FormatFloat(v, 'f', -1, 64)))
	}
}

type positiveFloat struct{}

func (positiveFloat) Description(context.Context) string { return "greater than 0" }

func (positiveFloat) MarkdownDescription(context.Context) string { return "greater than 0" }

func (positiveFloat) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if v := req.ConfigValue.ValueFloat64(); !(v > 0) || math.IsInf(v, 0) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s must be greater than 0; got %s.", req.Path, strconv.FormatFloat(v, 'f', -1, 64)))
	}
}

func emailAddress() validator.String {
	return stringFunc{desc: "an email address", check: func(s string) string {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
			return "is not a valid email address (name@example.com)"
		}
		return ""
	}}
}

var snsTopicNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func snsTopicARN() validator.String {
	return stringFunc{desc: "an SNS topic ARN", check: func(s string) string {
		a, err := arn.Parse(s)
		if err != nil || a.Service != "sns" || len(a.AccountID) != 12 || a.Region == "" || !snsTopicNamePattern.MatchString(a.Resource) {
			return "is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"
		}
		return ""
	}}
}

func iamPrincipalARN() validator.String {
	return stringFunc{desc: "an IAM role, user or group ARN", check: func(s string) string {
		if _, err := awsops.ParsePrincipal(s); err != nil {
			return "is not an IAM role, user or group ARN (arn:aws:iam::123456789012:role/NAME)"
		}
		return ""
	}}
}
