package localaws

import "fmt"

// ---- wire shapes ----

type lambdaEnvironment struct {
	Variables map[string]string `json:"Variables"`
}

type lambdaLoggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type lambdaConfigurationOutput struct {
	FunctionName     string
	FunctionArn      string
	Runtime          string
	Role             string
	Handler          string
	CodeSize         int64
	Description      string
	Timeout          int32
	MemorySize       int32
	LastModified     string
	CodeSha256       string
	Version          string
	Environment      *lambdaEnvironment `json:",omitempty"`
	TracingConfig    struct{ Mode string }
	RevisionId       string //nolint:revive // wire name
	State            string
	LastUpdateStatus string
	PackageType      string
	Architectures    []string
	EphemeralStorage struct{ Size int32 }
	SnapStart        struct {
		ApplyOn            string
		OptimizationStatus string
	}
	RuntimeVersionConfig struct{ RuntimeVersionArn string }
	LoggingConfig        lambdaLoggingConfig
}

func (f LambdaFunction) configuration() *lambdaConfigurationOutput {
	out := &lambdaConfigurationOutput{
		FunctionName: f.Name, FunctionArn: f.ARN, Runtime: f.Runtime, Role: f.Role, Handler: f.Handler,
		CodeSize: int64(len(f.Code)), Description: f.Description, Timeout: f.Timeout, MemorySize: f.MemorySize,
		LastModified: lambdaTimestamp(f.LastModified), CodeSha256: f.CodeSha256, Version: "$LATEST",
		RevisionId: f.RevisionID, State: "Active", LastUpdateStatus: "Successful", PackageType: "Zip",
		Architectures: []string{f.Architecture},
		LoggingConfig: lambdaLoggingConfig{
			LogFormat: f.LogFormat, LogGroup: f.LogGroup,
			ApplicationLogLevel: f.ApplicationLogLevel, SystemLogLevel: f.SystemLogLevel,
		},
	}
	if len(f.Environment) > 0 {
		out.Environment = &lambdaEnvironment{Variables: f.Environment}
	}
	out.TracingConfig.Mode = f.TracingMode
	out.EphemeralStorage.Size = f.EphemeralStorage
	out.SnapStart.ApplyOn, out.SnapStart.OptimizationStatus = "None", "Off"
	out.RuntimeVersionConfig.RuntimeVersionArn = fmt.Sprintf("arn:aws:lambda:%s::runtime:%s", f.Region, stableToken(f.Runtime+f.Architecture, 64))
	return out
}
