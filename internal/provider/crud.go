package provider

// The skeletons every resource's Read and apply share; each resource supplies its
// refresh and its steps.

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

// runSteps runs an apply's steps in order, each recording what it made in the apply's
// state, and stops at the first failure.
func runSteps[A any](ctx context.Context, a A, steps ...func(context.Context, A) error) error {
	for _, step := range steps {
		if err := step(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
