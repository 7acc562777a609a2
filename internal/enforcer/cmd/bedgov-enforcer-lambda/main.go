// Command bedgov-enforcer-lambda is the enforcer as a Lambda function behind a function
// URL in RESPONSE_STREAM invoke mode (runtime provided.al2023). Build:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath \
//	  -ldflags="-s -w" -o bootstrap ./internal/enforcer/cmd/bedgov-enforcer-lambda
//
// Configuration comes from the environment (internal/enforcer.FromEnv). Initialisation
// makes no network call.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
)

func main() {
	h, err := enforcer.FromEnvironment(context.Background(), func(c *enforcer.Config) {
		// A function URL is the front; a header is never trusted here, and the
		// function is frozen once its response ends, so settlement is inline.
		c.TrustedPrincipalHeader = ""
		c.DetachSettle = false
	}, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bedgov enforcer: configuration:", err)
		os.Exit(1)
	}
	lambdaurl.Start(h)
}
