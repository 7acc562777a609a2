package enforcer

import (
	"net/http"

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
		if trustedHeader == "" {
			return "", false
		}
		v := r.Header.Get(trustedHeader)
		return v, v != ""
	}
}
