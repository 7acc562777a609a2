package provider

// Diagnostics: one convention for what the provider reports when an AWS step fails.
// The summary says what failed ("Cannot create the team's SNS topic"); the detail names
// the object ("team ai-core: ") with AWS's answer, then what to do.

import (
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

// What to do after a failed step, by operation.
const (
	adviceCreate  = "What was made is saved in the state, and the resource is tainted: fix the cause and run terraform apply again, which replaces it."
	adviceApply   = "What was made is saved in the state: fix the cause and run terraform apply again, which continues from there."
	adviceDestroy = "The resource stays in the state with what is left: fix the cause and run terraform destroy again."
	adviceRead    = "Check the provider's credentials and permissions, then run the plan again."
	adviceImport  = "Nothing was imported: fix the cause and run the import again."
)

// stepError is an error from one named step of an apply, read or delete, such as
// "create the team's SNS topic". Each ensure*, refresh* and delete* step returns its
// errors wrapped in one, so the diagnostic says which step failed.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// failed wraps a step's error (nil stays nil) with the step's name.
func failed(step string, err error) error {
	if err == nil {
		return nil
	}
	var se *stepError
	if errors.As(err, &se) {
		return err // the innermost step names the failure best
	}
	return &stepError{step: step, err: err}
}

// addFailure reports err by the convention above. summary is used when err names no
// step; subject is the object ("team ai-core", "enforcer bedgov", "bucket logs-1").
func addFailure(diags *diag.Diagnostics, summary, subject string, err error, advice string) {
	var se *stepError
	if errors.As(err, &se) {
		summary, err = "Cannot "+se.step, se.err
	}
	detail := subject + ": " + awsops.ErrorText(err)
	if advice != "" {
		detail += "\n\n" + advice
	}
	diags.AddError(summary, detail)
}
