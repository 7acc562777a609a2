package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
)

// Helpers the resources share.

// nullTimeouts is an absent timeouts block, for state built by import.
func nullTimeouts() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
}

// importedTags is the tags attribute of an imported resource: what tags_all holds that
// is neither a provider default tag (with the same value) nor managed-by; null if none.
func importedTags(ctx context.Context, client *awsclient.Client, tagsAll types.Map, diags *diag.Diagnostics) types.Map {
	own := map[string]string{}
	for k, v := range mapFromTF(ctx, tagsAll, diags) {
		if dv, ok := client.DefaultTags[k]; (ok && dv == v) || k == tagManagedBy {
			continue
		}
		own[k] = v
	}
	if len(own) == 0 {
		return types.MapNull(types.StringType)
	}
	m, d := types.MapValueFrom(ctx, types.StringType, own)
	diags.Append(d...)
	return m
}

// hasErrorCode reports whether err is an AWS API error with this code.
func hasErrorCode(err error, code string) bool {
	var coded interface{ ErrorCode() string }
	return errors.As(err, &coded) && coded.ErrorCode() == code
}

// deleteStep is one object a Delete removes.
type deleteStep struct {
	what string
	fn   func() error
}

// runDeleteSteps runs the steps in order and stops at the first failure, reporting
// what could not be deleted (the state keeps the resource, so destroy can run again).
func runDeleteSteps(diags *diag.Diagnostics, summary, subject string, steps []deleteStep) {
	for _, s := range steps {
		if err := s.fn(); err != nil {
			diags.AddError(summary+s.what, subject+": "+awsErrorText(err))
			return
		}
	}
}
