package provider

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

var (
	_ datasource.DataSource              = (*callerIdentityDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*callerIdentityDataSource)(nil)
)

// NewCallerIdentityDataSource is the bedgov_caller_identity data source.
func NewCallerIdentityDataSource() datasource.DataSource {
	return &callerIdentityDataSource{}
}

type callerIdentityDataSource struct {
	client *awsclient.Client
}

type callerIdentityModel struct {
	ID        types.String `tfsdk:"id"`
	AccountID types.String `tfsdk:"account_id"`
	ARN       types.String `tfsdk:"arn"`
	UserID    types.String `tfsdk:"user_id"`
	Region    types.String `tfsdk:"region"`
}

func (d *callerIdentityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_caller_identity"
}

func (d *callerIdentityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The identity the bedgov provider acts as (STS GetCallerIdentity) and its region. " +
			"Useful to check which account and role a plan will change.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "The account id."},
			"account_id": schema.StringAttribute{Computed: true, MarkdownDescription: "AWS account id."},
			"arn":        schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the calling principal."},
			"user_id":    schema.StringAttribute{Computed: true, MarkdownDescription: "Unique id of the calling principal."},
			"region":     schema.StringAttribute{Computed: true, MarkdownDescription: "Region the provider is configured for."},
		},
	}
}

func (d *callerIdentityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *callerIdentityDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	tflog.Debug(ctx, "calling STS GetCallerIdentity")
	out, err := d.client.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the caller identity", "STS GetCallerIdentity failed: "+awsops.ErrorText(err))
		return
	}
	m := callerIdentityModel{
		ID:        types.StringValue(aws.ToString(out.Account)),
		AccountID: types.StringValue(aws.ToString(out.Account)),
		ARN:       types.StringValue(aws.ToString(out.Arn)),
		UserID:    types.StringValue(aws.ToString(out.UserId)),
		Region:    types.StringValue(d.client.Region),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
