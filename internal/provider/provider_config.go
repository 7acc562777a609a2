package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
)

// toAWSClientConfig maps the provider block onto awsclient.Config. Unknown values (a
// provider configured from another resource's output) are refused with a clear message:
// the provider needs its credentials to plan.
func (m *providerModel) toAWSClientConfig(ctx context.Context, version string) (awsclient.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	cfg := awsclient.Config{Version: version}

	known := func(p path.Path, v interface{ IsUnknown() bool }) bool {
		if v.IsUnknown() {
			diags.AddAttributeError(p, "Provider configuration is not known yet",
				"This value depends on a resource that is not created yet. The bedgov provider needs it to plan; "+
					"set it from a variable or a value known before apply.")
			return false
		}
		return true
	}

	if known(path.Root("region"), m.Region) {
		cfg.Region = m.Region.ValueString()
	}
	if known(path.Root("profile"), m.Profile) {
		cfg.Profile = m.Profile.ValueString()
	}
	if known(path.Root("shared_config_files"), m.SharedConfigFiles) && !m.SharedConfigFiles.IsNull() {
		diags.Append(m.SharedConfigFiles.ElementsAs(ctx, &cfg.SharedConfigFiles, false)...)
	}
	if known(path.Root("shared_credentials_files"), m.SharedCredentialsFiles) && !m.SharedCredentialsFiles.IsNull() {
		diags.Append(m.SharedCredentialsFiles.ElementsAs(ctx, &cfg.SharedCredentialsFiles, false)...)
	}
	if known(path.Root("max_retries"), m.MaxRetries) && !m.MaxRetries.IsNull() {
		n := int(m.MaxRetries.ValueInt64())
		cfg.MaxRetries = &n
	}
	cfg.SkipCredentialsValidation = m.SkipCredentialsValidation.ValueBool()
	cfg.SkipRequestingAccountID = m.SkipRequestingAccountID.ValueBool()

	if ar := m.AssumeRole; ar != nil && (!ar.RoleARN.IsNull() || !ar.SessionName.IsNull() || !ar.ExternalID.IsNull() || !ar.Duration.IsNull()) {
		p := path.Root("assume_role")
		if ar.RoleARN.IsNull() {
			diags.AddAttributeError(p.AtName("role_arn"), "Missing role_arn",
				"The assume_role block needs role_arn, the ARN of the role to assume.")
		} else if known(p.AtName("role_arn"), ar.RoleARN) && known(p.AtName("duration"), ar.Duration) {
			cfg.AssumeRole = &awsclient.AssumeRole{
				RoleARN:     ar.RoleARN.ValueString(),
				SessionName: ar.SessionName.ValueString(),
				ExternalID:  ar.ExternalID.ValueString(),
			}
			if d := ar.Duration.ValueString(); d != "" {
				cfg.AssumeRole.Duration, _ = time.ParseDuration(d) // validated by goDuration
			}
		}
	}

	if dt := m.DefaultTags; dt != nil && known(path.Root("default_tags").AtName("tags"), dt.Tags) && !dt.Tags.IsNull() {
		cfg.DefaultTags = map[string]string{}
		diags.Append(dt.Tags.ElementsAs(ctx, &cfg.DefaultTags, false)...)
	}

	if ep := m.Endpoints; ep != nil {
		cfg.Endpoints = map[string]string{}
		for svc, v := range ep.byService() {
			if known(path.Root("endpoints").AtName(svc), v) && v.ValueString() != "" {
				cfg.Endpoints[svc] = v.ValueString()
			}
		}
	}
	return cfg, diags
}

// addAWSClientError turns an awsclient failure into one diagnostic that names the cause.
func addAWSClientError(diags *diag.Diagnostics, err error) {
	var cerr *awsclient.Error
	if errors.As(err, &cerr) {
		diags.AddError(cerr.Summary, cerr.Detail)
		return
	}
	diags.AddError("Cannot configure the bedgov provider", err.Error())
}
