// Package awsclient turns the bedgov provider configuration into configured AWS SDK
// clients: the standard credential chain plus assume_role, per-service endpoints with the
// AWS provider's precedence, retries, the bedgov User-Agent, and a credential check that
// fails with one clear sentence instead of a stack of SDK text.
//
// It knows nothing of Terraform: the provider package maps its schema onto Config.
package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
)

// The keys of the provider's `endpoints` block, one per service bedgov calls.
const (
	ServiceBedrock        = "bedrock"
	ServiceBedrockRuntime = "bedrockruntime"
	ServiceIAM            = "iam"
	ServiceSTS            = "sts"
	ServiceBudgets        = "budgets"
	ServiceCloudWatch     = "cloudwatch"
	ServiceLogs           = "logs"
	ServiceSNS            = "sns"
	ServiceDynamoDB       = "dynamodb"
	ServiceLambda         = "lambda"
	ServiceCostExplorer   = "ce"
	ServiceS3             = "s3"
	ServiceGlue           = "glue"
	ServiceAthena         = "athena"
	ServicePricing        = "pricing"
	ServiceOrganizations  = "organizations"
)

// Services lists every endpoint key, in the order the documentation shows them.
var Services = []string{
	ServiceAthena, ServiceBedrock, ServiceBedrockRuntime, ServiceBudgets, ServiceCostExplorer, ServiceCloudWatch,
	ServiceDynamoDB, ServiceGlue, ServiceIAM, ServiceLambda, ServiceLogs, ServiceOrganizations, ServicePricing, ServiceS3, ServiceSNS, ServiceSTS,
}

// EnvVar is the SDK's service-specific endpoint variable for an endpoints key.
var EnvVar = map[string]string{
	ServiceBedrock:        "AWS_ENDPOINT_URL_BEDROCK",
	ServiceBedrockRuntime: "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
	ServiceIAM:            "AWS_ENDPOINT_URL_IAM",
	ServiceSTS:            "AWS_ENDPOINT_URL_STS",
	ServiceOrganizations:  "AWS_ENDPOINT_URL_ORGANIZATIONS",
	ServiceBudgets:        "AWS_ENDPOINT_URL_BUDGETS",
	ServiceCloudWatch:     "AWS_ENDPOINT_URL_CLOUDWATCH",
	ServiceLogs:           "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
	ServiceSNS:            "AWS_ENDPOINT_URL_SNS",
	ServiceDynamoDB:       "AWS_ENDPOINT_URL_DYNAMODB",
	ServiceLambda:         "AWS_ENDPOINT_URL_LAMBDA",
	ServiceCostExplorer:   "AWS_ENDPOINT_URL_COST_EXPLORER",
	ServiceS3:             "AWS_ENDPOINT_URL_S3",
	ServicePricing:        "AWS_ENDPOINT_URL_PRICING",
	ServiceGlue:           "AWS_ENDPOINT_URL_GLUE",
	ServiceAthena:         "AWS_ENDPOINT_URL_ATHENA",
}

// DefaultMaxRetries is the AWS provider's long-tested default.
const DefaultMaxRetries = 25

// Config is the provider configuration, free of Terraform types.
type Config struct {
	Region                    string
	Profile                   string
	SharedConfigFiles         []string
	SharedCredentialsFiles    []string
	AssumeRole                *AssumeRole
	DefaultTags               map[string]string
	MaxRetries                *int
	SkipCredentialsValidation bool
	SkipRequestingAccountID   bool
	// Endpoints overrides, keyed by the Service* constants. They win over every other
	// source; without one, the SDK applies AWS_ENDPOINT_URL_<SERVICE>, then
	// AWS_ENDPOINT_URL, then the shared config file, then AWS's own endpoint.
	Endpoints map[string]string
	// Version of the provider, sent in the User-Agent as bedgov/<version>.
	Version string
	// APIOptions are added to every client's middleware stack (tests use it).
	APIOptions []func(*smithymiddleware.Stack) error
}

// AssumeRole is the provider's assume_role block.
type AssumeRole struct {
	RoleARN     string
	SessionName string
	ExternalID  string
	Duration    time.Duration
}

// ARN builds an ARN in the client's partition; region and account are empty where the
// service's ARNs have none (IAM: no region; S3 buckets: neither).
func (c *Client) ARN(service, region, account, resource string) string {
	return "arn:" + c.Partition + ":" + service + ":" + region + ":" + account + ":" + resource
}

// RegionalARN builds an ARN of a resource in the client's Region and account.
func (c *Client) RegionalARN(service, resource string) string {
	return c.ARN(service, c.Region, c.AccountID, resource)
}

// Client holds one configured SDK client per service and the caller's identity.
type Client struct {
	AWS         aws.Config
	Region      string
	AccountID   string // empty when skip_requesting_account_id is set
	Partition   string
	CallerARN   string
	DefaultTags map[string]string
	Endpoints   map[string]string
	Version     string

	Athena         *athena.Client
	Bedrock        *bedrock.Client
	BedrockRuntime *bedrockruntime.Client
	Budgets        *budgets.Client
	CloudWatch     *cloudwatch.Client
	CostExplorer   *costexplorer.Client
	DynamoDB       *dynamodb.Client
	Glue           *glue.Client
	IAM            *iam.Client
	Lambda         *lambda.Client
	Logs           *cloudwatchlogs.Client
	// Organizations tells whether the account is an organization's management account.
	Organizations *organizations.Client
	// Pricing is the Price List API, served only from us-east-1, eu-central-1 and
	// ap-south-1 (AWS Price List API docs): the client uses the nearest of them.
	Pricing *pricing.Client
	S3      *s3.Client
	SNS     *sns.Client
	STS     *sts.Client
}

// PriceListRegion is the Price List API endpoint Region for a provider Region: the API
// is served in us-east-1, eu-central-1 and ap-south-1 only.
func PriceListRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "eu-"), strings.HasPrefix(region, "me-"), strings.HasPrefix(region, "af-"), strings.HasPrefix(region, "il-"):
		return "eu-central-1"
	case strings.HasPrefix(region, "ap-"):
		return "ap-south-1"
	}
	return "us-east-1"
}

// Error is a configuration failure with a one-line summary and an actionable detail.
type Error struct {
	Summary string
	Detail  string
	Err     error
}

func (e *Error) Error() string { return e.Summary + ": " + e.Detail }
func (e *Error) Unwrap() error { return e.Err }

// LoadAWSConfig resolves region, credentials (with assume_role), retries and the
// User-Agent. It makes no network call.
func LoadAWSConfig(ctx context.Context, c Config) (aws.Config, error) {
	maxRetries := DefaultMaxRetries
	if c.MaxRetries != nil {
		maxRetries = *c.MaxRetries
	}
	version := c.Version
	if version == "" {
		version = "dev"
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxRetries + 1
				// Throttling retries must not be cut short by the client-side token
				// bucket when many resources refresh at once.
				o.RateLimiter = ratelimit.None
			})
		}),
		config.WithAPIOptions([]func(*smithymiddleware.Stack) error{
			awsmiddleware.AddUserAgentKeyValue("bedgov", version),
		}),
	}
	if len(c.APIOptions) > 0 {
		opts = append(opts, config.WithAPIOptions(c.APIOptions))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if len(c.SharedConfigFiles) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(c.SharedConfigFiles))
	}
	if len(c.SharedCredentialsFiles) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(c.SharedCredentialsFiles))
	}

	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var noProfile config.SharedConfigProfileNotExistError
		if errors.As(err, &noProfile) {
			return aws.Config{}, &Error{
				Summary: "AWS profile not found",
				Detail: fmt.Sprintf("The profile %q is not defined in the shared config or credentials files. "+
					"Check `profile` (or AWS_PROFILE) and `shared_config_files`.", noProfile.Profile),
				Err: err,
			}
		}
		return aws.Config{}, &Error{Summary: "Invalid AWS configuration", Detail: briefError(err), Err: err}
	}
	if cfg.Region == "" {
		return aws.Config{}, &Error{
			Summary: "No AWS region",
			Detail:  "Set `region` in the provider block, or AWS_REGION, or a region in the shared config profile.",
		}
	}

	if ar := c.AssumeRole; ar != nil && ar.RoleARN != "" {
		stsClient := sts.NewFromConfig(cfg, endpointOption[sts.Options](c.Endpoints[ServiceSTS]))
		provider := stscreds.NewAssumeRoleProvider(stsClient, ar.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = ar.SessionName
			if o.RoleSessionName == "" {
				o.RoleSessionName = "bedgov-" + time.Now().UTC().Format("20060102T150405Z")
			}
			if ar.ExternalID != "" {
				o.ExternalID = aws.String(ar.ExternalID)
			}
			if ar.Duration > 0 {
				o.Duration = ar.Duration
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}

// New loads the configuration, builds every client and, unless skipped, validates the
// credentials with STS GetCallerIdentity.
func New(ctx context.Context, c Config) (*Client, error) {
	cfg, err := LoadAWSConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	client := &Client{
		AWS:         cfg,
		Region:      cfg.Region,
		Partition:   partitionForRegion(cfg.Region),
		DefaultTags: c.DefaultTags,
		Endpoints:   c.Endpoints,
		Version:     c.Version,

		Athena:         athena.NewFromConfig(cfg, endpointOption[athena.Options](c.Endpoints[ServiceAthena])),
		Bedrock:        bedrock.NewFromConfig(cfg, endpointOption[bedrock.Options](c.Endpoints[ServiceBedrock])),
		BedrockRuntime: bedrockruntime.NewFromConfig(cfg, endpointOption[bedrockruntime.Options](c.Endpoints[ServiceBedrockRuntime])),
		Budgets:        budgets.NewFromConfig(cfg, endpointOption[budgets.Options](c.Endpoints[ServiceBudgets])),
		CloudWatch:     cloudwatch.NewFromConfig(cfg, endpointOption[cloudwatch.Options](c.Endpoints[ServiceCloudWatch])),
		CostExplorer:   costexplorer.NewFromConfig(cfg, endpointOption[costexplorer.Options](c.Endpoints[ServiceCostExplorer])),
		DynamoDB:       dynamodb.NewFromConfig(cfg, endpointOption[dynamodb.Options](c.Endpoints[ServiceDynamoDB])),
		Glue:           glue.NewFromConfig(cfg, endpointOption[glue.Options](c.Endpoints[ServiceGlue])),
		IAM:            iam.NewFromConfig(cfg, endpointOption[iam.Options](c.Endpoints[ServiceIAM])),
		Lambda:         lambda.NewFromConfig(cfg, endpointOption[lambda.Options](c.Endpoints[ServiceLambda])),
		Logs:           cloudwatchlogs.NewFromConfig(cfg, endpointOption[cloudwatchlogs.Options](c.Endpoints[ServiceLogs])),
		// A custom S3 endpoint (an emulator, a VPC endpoint by IP) needs path-style URLs.
		S3: s3.NewFromConfig(cfg, endpointOption[s3.Options](c.Endpoints[ServiceS3]), func(o *s3.Options) {
			o.UsePathStyle = o.BaseEndpoint != nil
		}),
		Pricing: pricing.NewFromConfig(cfg, endpointOption[pricing.Options](c.Endpoints[ServicePricing]), func(o *pricing.Options) {
			o.Region = PriceListRegion(cfg.Region)
		}),
		Organizations: organizations.NewFromConfig(cfg, endpointOption[organizations.Options](c.Endpoints[ServiceOrganizations])),
		SNS:           sns.NewFromConfig(cfg, endpointOption[sns.Options](c.Endpoints[ServiceSNS])),
		STS:           sts.NewFromConfig(cfg, endpointOption[sts.Options](c.Endpoints[ServiceSTS])),
	}

	if c.SkipCredentialsValidation && c.SkipRequestingAccountID {
		return client, nil
	}

	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, credentialsError(c, err)
	}
	out, err := client.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if c.SkipCredentialsValidation {
			// The account id was wanted but is not essential: carry on without it.
			return client, nil
		}
		return nil, stsError(err)
	}
	client.CallerARN = aws.ToString(out.Arn)
	if !c.SkipRequestingAccountID {
		client.AccountID = aws.ToString(out.Account)
	}
	if parsed, err := arn.Parse(client.CallerARN); err == nil {
		client.Partition = parsed.Partition
	}
	return client, nil
}

// endpointOption sets a client's BaseEndpoint when the provider's endpoints block names
// one: the highest precedence, above every SDK source.
func endpointOption[O athena.Options | bedrock.Options | bedrockruntime.Options | budgets.Options | cloudwatch.Options |
	costexplorer.Options | dynamodb.Options | glue.Options | iam.Options | lambda.Options | cloudwatchlogs.Options |
	organizations.Options | pricing.Options | s3.Options | sns.Options | sts.Options](endpoint string) func(*O) {
	return func(o *O) {
		if endpoint == "" {
			return
		}
		switch v := any(o).(type) {
		case *athena.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *bedrock.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *glue.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *pricing.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *s3.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *bedrockruntime.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *budgets.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *cloudwatch.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *costexplorer.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *dynamodb.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *iam.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *lambda.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *cloudwatchlogs.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *sns.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *sts.Options:
			v.BaseEndpoint = aws.String(endpoint)
		case *organizations.Options:
			v.BaseEndpoint = aws.String(endpoint)
		}
	}
}

func partitionForRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

func credentialsError(c Config, err error) error {
	if c.AssumeRole != nil && c.AssumeRole.RoleARN != "" {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return &Error{
				Summary: "Cannot assume role",
				Detail: fmt.Sprintf("AssumeRole of %s failed: %s: %s. Check the role's trust policy, `external_id` and `duration`.",
					c.AssumeRole.RoleARN, apiErr.ErrorCode(), apiErr.ErrorMessage()),
				Err: err,
			}
		}
		if isNetworkError(err) {
			return unreachableError(err)
		}
	}
	return &Error{
		Summary: "No valid AWS credentials",
		Detail: "bedgov found no credentials in the standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
			"the shared credentials and config files, SSO, web identity, or the instance metadata service). " +
			"Set `profile`, export credentials, or run `aws sso login`. Cause: " + briefError(err),
		Err: err,
	}
}

func stsError(err error) error {
	if isNetworkError(err) {
		return unreachableError(err)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return &Error{
			Summary: "AWS rejected the credentials",
			Detail: fmt.Sprintf("STS GetCallerIdentity failed: %s: %s. Check the credentials or profile in use, "+
				"or set skip_credentials_validation = true.", apiErr.ErrorCode(), apiErr.ErrorMessage()),
			Err: err,
		}
	}
	return &Error{Summary: "Cannot validate AWS credentials", Detail: briefError(err), Err: err}
}

func unreachableError(err error) error {
	endpoint := ""
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if u, perr := url.Parse(uerr.URL); perr == nil {
			endpoint = u.Scheme + "://" + u.Host
		}
	}
	detail := "The STS endpoint did not answer"
	if endpoint != "" {
		detail = fmt.Sprintf("The STS endpoint %s did not answer", endpoint)
	}
	return &Error{
		Summary: "AWS STS is unreachable",
		Detail:  detail + " (" + briefError(err) + "). Check network access, `endpoints.sts`, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL.",
		Err:     err,
	}
}

func isNetworkError(err error) bool {
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) || (errors.As(err, &netErr) && netErr.Timeout())
}

// briefError keeps the innermost useful sentence of an SDK error chain.
func briefError(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ", "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}
