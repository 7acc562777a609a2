package enforcer

import (
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/lambdaurl"
)

// defaultPrincipal reads the caller's principal ARN from the Lambda function URL's
// AWS_IAM authorizer context when the request came through lambdaurl, otherwise from
// the trusted front's header when one is configured. A client-sent header is never
// read in Lambda, and is read by the plain server only when the operator names it.
func defaultPrincipal(trustedHeader string) PrincipalFunc {
	return func(r *http.Request) (string, bool) {
		if ev, ok := lambdaurl.RequestFromContext(r.Context()); ok {
			if a := ev.RequestContext.Authorizer; a != nil && a.IAM != nil && a.IAM.UserARN != "" {
				return a.IAM.UserARN, true
			}
			return "", false
		}
		if trustedHeader == "" || repeated(r.Header, trustedHeader) {
			return "", false
		}
		v := r.Header.Get(trustedHeader)
		return v, v != ""
	}
}

// repeated reports whether header k has more than one value: several header lines, or
// one line joined with commas (a principal ARN has no comma). A front that appends to
// the header instead of replacing it would otherwise let the first value, possibly the
// client's own, pick the team.
func repeated(h http.Header, k string) bool {
	vs := h.Values(k)
	return len(vs) > 1 || (len(vs) == 1 && strings.Contains(vs[0], ","))
}
