package provider

// The skeleton every resource's Read shares; each resource supplies its refresh.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// readState is a resource's Read: it refreshes the state from AWS, reports a failure by
// the provider's convention (summary "Cannot read <what>", detail naming subject(state)),
// and removes the resource from state when refresh finds nothing of it left.
func readState[M any](ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, what string,
	subject func(M) string, refresh func(context.Context, *M) (gone bool, err error)) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gone, err := refresh(ctx, &state)
	if err != nil {
		addFailure(&resp.Diagnostics, "Cannot read "+what, subject(state), err, adviceRead)
		return
	}
	if gone {
		tflog.Warn(ctx, "nothing of the resource is left; removing it from state", map[string]any{"resource": subject(state)})
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
