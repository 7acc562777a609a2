// Package clientsuite holds the client suite: the clients teams actually use (Claude
// Code, the Anthropic Bedrock SDK, the AWS SDK for JavaScript v3, boto3, the openai SDK
// and the Go SDK) driven as real processes through a bedgov enforcer that `terraform
// apply` deploys in the local emulator, over HTTPS with the run's CA. See
// clientsuite_test.go; `make test` runs it, and a missing client fails the run with
// how to install it.
package clientsuite
