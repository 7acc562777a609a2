package localaws

import (
	"fmt"
	"strings"
	"time"
)

// ---- functions ----

type lambdaCode struct {
	ZipFile         []byte
	S3Bucket        *string
	S3Key           *string
	S3ObjectVersion *string
	ImageUri        *string //nolint:revive // wire name
}

type lambdaCreateFunctionInput struct {
	FunctionName  *string
	Code          *lambdaCode
	PackageType   *string
	Publish       bool
	Tags          map[string]string
	Architectures []string
	lambdaSettings
}

func lambdaCreateFunction(c *Call, in *lambdaCreateFunctionInput) (*lambdaConfigurationOutput, error) {
	if in.FunctionName == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	}
	if in.Role == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null")
	}
	if in.Code == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	arn, q, err := parseFunctionRef(c, *in.FunctionName)
	if err != nil {
		return nil, err
	}
	if q != "" {
		return nil, lambdaInvalidParameter("Unsupported qualifier in function name: %s", *in.FunctionName)
	}
	if in.PackageType != nil && *in.PackageType != "Zip" {
		if *in.PackageType == "Image" {
			return nil, lambdaInvalidParameter("localaws emulates only Zip packages (PackageType Image is not supported).")
		}
		return nil, lambdaValidation(*in.PackageType, "packageType", "Member must satisfy enum value set: [Image, Zip]")
	}
	if in.Runtime == nil {
		return nil, lambdaInvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if in.Handler == nil {
		return nil, lambdaInvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	arch, err := checkArchitectures(in.Architectures)
	if err != nil {
		return nil, err
	}
	if arch == "" {
		arch = "x86_64"
	}
	if err := checkLambdaTags(in.Tags); err != nil {
		return nil, err
	}
	name := arn[strings.LastIndex(arn, ":")+1:]
	now := time.Now().UTC()
	f := LambdaFunction{
		Name: name, ARN: arn, Region: c.Region, Architecture: arch,
		MemorySize: 128, Timeout: 3, EphemeralStorage: 512, TracingMode: "PassThrough",
		LogFormat: "Text", LogGroup: "/aws/lambda/" + name,
		Tags: cloneStringMap(in.Tags), RevisionID: newRequestID(), LastModified: now,
	}
	if err := in.apply(c, &f); err != nil {
		return nil, err
	}
	if in.Code.S3Bucket != nil || in.Code.S3Key != nil || in.Code.ImageUri != nil {
		return nil, lambdaInvalidParameter("localaws accepts function code only as Code.ZipFile (S3 and image sources are not emulated).")
	}
	sum, err := checkZip(in.Code.ZipFile, f.Runtime)
	if err != nil {
		return nil, err
	}
	f.Code, f.CodeSha256 = append([]byte(nil), in.Code.ZipFile...), sum
	if f.Tags == nil {
		f.Tags = map[string]string{}
	}
	if !c.Store().Create(KindFunction, arn, f) {
		return nil, lambdaConflict("Function already exist: %s", name)
	}
	return f.configuration(), nil
}

type lambdaFunctionInput struct {
	FunctionName string  `json:"-" path:"FunctionName"`
	Qualifier    *string `json:"-" query:"Qualifier"`
}

type lambdaGetFunctionOutput struct {
	Configuration *lambdaConfigurationOutput
	Code          struct{ RepositoryType, Location string }
	Tags          map[string]string  `json:",omitempty"`
	Concurrency   *lambdaConcurrency `json:",omitempty"`
}

type lambdaConcurrency struct {
	ReservedConcurrentExecutions *int32 `json:",omitempty"`
}

func lambdaGetFunction(c *Call, in *lambdaFunctionInput) (*lambdaGetFunctionOutput, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	out := &lambdaGetFunctionOutput{Configuration: f.configuration()}
	out.Code.RepositoryType = "S3"
	// A presigned-looking location; localaws does not serve code downloads.
	out.Code.Location = fmt.Sprintf("https://awslambda-%s-tasks.s3.%s.amazonaws.com/snapshots/%s/%s-%s", f.Region, f.Region, c.Account(), f.Name, stableToken(f.CodeSha256, 20))
	if len(f.Tags) > 0 {
		out.Tags = f.Tags
	}
	if n, ok := GetAs[int32](c.Store(), KindFunctionConcurrency, f.ARN); ok {
		out.Concurrency = &lambdaConcurrency{ReservedConcurrentExecutions: &n}
	}
	return out, nil
}

func lambdaGetFunctionConfiguration(c *Call, in *lambdaFunctionInput) (*lambdaConfigurationOutput, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return f.configuration(), nil
}

type lambdaUpdateFunctionCodeInput struct {
	FunctionName  string `json:"-" path:"FunctionName"`
	ZipFile       []byte
	S3Bucket      *string
	S3Key         *string
	ImageUri      *string //nolint:revive // wire name
	Architectures []string
	Publish       bool
	DryRun        bool
	RevisionId    *string //nolint:revive // wire name
}

func lambdaUpdateFunctionCode(c *Call, in *lambdaUpdateFunctionCodeInput) (*lambdaConfigurationOutput, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	arch, err := checkArchitectures(in.Architectures)
	if err != nil {
		return nil, err
	}
	if in.S3Bucket != nil || in.S3Key != nil || in.ImageUri != nil {
		return nil, lambdaInvalidParameter("localaws accepts function code only as ZipFile (S3 and image sources are not emulated).")
	}
	sum, err := checkZip(in.ZipFile, f.Runtime)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		if in.RevisionId != nil && *in.RevisionId != "" && *in.RevisionId != f.RevisionID {
			return nil, lambdaPreconditionFailed()
		}
		f.Code, f.CodeSha256 = in.ZipFile, sum
		if arch != "" {
			f.Architecture = arch
		}
		return f.configuration(), nil
	}
	code := append([]byte(nil), in.ZipFile...)
	f, err = updateFunction(c, f.ARN, in.RevisionId, func(f *LambdaFunction) error {
		f.Code, f.CodeSha256 = code, sum
		if arch != "" {
			f.Architecture = arch
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f.configuration(), nil
}

type lambdaUpdateFunctionConfigurationInput struct {
	FunctionName string  `json:"-" path:"FunctionName"`
	RevisionId   *string //nolint:revive // wire name
	lambdaSettings
}

func lambdaUpdateFunctionConfiguration(c *Call, in *lambdaUpdateFunctionConfigurationInput) (*lambdaConfigurationOutput, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	// Validate outside the store lock (the role check reads the store), then apply.
	probe := f
	if err := in.apply(c, &probe); err != nil {
		return nil, err
	}
	f, err = updateFunction(c, f.ARN, in.RevisionId, func(f *LambdaFunction) error {
		f.Runtime, f.Role, f.Handler, f.Description = probe.Runtime, probe.Role, probe.Handler, probe.Description
		f.Timeout, f.MemorySize, f.EphemeralStorage, f.TracingMode = probe.Timeout, probe.MemorySize, probe.EphemeralStorage, probe.TracingMode
		f.Environment = probe.Environment
		f.LogFormat, f.LogGroup, f.ApplicationLogLevel, f.SystemLogLevel = probe.LogFormat, probe.LogGroup, probe.ApplicationLogLevel, probe.SystemLogLevel
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f.configuration(), nil
}

func lambdaDeleteFunction(c *Call, in *lambdaFunctionInput) (*struct{}, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if in.Qualifier != nil && *in.Qualifier == "$LATEST" {
		return nil, lambdaInvalidParameter("$LATEST version cannot be deleted without deleting the function.")
	}
	if !c.Store().Delete(KindFunction, f.ARN) {
		return nil, lambdaNotFound("Function not found: %s", f.ARN)
	}
	for _, k := range []string{KindFunctionURL, KindFunctionPolicy, KindFunctionConcurrency} {
		c.Store().Delete(k, f.ARN)
	}
	return nil, nil
}
