package localaws

import (
	"fmt"
	"net/http"
)

// APIError is an error in AWS's terms. Handlers return one to answer a request with an
// error; each protocol codec writes it in that protocol's wire shape, so the SDK surfaces
// it as its typed error (errors.As to e.g. *types.ResourceNotFoundException).
type APIError struct {
	// Code is the error code / shape name the SDK matches, e.g. "ResourceNotFoundException"
	// (JSON and restJson1 services), "NoSuchEntity" (IAM), "DashboardNotFoundError"
	// (CloudWatch's shape name).
	Code string
	// QueryCode is the awsQuery error code when it differs from Code. For awsQuery services
	// it replaces Code (e.g. Code "ThrottlingException", QueryCode "Throttling"); for the
	// awsQuery-compatible CloudWatch over CBOR it goes into the X-Amzn-Query-Error header
	// (e.g. Code "DashboardInvalidInputError", QueryCode "InvalidParameterInput").
	QueryCode string
	// Message is the human-readable message.
	Message string
	// Status is the HTTP status; 400 when zero.
	Status int
	// Fields are extra members of the error structure, serialized next to the message
	// (e.g. CloudWatch's dashboardValidationMessages). Keys are wire member names.
	Fields map[string]any
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// HTTPStatus is the status the error is sent with.
func (e *APIError) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Fault is "Sender" for 4xx and "Receiver" for 5xx, as awsQuery writes it.
func (e *APIError) Fault() string {
	if e.HTTPStatus() >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// codeFor returns the code the given protocol sends.
func (e *APIError) codeFor(p Protocol) string {
	if p == AWSQuery && e.QueryCode != "" {
		return e.QueryCode
	}
	return e.Code
}

// Errorf builds an APIError with status 400.
func Errorf(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// ErrorStatus builds an APIError with an explicit HTTP status.
func ErrorStatus(status int, code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// Common errors. Each call returns a fresh value, so callers may modify it.

// ErrThrottling is the throttling error every protocol knows: ThrottlingException for
// JSON and REST services, Throttling for awsQuery ones. The SDK retries it.
func ErrThrottling() *APIError {
	return &APIError{Code: "ThrottlingException", QueryCode: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}
}

// ErrInternal is a 500 InternalFailure (InternalServerException on REST services is a
// modeled variant; use Errorf for it). The SDK retries 5xx.
func ErrInternal() *APIError {
	return &APIError{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError}
}

// ErrServiceUnavailable is a 503 ServiceUnavailable.
func ErrServiceUnavailable() *APIError {
	return &APIError{Code: "ServiceUnavailable", Message: "Service is unavailable, please try again later.", Status: http.StatusServiceUnavailable}
}

// ErrValidation is the generic validation error: ValidationException for JSON and REST
// services, ValidationError for awsQuery ones.
func ErrValidation(format string, args ...any) *APIError {
	return &APIError{Code: "ValidationException", QueryCode: "ValidationError", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}
