package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
)

// clientFrom unpacks the provider data handed to resources and data sources. It is nil
// before the provider is configured (e.g. during validation), which callers tolerate.
func clientFrom(data any, diags *diag.Diagnostics) *awsclient.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*awsclient.Client)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *awsclient.Client, got %T; this is a bug in bedgov", data))
		return nil
	}
	return c
}
