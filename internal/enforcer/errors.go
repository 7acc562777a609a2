package enforcer

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is an error answered in Bedrock Runtime's restJson1 shape: the status, an
// X-Amzn-ErrorType header naming a modeled error, and {"message": ...}. Each type is
// answered with the status Bedrock Runtime's API model gives it (bedrock-runtime
// 2023-09-30, smithy.api#httpError), so the official SDKs deserialize it as they would
// Bedrock's own and retry it only when they would retry Bedrock's:
//
//	budget exhausted          400 ServiceQuotaExceededException (no SDK retries a 400)
//	invocation already billed 400 ConflictException
//	budget held by in-flight  429 ThrottlingException           (the SDKs back off and retry)
//	id already in flight      429 ThrottlingException           (the SDKs back off and retry)
//	ledger unavailable        503 ServiceUnavailableException   (retried)
//	wrong team / model / key  403 AccessDeniedException
//	bad or oversize request   400 ValidationException
//
// A 429 for the exhausted budget would be retried by boto3's default ("legacy") mode,
// which retries every 429 up to five attempts, and by the JavaScript SDK, which treats a
// 429 as throttling.
type apiError struct {
	status  int
	typ     string
	message string
}

func (e *apiError) Error() string { return e.typ + ": " + e.message }

func errBlocked(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ServiceQuotaExceededException", msg}
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
	return &apiError{http.StatusBadRequest, "ValidationException", msg}
}
func errConflict(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ConflictException", msg}
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
