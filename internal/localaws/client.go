package localaws

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The long-term test key every emulator accepts, as the administrator of the emulated
// account (AdministratorAccess). Signatures are verified: other keys must be added with
// WithAccessKey or issued by the emulator (AssumeRole, function instances).
const (
	TestAccessKeyID     = "AKIALOCALAWSTEST0001"
	TestSecretAccessKey = "localaws-secret-access-key"
)

// ClientConfig is an aws.Config that sends every client to endpoint (the emulator's URL)
// with dummy static credentials. Use it with any service's NewFromConfig.
func ClientConfig(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
	}
}
