// Package awsops holds the AWS steps the provider's resources compose, in the AWS
// provider's manner: finders that map each service's not-found error to ErrNotFound,
// deletes that treat already-gone as done, and small retry loops for eventual
// consistency, each retry visible in debug logs.
package awsops

import (
	"context"
	"errors"
	"time"

	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// ErrNotFound is what every finder returns when the object does not exist.
var ErrNotFound = errors.New("not found")

// IsNotFound reports whether err is (or wraps) ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// notFound wraps an SDK not-found error so callers can test it with IsNotFound.
type notFound struct{ err error }

func (e notFound) Error() string   { return e.err.Error() }
func (e notFound) Unwrap() []error { return []error{ErrNotFound, e.err} }
func wrapNotFound(err error) error { return notFound{err} }

// IsAlreadyExists reports whether a create failed because the object exists: IAM's
// EntityAlreadyExists, Glue's AlreadyExistsException.
func IsAlreadyExists(err error) bool {
	return hasCode(err, "EntityAlreadyExists", "AlreadyExistsException")
}

// IsBucketNotEmpty reports whether S3 refused to delete a bucket that still holds
// objects (BucketNotEmpty, 409).
func IsBucketNotEmpty(err error) bool { return hasCode(err, "BucketNotEmpty") }

// IsTableNotFound reports whether DynamoDB answered that the table does not exist
// (ResourceNotFoundException), as a call on a deleted enforcer's cap table does.
func IsTableNotFound(err error) bool { return hasCode(err, "ResourceNotFoundException") }

// ErrorText is an AWS error as one readable sentence, its code and message, without the
// SDK's operation and request-id wrapping; any other error as it is.
func ErrorText(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return err.Error()
}

func hasCode(err error, codes ...string) bool {
	c := apiErrorCode(err)
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// PropagationTimeout is how long a step retries while IAM (or another service) has not
// yet caught up with an object just created: the AWS provider's long-tested 2 minutes.
var PropagationTimeout = 2 * time.Minute

// retry calls fn until it succeeds, returns an error retryable rejects, or timeout
// passes. Backoff doubles from 200 ms up to 5 s.
func retry(ctx context.Context, what string, timeout time.Duration, retryable func(error) bool, fn func() error) error {
	deadline := time.Now().Add(timeout)
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !retryable(err) || time.Now().Add(delay).After(deadline) {
			return err
		}
		tflog.Debug(ctx, "retrying AWS call", map[string]any{"step": what, "attempt": attempt, "error_code": apiErrorCode(err), "delay": delay.String()})
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
		if delay > 5*time.Second {
			delay = 5 * time.Second
		}
	}
}
