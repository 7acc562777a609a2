// Package enforcerruntime plugs the real bedgov enforcer into the local emulator's
// function URLs, so that `terraform apply` of a bedgov_enforcer followed by an SDK call
// to its URL works locally end to end (acceptance tests, the demo). It lives beside the
// emulator, not in it, so localaws never depends on the enforcer.
package enforcerruntime

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// New returns a function runtime that runs a deployed enforcer function in this process.
// The emulator calls it for a function URL's first request and after each update of the
// function. Configuration comes from the function's environment as in Lambda; endpoints
// the environment does not set go to the emulator at endpoint() (DynamoDB through it to
// dynalite, SNS, and its Bedrock Runtime), signed with the session credentials of the
// function's role that the emulator puts in the environment. The caller's principal
// comes from the header the emulator sets on AWS_IAM requests. The enforcer's log lines
// go to logs.
func New(endpoint func() string, logs io.Writer) localaws.FunctionRuntime {
	return func(fn localaws.FunctionInstance) (http.Handler, error) {
		getenv := func(k string) string { return fn.Environment[k] }
		orEmulator := func(k string) string {
			if v := getenv(k); v != "" {
				return v
			}
			return endpoint()
		}
		cfg, err := enforcer.FromEnv(func(k string) string {
			if k == enforcer.EnvBedrockEndpoint {
				return orEmulator(k)
			}
			return getenv(k)
		})
		if err != nil {
			return nil, err
		}
		cfg.TrustedPrincipalHeader = fn.PrincipalHeader
		cfg.DetachSettle = false // as in Lambda: settle before the response ends
		awsCfg := localaws.ClientConfig(endpoint(), fn.Region)
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider(fn.Environment["AWS_ACCESS_KEY_ID"], fn.Environment["AWS_SECRET_ACCESS_KEY"], fn.Environment["AWS_SESSION_TOKEN"])
		db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(orEmulator(enforcer.EnvDynamoDBEndpoint)) })
		topics := sns.NewFromConfig(awsCfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(orEmulator(enforcer.EnvSNSEndpoint)) })
		return enforcer.New(cfg, enforcer.Deps{
			DB: db, Notifier: enforcer.SNSNotifier{Client: topics}, Credentials: awsCfg.Credentials, Log: logs,
		})
	}
}
