package enforcer

import (
	"context"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// SNSNotifier publishes notifications with an SNS client.
type SNSNotifier struct{ Client *sns.Client }

// Publish sends one message to topicARN.
func (n SNSNotifier) Publish(ctx context.Context, topicARN, subject, message string) error {
	_, err := n.Client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topicARN), Subject: aws.String(subject), Message: aws.String(message)})
	return err
}

// FromEnvironment builds a handler from the process environment (see the Env*
// constants) and the default AWS configuration chain. It makes no network call:
// credentials are resolved on first use.
func FromEnvironment(ctx context.Context, mutate func(*Config), log io.Writer) (*Handler, error) {
	cfg, err := FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	if mutate != nil {
		mutate(&cfg)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if ep := os.Getenv(EnvDynamoDBEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	snsClient := sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if ep := os.Getenv(EnvSNSEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	return New(cfg, Deps{DB: db, Notifier: SNSNotifier{snsClient}, Credentials: awsCfg.Credentials, Log: log})
}
