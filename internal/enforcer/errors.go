package enforcer

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is an error answered in Bedrock Runtime's restJson1 shape: the status, an
// X-Amzn-ErrorType header naming a modeled error, and {"message": ...}. The official
// SDKs deserialize it into their typed errors, and retry it only when the type and
// status say so:
//
//	budget exhausted          429 ServiceQuotaExceededException (modeled, not retryable: no retry)
//	budget held by in-flight  429 ThrottlingException          (the SDK backs off and retries)
//	id already in flight      429 ThrottlingException          (the SDK backs off and retries)
//	ledger unavailable        503 ServiceUnavailableException  (retried)
//	wrong team / model / key  403 AccessDeniedException
//	bad request               400 ValidationException
type apiError struct {
	status  int
	typ     string
	message string
}

func (e *apiError) Error() string { return e.typ + ": " + e.message }

func errBlocked(msg string) *apiError {
	return &apiError{http.StatusTooManyRequests, "ServiceQuotaExceededException", msg}
}
func errThrottled(msg string) *apiError {
	return &apiError{http.StatusTooManyRequests, "ThrottlingException", msg}
}
func errUnavailable(msg string) *apiError {
	return &apiError{http.StatusServiceUnavailable, "ServiceUnavailableException", msg}
}
func errDenied(msg string) *apiError {
	return &apiError{http.StatusForbidden, "AccessDeniedException", msg}
}
func errValidation(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", msg}
}
func errNotFound(msg string) *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFoundException", msg}
}
func errTooLarge(msg string) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, "ValidationException", msg}
}
func errInternal(msg string) *apiError {
	return &apiError{http.StatusInternalServerError, "InternalServerException", msg}
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.typ)
	msg, _ := json.Marshal(e.message)
	body := make([]byte, 0, len(msg)+12)
	body = append(body, `{"message":`...)
	body = append(body, msg...)
	body = append(body, '}')
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
