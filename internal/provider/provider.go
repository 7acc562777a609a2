// Package provider implements the bedgov Terraform provider with the plugin framework
// (protocol 6). It stays thin: the AWS steps it composes (finders, creates, waiters,
// deletes, the tagging path and the named error predicates) live in internal/awsops,
// the configured SDK clients in internal/awsclient, and domain logic (cap record, cost
// math, policy documents) in internal/governance.
//
// Where to look: one file per Terraform type (resource_*.go, data_source_*.go, each with
// its _test.go). bedgov_team is parts, each with its model, schema function and
// plan/apply/read/import/delete steps: resource_team.go (name, tags, profiles, invoke
// policy), resource_team_alerting.go (budget, topic, alarms, dashboard, anomaly
// detection), resource_team_enforcer.go (the enforcer wiring). Shared helpers: tags.go,
// naming.go (every name bedgov gives an AWS object), validators.go, convert.go,
// diagnostics.go (the one error-message convention) and crud.go.
package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
)

var _ provider.Provider = (*bedgovProvider)(nil)

// New returns the provider factory for the given version ("dev", "test" or a release).
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &bedgovProvider{version: version}
	}
}

type bedgovProvider struct {
	version string
}

type providerModel struct {
	Region                    types.String      `tfsdk:"region"`
	Profile                   types.String      `tfsdk:"profile"`
	SharedConfigFiles         types.List        `tfsdk:"shared_config_files"`
	SharedCredentialsFiles    types.List        `tfsdk:"shared_credentials_files"`
	AssumeRole                *assumeRoleModel  `tfsdk:"assume_role"`
	DefaultTags               *defaultTagsModel `tfsdk:"default_tags"`
	MaxRetries                types.Int64       `tfsdk:"max_retries"`
	SkipCredentialsValidation types.Bool        `tfsdk:"skip_credentials_validation"`
	SkipRequestingAccountID   types.Bool        `tfsdk:"skip_requesting_account_id"`
	Endpoints                 *endpointsModel   `tfsdk:"endpoints"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	ExternalID  types.String `tfsdk:"external_id"`
	Duration    types.String `tfsdk:"duration"`
}

type defaultTagsModel struct {
	Tags types.Map `tfsdk:"tags"`
}

type endpointsModel struct {
	Athena         types.String `tfsdk:"athena"`
	Bedrock        types.String `tfsdk:"bedrock"`
	BedrockRuntime types.String `tfsdk:"bedrockruntime"`
	Budgets        types.String `tfsdk:"budgets"`
	CE             types.String `tfsdk:"ce"`
	CloudWatch     types.String `tfsdk:"cloudwatch"`
	DynamoDB       types.String `tfsdk:"dynamodb"`
	Glue           types.String `tfsdk:"glue"`
	IAM            types.String `tfsdk:"iam"`
	Lambda         types.String `tfsdk:"lambda"`
	Logs           types.String `tfsdk:"logs"`
	Organizations  types.String `tfsdk:"organizations"`
	Pricing        types.String `tfsdk:"pricing"`
	S3             types.String `tfsdk:"s3"`
	SNS            types.String `tfsdk:"sns"`
	STS            types.String `tfsdk:"sts"`
}

func (m *endpointsModel) byService() map[string]types.String {
	return map[string]types.String{
		awsclient.ServiceAthena:         m.Athena,
		awsclient.ServiceBedrock:        m.Bedrock,
		awsclient.ServiceBedrockRuntime: m.BedrockRuntime,
		awsclient.ServiceBudgets:        m.Budgets,
		awsclient.ServiceCostExplorer:   m.CE,
		awsclient.ServiceCloudWatch:     m.CloudWatch,
		awsclient.ServiceDynamoDB:       m.DynamoDB,
		awsclient.ServiceGlue:           m.Glue,
		awsclient.ServiceIAM:            m.IAM,
		awsclient.ServiceLambda:         m.Lambda,
		awsclient.ServiceLogs:           m.Logs,
		awsclient.ServiceOrganizations:  m.Organizations,
		awsclient.ServicePricing:        m.Pricing,
		awsclient.ServiceS3:             m.S3,
		awsclient.ServiceSNS:            m.SNS,
		awsclient.ServiceSTS:            m.STS,
	}
}

func (p *bedgovProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "bedgov"
	resp.Version = p.version
}

func (p *bedgovProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	endpointAttrs := map[string]schema.Attribute{}
	for _, svc := range awsclient.Services {
		endpointAttrs[svc] = schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Custom endpoint URL for the `" + svc + "` API. Wins over `" + awsclient.EnvVar[svc] +
				"`, `AWS_ENDPOINT_URL` and the shared config file.",
			Validators: []validator.String{endpointURL()},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The bedgov provider gives every team that uses Amazon Bedrock a governed lane: a tagged " +
			"application inference profile, a scoped IAM policy, budget alerts and a hard monthly spending cap " +
			"enforced by a proxy that the provider deploys. It authenticates like the AWS provider: the standard " +
			"credential chain, a named profile, or `assume_role`.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "AWS region, such as `us-east-1`. Defaults to `AWS_REGION` or the profile's region.",
				Validators:          []validator.String{awsRegion()},
			},
			"profile": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Named profile from the shared config and credentials files. Defaults to `AWS_PROFILE`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"shared_config_files": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Paths of shared config files. Defaults to `~/.aws/config`.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"shared_credentials_files": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Paths of shared credentials files. Defaults to `~/.aws/credentials`.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times an AWS call is retried on throttling or a transient error. " +
					"Defaults to 25, as in the AWS provider.",
				Validators: []validator.Int64{int64validator.Between(0, 100)},
			},
			"skip_credentials_validation": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Skip the STS GetCallerIdentity check of the credentials at configuration.",
			},
			"skip_requesting_account_id": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Do not look up the account id. Resources that need it (budgets, policies " +
					"conditioned on `aws:SourceAccount`) then fail with a clear error.",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "Assume this IAM role with the base credentials before any other call.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						Optional:            true, // required when the block is present; checked by AlsoRequires
						MarkdownDescription: "ARN of the role to assume. Required in this block.",
						Validators:          []validator.String{iamRoleARN()},
					},
					"session_name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Session name. Defaults to `bedgov-<timestamp>`.",
						Validators: []validator.String{
							stringvalidator.LengthBetween(2, 64),
							stringvalidator.RegexMatches(sessionNamePattern, "may contain only letters, digits and =,.@-_"),
						},
					},
					"external_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "External id the role's trust policy requires.",
						Validators:          []validator.String{stringvalidator.LengthBetween(2, 1224)},
					},
					"duration": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Session duration as a Go duration (`1h`, `45m`), 15 minutes to 12 hours. Defaults to 15 minutes.",
						Validators:          []validator.String{goDuration(15*time.Minute, 12*time.Hour)},
					},
				},
				Validators: nil,
			},
			"default_tags": schema.SingleNestedBlock{
				MarkdownDescription: "Tags merged into the `tags_all` of every bedgov resource; a resource's own `tags` win.",
				Attributes: map[string]schema.Attribute{
					"tags": schema.MapAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Tags for every resource.",
						Validators: []validator.Map{
							mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128)),
							mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
						},
					},
				},
			},
			"endpoints": schema.SingleNestedBlock{
				MarkdownDescription: "Custom service endpoints, e.g. for a local emulator. Precedence: this block, then " +
					"`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the shared config file, then AWS's own.",
				Attributes: endpointAttrs,
			},
		},
	}
}

func (p *bedgovProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := m.toAWSClientConfig(ctx, p.version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	tflog.Debug(ctx, "configuring AWS clients", map[string]any{
		"region": cfg.Region, "profile": cfg.Profile, "assume_role": cfg.AssumeRole != nil,
		"endpoints": cfg.Endpoints, "skip_credentials_validation": cfg.SkipCredentialsValidation,
	})
	client, err := awsclient.New(ctx, cfg)
	if err != nil {
		addAWSClientError(&resp.Diagnostics, err)
		return
	}
	tflog.Debug(ctx, "AWS clients ready", map[string]any{"account_id": client.AccountID, "region": client.Region, "partition": client.Partition})
	resp.DataSourceData = client
	resp.ResourceData = client
}

func (p *bedgovProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewEnforcerResource,
		NewTeamResource,
		NewInvocationLoggingResource,
	}
}

func (p *bedgovProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewCallerIdentityDataSource,
		NewTeamUsageDataSource,
		NewSpendReportDataSource,
	}
}
