package awsops

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// FunctionSpec is everything bedgov sets on a Lambda function.
type FunctionSpec struct {
	Name         string
	RoleARN      string
	Zip          []byte
	Architecture string // arm64 | x86_64
	MemoryMB     int32
	TimeoutSec   int32
	Env          map[string]string
	LogGroup     string
	Description  string
	Tags         map[string]string
}

// isRoleNotReady is Lambda's answer while IAM has not propagated a role just created.
func isRoleNotReady(err error) bool {
	return hasCode(err, "InvalidParameterValueException") && strings.Contains(err.Error(), "cannot be assumed")
}

// isUpdateInProgress is Lambda's answer to a change while another one is applied.
func isUpdateInProgress(err error) bool {
	return hasCode(err, "ResourceConflictException") && strings.Contains(err.Error(), "in progress")
}

// CreateFunction creates the function from a zip (runtime provided.al2023, handler
// bootstrap), retrying while the role propagates, and waits until it is active.
func CreateFunction(ctx context.Context, c *lambda.Client, s FunctionSpec) (string, error) {
	in := &lambda.CreateFunctionInput{
		FunctionName:  aws.String(s.Name),
		Role:          aws.String(s.RoleARN),
		Code:          &types.FunctionCode{ZipFile: s.Zip},
		Runtime:       types.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Architectures: []types.Architecture{types.Architecture(s.Architecture)},
		MemorySize:    aws.Int32(s.MemoryMB),
		Timeout:       aws.Int32(s.TimeoutSec),
		Environment:   &types.Environment{Variables: s.Env},
		Description:   aws.String(s.Description),
		LoggingConfig: &types.LoggingConfig{LogGroup: aws.String(s.LogGroup), LogFormat: types.LogFormatJson},
		Tags:          s.Tags,
	}
	tflog.Debug(ctx, "creating Lambda function", map[string]any{"function": s.Name, "architecture": s.Architecture, "zip_bytes": len(s.Zip)})
	var out *lambda.CreateFunctionOutput
	err := retry(ctx, "lambda.CreateFunction", PropagationTimeout, isRoleNotReady, func() (err error) {
		out, err = c.CreateFunction(ctx, in)
		return err
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.FunctionArn), WaitFunctionReady(ctx, c, s.Name)
}

// WaitFunctionReady polls until the function is Active and its last update finished.
func WaitFunctionReady(ctx context.Context, c *lambda.Client, name string) error {
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		out, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			return err
		}
		if out.State == types.StateFailed || out.LastUpdateStatus == types.LastUpdateStatusFailed {
			return &functionFailed{name: name, reason: aws.ToString(out.StateReason) + aws.ToString(out.LastUpdateStatusReason)}
		}
		if out.State == types.StateActive && out.LastUpdateStatus != types.LastUpdateStatusInProgress {
			return nil
		}
		tflog.Debug(ctx, "waiting for Lambda function", map[string]any{"function": name, "state": string(out.State), "last_update": string(out.LastUpdateStatus)})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

type functionFailed struct{ name, reason string }

func (e *functionFailed) Error() string { return "Lambda function " + e.name + " failed: " + e.reason }

// FindFunction returns a function's configuration and tags, or ErrNotFound.
func FindFunction(ctx context.Context, c *lambda.Client, name string) (*lambda.GetFunctionOutput, error) {
	out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out, nil
}

// UpdateFunctionCode deploys a new zip (and architecture) and waits for it.
func UpdateFunctionCode(ctx context.Context, c *lambda.Client, name string, zip []byte, arch string) error {
	tflog.Debug(ctx, "updating Lambda code", map[string]any{"function": name, "architecture": arch, "zip_bytes": len(zip)})
	err := retry(ctx, "lambda.UpdateFunctionCode", PropagationTimeout, isUpdateInProgress, func() error {
		_, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
			FunctionName: aws.String(name), ZipFile: zip, Architectures: []types.Architecture{types.Architecture(arch)},
		})
		return err
	})
	if err != nil {
		return err
	}
	return WaitFunctionReady(ctx, c, name)
}

// UpdateFunctionConfiguration applies memory, timeout, environment, role and logging.
func UpdateFunctionConfiguration(ctx context.Context, c *lambda.Client, s FunctionSpec) error {
	tflog.Debug(ctx, "updating Lambda configuration", map[string]any{"function": s.Name})
	err := retry(ctx, "lambda.UpdateFunctionConfiguration", PropagationTimeout, func(err error) bool { return isUpdateInProgress(err) || isRoleNotReady(err) }, func() error {
		_, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName:  aws.String(s.Name),
			Role:          aws.String(s.RoleARN),
			MemorySize:    aws.Int32(s.MemoryMB),
			Timeout:       aws.Int32(s.TimeoutSec),
			Environment:   &types.Environment{Variables: s.Env},
			Description:   aws.String(s.Description),
			LoggingConfig: &types.LoggingConfig{LogGroup: aws.String(s.LogGroup), LogFormat: types.LogFormatJson},
		})
		return err
	})
	if err != nil {
		return err
	}
	return WaitFunctionReady(ctx, c, s.Name)
}

// DeleteFunction deletes a function; already gone is done.
func DeleteFunction(ctx context.Context, c *lambda.Client, name string) error {
	tflog.Debug(ctx, "deleting Lambda function", map[string]any{"function": name})
	_, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(name)})
	if hasCode(err, "ResourceNotFoundException") {
		return nil
	}
	return err
}

// FunctionTagger tags Lambda functions by ARN; it reads them with GetFunction, which
// returns the tags with the function.
func FunctionTagger(c *lambda.Client) Tagger {
	return Tagger{Service: "lambda",
		List: func(ctx context.Context, arn string) (map[string]string, error) {
			fn, err := FindFunction(ctx, c, arn)
			if err != nil {
				return nil, err
			}
			return fn.Tags, nil
		},
		Tag: func(ctx context.Context, arn string, set map[string]string) error {
			_, err := c.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: set})
			return err
		},
		Untag: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// publicURLStatements are the resource-policy statements a function URL with auth NONE
// needs: anyone may invoke it through the URL (the enforcer checks API keys itself).
var publicURLStatements = []string{"bedgov-url-invoke-url", "bedgov-url-invoke-function"}

// FindFunctionURL returns a function's URL configuration, or ErrNotFound.
func FindFunctionURL(ctx context.Context, c *lambda.Client, name string) (*lambda.GetFunctionUrlConfigOutput, error) {
	out, err := c.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(name)})
	if err != nil {
		if hasCode(err, "ResourceNotFoundException") {
			return nil, wrapNotFound(err)
		}
		return nil, err
	}
	return out, nil
}

// EnsureFunctionURL creates or updates the function URL (response streaming) with the
// given auth type, and the public-invoke permissions that auth NONE needs (removing them
// under AWS_IAM). It returns the URL.
func EnsureFunctionURL(ctx context.Context, c *lambda.Client, name string, auth types.FunctionUrlAuthType) (string, error) {
	var url string
	existing, err := FindFunctionURL(ctx, c, name)
	switch {
	case IsNotFound(err):
		tflog.Debug(ctx, "creating Lambda function URL", map[string]any{"function": name, "auth_type": string(auth)})
		out, err := c.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
			FunctionName: aws.String(name), AuthType: auth, InvokeMode: types.InvokeModeResponseStream,
		})
		if err != nil {
			return "", err
		}
		url = aws.ToString(out.FunctionUrl)
	case err != nil:
		return "", err
	default:
		url = aws.ToString(existing.FunctionUrl)
		if existing.AuthType != auth || existing.InvokeMode != types.InvokeModeResponseStream {
			tflog.Debug(ctx, "updating Lambda function URL", map[string]any{"function": name, "auth_type": string(auth)})
			if _, err := c.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{
				FunctionName: aws.String(name), AuthType: auth, InvokeMode: types.InvokeModeResponseStream,
			}); err != nil {
				return "", err
			}
		}
	}

	if auth == types.FunctionUrlAuthTypeNone {
		for i, sid := range publicURLStatements {
			in := &lambda.AddPermissionInput{FunctionName: aws.String(name), StatementId: aws.String(sid), Principal: aws.String("*")}
			if i == 0 {
				in.Action, in.FunctionUrlAuthType = aws.String("lambda:InvokeFunctionUrl"), types.FunctionUrlAuthTypeNone
			} else {
				in.Action, in.InvokedViaFunctionUrl = aws.String("lambda:InvokeFunction"), aws.Bool(true)
			}
			if _, err := c.AddPermission(ctx, in); err != nil && !hasCode(err, "ResourceConflictException") {
				return url, err
			}
		}
	} else {
		for _, sid := range publicURLStatements {
			_, err := c.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(name), StatementId: aws.String(sid)})
			if err != nil && !hasCode(err, "ResourceNotFoundException") {
				return url, err
			}
		}
	}
	return url, nil
}
