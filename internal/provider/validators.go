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
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
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

// degradeFormatWarning warns at plan when degrade_to_model reads another InvokeModel
// request format than model (governance.RequestFormat): the enforcer then degrades
// only Converse and ConverseStream calls, whose format every model reads, and sends
// InvokeModel calls to the primary model even past the degrade threshold.
func degradeFormatWarning(model, degrade types.String) diag.Diagnostics {
	var diags diag.Diagnostics
	if model.IsNull() || model.IsUnknown() || degrade.IsNull() || degrade.IsUnknown() {
		return diags
	}
	m, d := model.ValueString(), degrade.ValueString()
	if governance.SameRequestFormat(m, d) {
		return diags
	}
	formatOf := func(s string) string {
		if f := governance.RequestFormat(s); f != "" {
			return "the " + f + " request format"
		}
		return "a request format bedgov does not know"
	}
	diags.AddAttributeWarning(path.Root("degrade_to_model"), "InvokeModel calls will not be degraded",
		fmt.Sprintf("model %q reads %s and degrade_to_model %q reads %s: an InvokeModel body written for one cannot be sent to the other, "+
			"so past the degrade threshold the enforcer degrades only Converse and ConverseStream calls (one format for every model) "+
			"and keeps InvokeModel calls on %q. To degrade InvokeModel calls too, choose a degrade model of the same family.",
			m, formatOf(m), d, formatOf(d), m))
	return diags
}

// warnNoCallers warns at plan when a team wired to an iam-mode enforcer has no
// principals: the enforcer maps a caller's IAM principal to its team, so such a team
// can be called by nobody. The mode comes from the wiring in state (iam mode has a
// caller policy), else, for a new wiring to an existing enforcer, from its function.
func (r *teamResource) warnNoCallers(ctx context.Context, plan, state *teamModel, diags *diag.Diagnostics) {
	if plan.Enforcer.IsUnknown() || plan.Principals.IsUnknown() || len(plan.Principals.Elements()) > 0 {
		return
	}
	mode := ""
	switch {
	case state != nil && plan.Enforcer.Equal(state.Enforcer) && !state.CurrentSpendUSD.IsNull():
		if !state.CallerPolicyARN.IsNull() {
			mode = "iam"
		}
	case r.client != nil:
		if info, err := findEnforcer(ctx, r.client, plan.Enforcer.ValueString()); err == nil {
			mode = info.AuthMode
		}
	}
	diags.Append(noCallersWarning(plan.Name.ValueString(), plan.Enforcer.ValueString(), mode)...)
}

func noCallersWarning(team, enforcer, mode string) diag.Diagnostics {
	var diags diag.Diagnostics
	if mode != "iam" {
		return diags
	}
	diags.AddAttributeWarning(path.Root("principals"), "Nobody can call team "+team,
		fmt.Sprintf("enforcer %q identifies callers by their IAM principal (auth_mode = \"iam\"), and team %s lists no principals, "+
			"so every request through the enforcer is refused. Add the IAM role or user ARNs that call Bedrock for the team to "+
			"principals, for example principals = [\"arn:aws:iam::123456789012:role/%s-app\"].", enforcer, team, team))
	return diags
}
