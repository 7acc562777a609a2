package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Helpers the resources share.

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
			addFailure(diags, summary+s.what, subject, err, adviceDestroy)
			return
		}
	}
}
