// Command terraform-provider-bedgov is the bedgov Terraform provider: a governed lane on
// Amazon Bedrock for every team (inference profiles, scoped IAM, budgets and alerts, and
// a hard monthly cap enforced by a proxy the provider deploys).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/bedgov/terraform-provider-bedgov/internal/provider"
)

// Set by goreleaser (ldflags -X main.version=... -X main.commit=...).
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.BoolVar(&showVersion, "version", false, "print the provider version and exit")
	flag.Parse()

	if showVersion {
		fmt.Printf("terraform-provider-bedgov %s (%s)\n", version, commit)
		return
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/bedgov/bedgov",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
