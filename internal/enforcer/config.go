package enforcer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// AuthMode selects how callers are identified.
type AuthMode string

const (
	// AuthIAM identifies the caller by the IAM principal ARN a trusted front verified:
	// the Lambda function URL's AWS_IAM authorizer, or, for the plain server, a header
	// set by a trusted front (TrustedPrincipalHeader).
	AuthIAM AuthMode = "iam"
	// AuthAPIKey identifies the caller by "Authorization: Bearer <key>", compared by
	// SHA-256 hash with the key hashes in the cap table.
	AuthAPIKey AuthMode = "api_key"
)

// Config is the enforcer's configuration. FromEnv reads it from the environment the
// bedgov_enforcer resource gives the Lambda function.
type Config struct {
	Table    string
	AuthMode AuthMode
	// FailOpen forwards requests uncounted when the ledger is unreachable; the default
	// (false) answers 503.
	FailOpen bool
	// Region is the Bedrock Region requests are signed for and, without BedrockEndpoint,
	// sent to.
	Region          string
	BedrockEndpoint string
	Pricing         *governance.PricingTable
	// ReservationTTL is the longest a request may run; its reservation expires after it
	// (and is then released by any enforcer that sees it).
	ReservationTTL time.Duration
	MaxBodyBytes   int64
	// IdentityCacheTTL is how long an identity -> team mapping and a team's
	// configuration are reused before being read again.
	IdentityCacheTTL time.Duration
	// TrustedPrincipalHeader, for the plain server in iam mode only, names the header in
	// which a trusted front (that authenticated the caller) passes the principal ARN.
	// Never set it on a server clients reach directly.
	TrustedPrincipalHeader string
	MetricsNamespace       string
	// CacheEntries bounds each cache the request path keeps (identities, team views,
	// Bedrock URLs); 0 means 10,000.
	CacheEntries int
	// DetachSettle settles after the handler returns (plain server): the client's
	// response ends without waiting for the ledger write. Lambda must settle inline,
	// because a function is frozen once its response ends.
	DetachSettle bool
}

// Environment variables read by FromEnv.
const (
	EnvTable                  = "BEDGOV_TABLE"                    // required
	EnvAuthMode               = "BEDGOV_AUTH_MODE"                // iam (default) | api_key
	EnvFailMode               = "BEDGOV_FAIL_MODE"                // closed (default) | open
	EnvRegion                 = "BEDGOV_BEDROCK_REGION"           // default AWS_REGION
	EnvBedrockEndpoint        = "BEDGOV_BEDROCK_ENDPOINT"         // default https://bedrock-runtime.<region>.amazonaws.com
	EnvDynamoDBEndpoint       = "BEDGOV_DYNAMODB_ENDPOINT"        // default: the SDK's
	EnvSNSEndpoint            = "BEDGOV_SNS_ENDPOINT"             // default: the SDK's
	EnvPricingOverrides       = "BEDGOV_PRICING_OVERRIDES"        // JSON {"<model id>": {"input_per_mtok": 3, "output_per_mtok": 15, ...}} (numbers or decimal strings)
	EnvPriceList              = "BEDGOV_PRICE_LIST"               // pricing.json-format models from AWS's Price List that differ from the embedded catalog (pricing_source = "aws")
	EnvReservationTTL         = "BEDGOV_RESERVATION_TTL"          // Go duration, default 15m
	EnvMaxBodyBytes           = "BEDGOV_MAX_BODY_BYTES"           // default 20971520
	EnvIdentityCacheTTL       = "BEDGOV_IDENTITY_CACHE_TTL"       // Go duration, default 30s
	EnvTrustedPrincipalHeader = "BEDGOV_TRUSTED_PRINCIPAL_HEADER" // plain server, iam mode only
	EnvMetricsNamespace       = "BEDGOV_METRICS_NAMESPACE"        // default Bedgov/Enforcer
)

// FromEnv builds a Config from getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Table:                  getenv(EnvTable),
		AuthMode:               AuthMode(strings.ToLower(getenv(EnvAuthMode))),
		Region:                 getenv(EnvRegion),
		BedrockEndpoint:        getenv(EnvBedrockEndpoint),
		TrustedPrincipalHeader: getenv(EnvTrustedPrincipalHeader),
		MetricsNamespace:       getenv(EnvMetricsNamespace),
	}
	if c.Region == "" {
		c.Region = getenv("AWS_REGION")
	}
	switch strings.ToLower(getenv(EnvFailMode)) {
	case "", "closed":
	case "open":
		c.FailOpen = true
	default:
		return c, fmt.Errorf("%s must be closed or open", EnvFailMode)
	}
	var err error
	if c.ReservationTTL, err = envDuration(getenv, EnvReservationTTL); err != nil {
		return c, err
	}
	if c.IdentityCacheTTL, err = envDuration(getenv, EnvIdentityCacheTTL); err != nil {
		return c, err
	}
	if v := getenv(EnvMaxBodyBytes); v != "" {
		if c.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64); err != nil || c.MaxBodyBytes <= 0 {
			return c, fmt.Errorf("%s must be a positive integer", EnvMaxBodyBytes)
		}
	}
	c.Pricing = governance.DefaultPricing()
	if v := getenv(EnvPriceList); v != "" {
		if c.Pricing, err = c.Pricing.WithPatch([]byte(v)); err != nil {
			return c, fmt.Errorf("%s: %w", EnvPriceList, err)
		}
	}
	if v := getenv(EnvPricingOverrides); v != "" {
		var o map[string]governance.PriceOverride
		if err := json.Unmarshal([]byte(v), &o); err != nil {
			return c, fmt.Errorf("%s: %w", EnvPricingOverrides, err)
		}
		if c.Pricing, err = c.Pricing.WithOverrides(o); err != nil {
			return c, err
		}
	}
	return c, c.normalize()
}

func envDuration(getenv func(string) string, k string) (time.Duration, error) {
	v := getenv(k)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration like 15m", k)
	}
	return d, nil
}

// normalize fills defaults and validates.
func (c *Config) normalize() error {
	if c.Table == "" {
		return fmt.Errorf("%s is required", EnvTable)
	}
	if c.AuthMode == "" {
		c.AuthMode = AuthIAM
	}
	if c.AuthMode != AuthIAM && c.AuthMode != AuthAPIKey {
		return fmt.Errorf("%s must be iam or api_key, got %q", EnvAuthMode, c.AuthMode)
	}
	if c.Region == "" {
		return fmt.Errorf("%s or AWS_REGION is required", EnvRegion)
	}
	if c.BedrockEndpoint == "" {
		c.BedrockEndpoint = "https://bedrock-runtime." + c.Region + ".amazonaws.com"
	}
	if c.Pricing == nil {
		c.Pricing = governance.DefaultPricing()
	}
	if c.ReservationTTL == 0 {
		c.ReservationTTL = 15 * time.Minute
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 20 << 20
	}
	if c.IdentityCacheTTL == 0 {
		c.IdentityCacheTTL = 30 * time.Second
	}
	if c.CacheEntries <= 0 {
		c.CacheEntries = defaultCacheEntries
	}
	if c.MetricsNamespace == "" {
		c.MetricsNamespace = "Bedgov/Enforcer"
	}
	return nil
}
