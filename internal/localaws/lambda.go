package localaws

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// AWS Lambda (restJson1): functions deployed from a zip, their configuration, reserved
// concurrency, resource policies (AddPermission), function URL configurations and tags.
// Only the unpublished version $LATEST exists: versions and aliases are not emulated, and
// a qualifier other than $LATEST is reported not found (Publish is accepted and
// ignored). Functions are Active and their last update Successful as soon as the call
// returns. Code comes only as ZipFile (no S3, no images); GetFunction's Code.Location is
// a plausible URL that the emulator does not serve.
//
// Stricter than AWS on purpose: the zip must be a readable archive and, for the provided.*
// runtimes, hold an executable "bootstrap" at its root (AWS would accept the upload and
// fail every invocation with Runtime.InvalidEntrypoint). Function URLs serve requests
// through a pluggable runtime: see lambda_url.go.

// Object kinds of the Lambda operations. Ids are the unqualified function ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME); deleting a function deletes the objects
// of the other kinds with its id.
const (
	KindFunction            = "lambda:function"     // value LambdaFunction
	KindFunctionURL         = "lambda:function-url" // value FunctionURLConfig
	KindFunctionPolicy      = "lambda:policy"       // value LambdaPolicy (resource policy, AddPermission)
	KindFunctionConcurrency = "lambda:concurrency"  // value int32 (reserved concurrent executions)
)

// LambdaFunction is a stored function ($LATEST). Treat it as immutable: handlers replace
// it through Store.Update.
type LambdaFunction struct {
	Name, ARN, Region                     string
	Runtime, Role, Handler, Description   string
	Architecture                          string // arm64 | x86_64
	MemorySize, Timeout, EphemeralStorage int32
	Environment                           map[string]string
	Tags                                  map[string]string
	LogFormat, LogGroup                   string
	ApplicationLogLevel, SystemLogLevel   string
	TracingMode                           string
	Code                                  []byte // the deployment package (zip)
	CodeSha256                            string // base64 SHA-256 of Code, as Lambda reports it
	// RevisionID changes with every code or configuration change (not with tags);
	// function URL runtimes are rebuilt when it does.
	RevisionID   string
	LastModified time.Time
}

// LambdaPolicy is a function's resource-based policy.
type LambdaPolicy struct {
	Statements []LambdaStatement
	RevisionID string
}

// LambdaStatement is one statement of a function's resource policy, in IAM JSON form.
type LambdaStatement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

func init() {
	RegisterBuiltin("lambda",
		Operation{Name: "CreateFunction", Method: "POST", Path: "/2015-03-31/functions", Status: http.StatusCreated, Handler: Handle(lambdaCreateFunction)},
		Operation{Name: "GetFunction", Method: "GET", Path: "/2015-03-31/functions/{FunctionName}", Handler: Handle(lambdaGetFunction)},
		Operation{Name: "GetFunctionConfiguration", Method: "GET", Path: "/2015-03-31/functions/{FunctionName}/configuration", Handler: Handle(lambdaGetFunctionConfiguration)},
		Operation{Name: "UpdateFunctionCode", Method: "PUT", Path: "/2015-03-31/functions/{FunctionName}/code", Handler: Handle(lambdaUpdateFunctionCode)},
		Operation{Name: "UpdateFunctionConfiguration", Method: "PUT", Path: "/2015-03-31/functions/{FunctionName}/configuration", Handler: Handle(lambdaUpdateFunctionConfiguration)},
		Operation{Name: "DeleteFunction", Method: "DELETE", Path: "/2015-03-31/functions/{FunctionName}", Status: http.StatusNoContent, Handler: Handle(lambdaDeleteFunction)},
		Operation{Name: "PutFunctionConcurrency", Method: "PUT", Path: "/2017-10-31/functions/{FunctionName}/concurrency", Handler: Handle(lambdaPutFunctionConcurrency)},
		Operation{Name: "GetFunctionConcurrency", Method: "GET", Path: "/2019-09-30/functions/{FunctionName}/concurrency", Handler: Handle(lambdaGetFunctionConcurrency)},
		Operation{Name: "DeleteFunctionConcurrency", Method: "DELETE", Path: "/2017-10-31/functions/{FunctionName}/concurrency", Status: http.StatusNoContent, Handler: Handle(lambdaDeleteFunctionConcurrency)},
		Operation{Name: "AddPermission", Method: "POST", Path: "/2015-03-31/functions/{FunctionName}/policy", Status: http.StatusCreated, Handler: Handle(lambdaAddPermission)},
		Operation{Name: "RemovePermission", Method: "DELETE", Path: "/2015-03-31/functions/{FunctionName}/policy/{StatementId}", Status: http.StatusNoContent, Handler: Handle(lambdaRemovePermission)},
		Operation{Name: "GetPolicy", Method: "GET", Path: "/2015-03-31/functions/{FunctionName}/policy", Handler: Handle(lambdaGetPolicy)},
		Operation{Name: "CreateFunctionUrlConfig", Method: "POST", Path: "/2021-10-31/functions/{FunctionName}/url", Status: http.StatusCreated, Handler: Handle(lambdaCreateFunctionURLConfig)},
		Operation{Name: "GetFunctionUrlConfig", Method: "GET", Path: "/2021-10-31/functions/{FunctionName}/url", Handler: Handle(lambdaGetFunctionURLConfig)},
		Operation{Name: "UpdateFunctionUrlConfig", Method: "PUT", Path: "/2021-10-31/functions/{FunctionName}/url", Handler: Handle(lambdaUpdateFunctionURLConfig)},
		Operation{Name: "DeleteFunctionUrlConfig", Method: "DELETE", Path: "/2021-10-31/functions/{FunctionName}/url", Status: http.StatusNoContent, Handler: Handle(lambdaDeleteFunctionURLConfig)},
		Operation{Name: "TagResource", Method: "POST", Path: "/2017-03-31/tags/{Resource}", Status: http.StatusNoContent, Handler: Handle(lambdaTagResource)},
		Operation{Name: "UntagResource", Method: "DELETE", Path: "/2017-03-31/tags/{Resource}", Status: http.StatusNoContent, Handler: Handle(lambdaUntagResource)},
		Operation{Name: "ListTags", Method: "GET", Path: "/2017-03-31/tags/{Resource}", Handler: Handle(lambdaListTags)},
	)
}

// Lambda's limits that the emulator enforces.
const (
	lambdaEnvMaxBytes       = 4096
	lambdaZipMaxBytes       = 50 << 20  // direct upload
	lambdaUnzippedMaxBytes  = 262144000 // 250 MB
	lambdaPolicyMaxBytes    = 20480
	lambdaAccountConcurrent = 1000
	lambdaUnreservedMin     = 100
	lambdaMaxTags           = 50
)

var (
	lambdaFunctionNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	lambdaRoleARNRe      = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::(\d{12}):role/?([a-zA-Z_0-9+=,.@\-_/]+)$`)
	lambdaEnvKeyRe       = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
	lambdaStatementIDRe  = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,100}$`)
	lambdaActionRe       = regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`)
	lambdaLogGroupRe     = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)
	lambdaAccountRe      = regexp.MustCompile(`^\d{12}$`)
	lambdaHandlerRe      = regexp.MustCompile(`^[^\s]+$`)
)

// lambdaRuntimes are the runtime identifiers CreateFunction accepts (zip packages).
var lambdaRuntimes = []string{
	"provided.al2023", "provided.al2", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
	"nodejs18.x", "nodejs20.x", "nodejs22.x", "java11", "java17", "java21", "dotnet8", "ruby3.2", "ruby3.3",
}

// Environment variables Lambda sets itself; a function may not define them.
var lambdaReservedEnv = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

// lambdaError is an error as Lambda sends it: the code in X-Amzn-ErrorType and a body
// with Type "User" and the message.
func lambdaError(status int, code, format string, args ...any) *APIError {
	e := ErrorStatus(status, code, format, args...)
	e.Fields = map[string]any{"Type": "User"}
	return e
}

func lambdaInvalidParameter(format string, args ...any) *APIError {
	return lambdaError(http.StatusBadRequest, "InvalidParameterValueException", format, args...)
}

func lambdaNotFound(format string, args ...any) *APIError {
	return lambdaError(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}

func lambdaConflict(format string, args ...any) *APIError {
	return lambdaError(http.StatusConflict, "ResourceConflictException", format, args...)
}

func lambdaPreconditionFailed() *APIError {
	return lambdaError(http.StatusPreconditionFailed, "PreconditionFailedException",
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

// lambdaValidation is the ValidationException Lambda answers for a member that breaks its
// model's constraints.
func lambdaValidation(value any, member, constraint string) *APIError {
	return ErrValidation("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func lambdaFunctionARN(region, account, name string) string {
	return "arn:aws:lambda:" + region + ":" + account + ":function:" + name
}

// lambdaTimestamp is the format of FunctionConfiguration.LastModified.
func lambdaTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// parseFunctionRef splits a FunctionName member (name, name:qualifier,
// ACCOUNT:function:name[:qualifier] or a full ARN) into the function's unqualified ARN
// in the call's region and the qualifier it names.
func parseFunctionRef(c *Call, ref string) (arn, qualifier string, err error) {
	invalid := func() error {
		return lambdaValidation(ref, "functionName", `Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`)
	}
	if ref == "" || len(ref) > 170 {
		return "", "", invalid()
	}
	account, region := c.Account(), c.Region
	var name string
	parts := strings.Split(ref, ":")
	switch {
	case strings.HasPrefix(ref, "arn:"):
		if len(parts) < 7 || len(parts) > 8 || parts[2] != "lambda" || parts[5] != "function" {
			return "", "", invalid()
		}
		region, account, name = parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		if len(parts) > 4 || !lambdaAccountRe.MatchString(parts[0]) {
			return "", "", invalid()
		}
		account, name = parts[0], parts[2]
		if len(parts) == 4 {
			qualifier = parts[3]
		}
	default:
		if len(parts) > 2 {
			return "", "", invalid()
		}
		name = parts[0]
		if len(parts) == 2 {
			qualifier = parts[1]
		}
	}
	if !lambdaFunctionNameRe.MatchString(name) || (len(parts) > 1 && strings.HasSuffix(ref, ":")) {
		return "", "", invalid()
	}
	return lambdaFunctionARN(region, account, name), qualifier, nil
}

// lookupFunction resolves a FunctionName member and optional Qualifier to a visible
// function. Only $LATEST exists.
func lookupFunction(c *Call, ref string, qualifier *string) (LambdaFunction, error) {
	arn, q, err := parseFunctionRef(c, ref)
	if err != nil {
		return LambdaFunction{}, err
	}
	if qualifier != nil && *qualifier != "" {
		if q != "" && q != *qualifier {
			return LambdaFunction{}, lambdaInvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
		}
		q = *qualifier
	}
	if q != "" && q != "$LATEST" {
		return LambdaFunction{}, lambdaNotFound("Function not found: %s:%s", arn, q)
	}
	v, ok := c.Store().Lookup(KindFunction, arn)
	if !ok {
		return LambdaFunction{}, lambdaNotFound("Function not found: %s", arn)
	}
	return v.(LambdaFunction), nil
}

// updateFunction changes a function under the store lock; fn returns an *APIError to
// refuse. The revision id and modification time change with every update.
func updateFunction(c *Call, arn string, revisionID *string, fn func(f *LambdaFunction) error) (LambdaFunction, error) {
	var out LambdaFunction
	err := c.Store().Update(KindFunction, arn, func(v any) (any, error) {
		f := v.(LambdaFunction)
		if revisionID != nil && *revisionID != "" && *revisionID != f.RevisionID {
			return nil, lambdaPreconditionFailed()
		}
		f.Environment = cloneStringMap(f.Environment)
		f.Tags = cloneStringMap(f.Tags)
		if err := fn(&f); err != nil {
			return nil, err
		}
		f.RevisionID = newRequestID()
		f.LastModified = time.Now().UTC()
		out = f
		return f, nil
	})
	if errors.Is(err, ErrNotFound) {
		return LambdaFunction{}, lambdaNotFound("Function not found: %s", arn)
	}
	return out, err
}

func cloneStringMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

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

// ---- validation shared by create and update ----

type lambdaSettings struct {
	Runtime          *string
	Role             *string
	Handler          *string
	Description      *string
	Timeout          *int32
	MemorySize       *int32
	Environment      *lambdaEnvironment
	LoggingConfig    *lambdaLoggingConfig
	EphemeralStorage *struct{ Size *int32 }
	TracingConfig    *struct{ Mode *string }
}

// apply validates the settings that are set and writes them into f.
func (s *lambdaSettings) apply(c *Call, f *LambdaFunction) error {
	if s.Runtime != nil {
		if !containsString(lambdaRuntimes, *s.Runtime) {
			return lambdaValidation(*s.Runtime, "runtime", "Member must satisfy enum value set: ["+strings.Join(lambdaRuntimes, ", ")+"]")
		}
		f.Runtime = *s.Runtime
	}
	if s.Handler != nil {
		if len(*s.Handler) > 128 || !lambdaHandlerRe.MatchString(*s.Handler) {
			return lambdaValidation(*s.Handler, "handler", `Member must satisfy regular expression pattern: [^\s]+`)
		}
		f.Handler = *s.Handler
	}
	if s.Description != nil {
		if len(*s.Description) > 256 {
			return lambdaValidation(*s.Description, "description", "Member must have length less than or equal to 256")
		}
		f.Description = *s.Description
	}
	if s.Timeout != nil {
		if *s.Timeout < 1 {
			return lambdaValidation(*s.Timeout, "timeout", "Member must have value greater than or equal to 1")
		}
		if *s.Timeout > 900 {
			return lambdaValidation(*s.Timeout, "timeout", "Member must have value less than or equal to 900")
		}
		f.Timeout = *s.Timeout
	}
	if s.MemorySize != nil {
		if *s.MemorySize < 128 {
			return lambdaValidation(*s.MemorySize, "memorySize", "Member must have value greater than or equal to 128")
		}
		if *s.MemorySize > 10240 {
			return lambdaValidation(*s.MemorySize, "memorySize", "Member must have value less than or equal to 10240")
		}
		f.MemorySize = *s.MemorySize
	}
	if s.EphemeralStorage != nil && s.EphemeralStorage.Size != nil {
		if n := *s.EphemeralStorage.Size; n < 512 || n > 10240 {
			return lambdaValidation(n, "ephemeralStorage.size", "Member must have value between 512 and 10240")
		}
		f.EphemeralStorage = *s.EphemeralStorage.Size
	}
	if s.TracingConfig != nil && s.TracingConfig.Mode != nil {
		if m := *s.TracingConfig.Mode; m != "Active" && m != "PassThrough" {
			return lambdaValidation(m, "tracingConfig.mode", "Member must satisfy enum value set: [Active, PassThrough]")
		}
		f.TracingMode = *s.TracingConfig.Mode
	}
	if s.Environment != nil {
		env, err := checkLambdaEnvironment(s.Environment.Variables)
		if err != nil {
			return err
		}
		f.Environment = env
	}
	if s.LoggingConfig != nil {
		if err := applyLoggingConfig(s.LoggingConfig, f); err != nil {
			return err
		}
	}
	if s.Role != nil {
		if err := checkLambdaRole(c, *s.Role); err != nil {
			return err
		}
		f.Role = *s.Role
	}
	return nil
}

func checkLambdaEnvironment(vars map[string]string) (map[string]string, error) {
	var reserved []string
	for _, k := range sortedKeys(vars) {
		if !lambdaEnvKeyRe.MatchString(k) {
			return nil, ErrValidation("1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
		}
		if containsString(lambdaReservedEnv, k) {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		return nil, lambdaInvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ", "))
	}
	if len(vars) == 0 {
		return nil, nil
	}
	measured, _ := json.Marshal(vars)
	if len(measured) > lambdaEnvMaxBytes {
		return nil, lambdaInvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", measured)
	}
	return cloneStringMap(vars), nil
}

func applyLoggingConfig(lc *lambdaLoggingConfig, f *LambdaFunction) error {
	if lc.LogFormat != "" {
		if lc.LogFormat != "Text" && lc.LogFormat != "JSON" {
			return lambdaValidation(lc.LogFormat, "loggingConfig.logFormat", "Member must satisfy enum value set: [JSON, Text]")
		}
		f.LogFormat = lc.LogFormat
	}
	levels := []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	if lc.ApplicationLogLevel != "" && !containsString(levels, lc.ApplicationLogLevel) {
		return lambdaValidation(lc.ApplicationLogLevel, "loggingConfig.applicationLogLevel", "Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]")
	}
	if lc.SystemLogLevel != "" && !containsString(levels[1:4], lc.SystemLogLevel) {
		return lambdaValidation(lc.SystemLogLevel, "loggingConfig.systemLogLevel", "Member must satisfy enum value set: [DEBUG, INFO, WARN]")
	}
	if (lc.ApplicationLogLevel != "" || lc.SystemLogLevel != "") && f.LogFormat != "JSON" {
		return lambdaInvalidParameter("LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your request or change the LogFormat to \"JSON\" and try again.")
	}
	f.ApplicationLogLevel, f.SystemLogLevel = lc.ApplicationLogLevel, lc.SystemLogLevel
	if lc.LogGroup != "" {
		if !lambdaLogGroupRe.MatchString(lc.LogGroup) {
			return lambdaValidation(lc.LogGroup, "loggingConfig.logGroup", `Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`)
		}
		f.LogGroup = lc.LogGroup
	}
	return nil
}

// checkLambdaRole requires an IAM role of the account, visible now, whose trust policy
// lets lambda.amazonaws.com assume it (as Lambda checks by assuming it).
func checkLambdaRole(c *Call, role string) error {
	m := lambdaRoleARNRe.FindStringSubmatch(role)
	if m == nil {
		return lambdaValidation(role, "role", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	cannot := lambdaInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
	name := m[3]
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	v, ok := c.Store().Lookup(KindRole, strings.ToLower(name))
	if !ok || m[2] != c.Account() {
		return cannot
	}
	r := v.(IAMPrincipal)
	if r.ARN != role || !strings.Contains(r.AssumeRolePolicy, "lambda.amazonaws.com") {
		return cannot
	}
	return nil
}

// checkZip validates a deployment package: a zip within Lambda's size limits that holds
// the handler's file. It returns the base64 SHA-256 Lambda reports as CodeSha256.
func checkZip(zipFile []byte, runtime string) (string, error) {
	if len(zipFile) == 0 {
		return "", lambdaInvalidParameter("Please provide a source for function code.")
	}
	if len(zipFile) > lambdaZipMaxBytes {
		return "", lambdaError(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the CreateFunction operation", lambdaZipMaxBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipFile), int64(len(zipFile)))
	if err != nil {
		return "", lambdaInvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var total uint64
	var bootstrap *zip.File
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.Name == "bootstrap" {
			bootstrap = f
		}
	}
	if total > lambdaUnzippedMaxBytes {
		return "", lambdaInvalidParameter("Unzipped size must be smaller than %d bytes", lambdaUnzippedMaxBytes)
	}
	if strings.HasPrefix(runtime, "provided") {
		if bootstrap == nil {
			return "", lambdaInvalidParameter("The deployment package has no file named bootstrap at its root; the %s runtime runs bootstrap as the function's entry point (localaws checks this at upload, AWS at the first invocation: Runtime.InvalidEntrypoint).", runtime)
		}
		if bootstrap.CreatorVersion>>8 == 3 && bootstrap.Mode()&0o111 == 0 { // made on Unix, without an execute bit
			return "", lambdaInvalidParameter("The file bootstrap in the deployment package is not executable (mode %v); the %s runtime could not start it (localaws checks this at upload, AWS at the first invocation: Runtime.InvalidEntrypoint).", bootstrap.Mode(), runtime)
		}
	}
	sum := sha256.Sum256(zipFile)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

func checkArchitectures(archs []string) (string, error) {
	if len(archs) == 0 {
		return "", nil
	}
	if len(archs) > 1 {
		return "", lambdaValidation("["+strings.Join(archs, ", ")+"]", "architectures", "Member must have length less than or equal to 1")
	}
	if archs[0] != "x86_64" && archs[0] != "arm64" {
		return "", lambdaValidation("["+archs[0]+"]", "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
	}
	return archs[0], nil
}

func checkLambdaTags(tags map[string]string) error {
	if len(tags) > lambdaMaxTags {
		return lambdaInvalidParameter("Number of tags exceeds resource tag limit.")
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 {
			return lambdaInvalidParameter("Tag keys must be between 1 and 128 characters in length.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return lambdaInvalidParameter("Tag keys cannot start with the reserved prefix aws:.")
		}
		if len(v) > 256 {
			return lambdaInvalidParameter("Tag values must be at most 256 characters in length.")
		}
	}
	return nil
}

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

// ---- concurrency ----

type lambdaPutConcurrencyInput struct {
	FunctionName                 string `json:"-" path:"FunctionName"`
	ReservedConcurrentExecutions *int32
}

func lambdaPutFunctionConcurrency(c *Call, in *lambdaPutConcurrencyInput) (*lambdaConcurrency, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	if in.ReservedConcurrentExecutions == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
	}
	n := *in.ReservedConcurrentExecutions
	if n < 0 {
		return nil, lambdaValidation(n, "reservedConcurrentExecutions", "Member must have value greater than or equal to 0")
	}
	reserved := int32(0)
	for _, o := range c.Store().List(KindFunctionConcurrency) {
		if o.ID != f.ARN {
			reserved += o.Value.(int32)
		}
	}
	if lambdaAccountConcurrent-reserved-n < lambdaUnreservedMin {
		return nil, lambdaInvalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", lambdaUnreservedMin)
	}
	c.Store().Put(KindFunctionConcurrency, f.ARN, n)
	return &lambdaConcurrency{ReservedConcurrentExecutions: &n}, nil
}

func lambdaGetFunctionConcurrency(c *Call, in *lambdaFunctionInput) (*lambdaConcurrency, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	out := &lambdaConcurrency{}
	if n, ok := c.Store().Lookup(KindFunctionConcurrency, f.ARN); ok {
		v := n.(int32)
		out.ReservedConcurrentExecutions = &v
	}
	return out, nil
}

func lambdaDeleteFunctionConcurrency(c *Call, in *lambdaFunctionInput) (*struct{}, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	c.Store().Delete(KindFunctionConcurrency, f.ARN)
	return nil, nil
}

// ---- resource policy ----

type lambdaAddPermissionInput struct {
	FunctionName          string  `json:"-" path:"FunctionName"`
	Qualifier             *string `json:"-" query:"Qualifier"`
	StatementId           *string //nolint:revive // wire name
	Action                *string
	Principal             *string
	SourceArn             *string
	SourceAccount         *string
	PrincipalOrgID        *string
	EventSourceToken      *string
	FunctionUrlAuthType   *string //nolint:revive // wire name
	InvokedViaFunctionUrl *bool   //nolint:revive // wire name
	RevisionId            *string //nolint:revive // wire name
}

type lambdaAddPermissionOutput struct {
	Statement string
}

// lambdaPrincipal renders AddPermission's Principal member as a policy principal.
func lambdaPrincipal(p string) any {
	switch {
	case p == "*":
		return "*"
	case lambdaAccountRe.MatchString(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		return map[string]string{"AWS": p}
	default:
		return map[string]string{"Service": p}
	}
}

func lambdaAddPermission(c *Call, in *lambdaAddPermissionInput) (*lambdaAddPermissionOutput, error) {
	for member, v := range map[string]*string{"statementId": in.StatementId, "action": in.Action, "principal": in.Principal} {
		if v == nil {
			return nil, ErrValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
		}
	}
	if !lambdaStatementIDRe.MatchString(*in.StatementId) {
		return nil, lambdaValidation(*in.StatementId, "statementId", `Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)`)
	}
	if !lambdaActionRe.MatchString(*in.Action) {
		return nil, lambdaValidation(*in.Action, "action", `Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])`)
	}
	if *in.Principal == "" || strings.ContainsAny(*in.Principal, " \t\n") {
		return nil, lambdaValidation(*in.Principal, "principal", `Member must satisfy regular expression pattern: [^\s]+`)
	}
	if in.FunctionUrlAuthType != nil && *in.FunctionUrlAuthType != "AWS_IAM" && *in.FunctionUrlAuthType != "NONE" {
		return nil, lambdaValidation(*in.FunctionUrlAuthType, "functionUrlAuthType", "Member must satisfy enum value set: [AWS_IAM, NONE]")
	}
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	st := LambdaStatement{
		Sid: *in.StatementId, Effect: "Allow", Principal: lambdaPrincipal(*in.Principal),
		Action: *in.Action, Resource: f.ARN,
	}
	cond := func(op, key, value string) {
		if st.Condition == nil {
			st.Condition = map[string]map[string]string{}
		}
		if st.Condition[op] == nil {
			st.Condition[op] = map[string]string{}
		}
		st.Condition[op][key] = value
	}
	if in.SourceArn != nil {
		cond("ArnLike", "AWS:SourceArn", *in.SourceArn)
	}
	if in.SourceAccount != nil {
		cond("StringEquals", "AWS:SourceAccount", *in.SourceAccount)
	}
	if in.PrincipalOrgID != nil {
		cond("StringEquals", "aws:PrincipalOrgID", *in.PrincipalOrgID)
	}
	if in.EventSourceToken != nil {
		cond("StringEquals", "lambda:EventSourceToken", *in.EventSourceToken)
	}
	if in.FunctionUrlAuthType != nil {
		cond("StringEquals", "lambda:FunctionUrlAuthType", *in.FunctionUrlAuthType)
	}
	if in.InvokedViaFunctionUrl != nil && *in.InvokedViaFunctionUrl {
		cond("Bool", "lambda:InvokedViaFunctionUrl", "true")
	}
	add := func(p LambdaPolicy) (LambdaPolicy, error) {
		// The revision guards the policy as last read (GetPolicy); with no policy yet,
		// the function's.
		want := p.RevisionID
		if len(p.Statements) == 0 {
			want = f.RevisionID
		}
		if in.RevisionId != nil && *in.RevisionId != "" && *in.RevisionId != want {
			return p, lambdaPreconditionFailed()
		}
		for _, s := range p.Statements {
			if s.Sid == st.Sid {
				return p, lambdaConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", st.Sid)
			}
		}
		p.Statements = append(append([]LambdaStatement(nil), p.Statements...), st)
		if doc, _ := json.Marshal(policyDocument(p)); len(doc) > lambdaPolicyMaxBytes {
			return p, lambdaError(http.StatusBadRequest, "PolicyLengthExceededException", "The final policy size (%d) is bigger than the limit (%d).", len(doc), lambdaPolicyMaxBytes)
		}
		p.RevisionID = newRequestID()
		return p, nil
	}
	for {
		err = c.Store().Update(KindFunctionPolicy, f.ARN, func(v any) (any, error) { return add(v.(LambdaPolicy)) })
		if !errors.Is(err, ErrNotFound) {
			break
		}
		p, aerr := add(LambdaPolicy{}) // the function's first statement
		if aerr != nil {
			err = aerr
			break
		}
		if c.Store().Create(KindFunctionPolicy, f.ARN, p) {
			err = nil
			break
		}
	}
	if err != nil {
		return nil, err
	}
	doc, _ := json.Marshal(st)
	return &lambdaAddPermissionOutput{Statement: string(doc)}, nil
}

func policyDocument(p LambdaPolicy) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": p.Statements}
}

type lambdaRemovePermissionInput struct {
	FunctionName string  `json:"-" path:"FunctionName"`
	StatementId  string  `json:"-" path:"StatementId"` //nolint:revive // wire name
	Qualifier    *string `json:"-" query:"Qualifier"`
	RevisionId   *string `json:"-" query:"RevisionId"` //nolint:revive // wire name
}

func lambdaRemovePermission(c *Call, in *lambdaRemovePermissionInput) (*struct{}, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	notFound := lambdaNotFound("Statement %s is not found in resource policy.", in.StatementId)
	err = c.Store().Update(KindFunctionPolicy, f.ARN, func(v any) (any, error) {
		p := v.(LambdaPolicy)
		if in.RevisionId != nil && *in.RevisionId != "" && *in.RevisionId != p.RevisionID {
			return nil, lambdaPreconditionFailed()
		}
		kept := make([]LambdaStatement, 0, len(p.Statements))
		for _, s := range p.Statements {
			if s.Sid != in.StatementId {
				kept = append(kept, s)
			}
		}
		if len(kept) == len(p.Statements) {
			return nil, notFound
		}
		p.Statements, p.RevisionID = kept, newRequestID()
		return p, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if p, ok := GetAs[LambdaPolicy](c.Store(), KindFunctionPolicy, f.ARN); ok && len(p.Statements) == 0 {
		c.Store().Delete(KindFunctionPolicy, f.ARN)
	}
	return nil, nil
}

type lambdaGetPolicyOutput struct {
	Policy     string
	RevisionId string //nolint:revive // wire name
}

func lambdaGetPolicy(c *Call, in *lambdaFunctionInput) (*lambdaGetPolicyOutput, error) {
	f, err := lookupFunction(c, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	v, ok := c.Store().Lookup(KindFunctionPolicy, f.ARN)
	if !ok || len(v.(LambdaPolicy).Statements) == 0 {
		return nil, lambdaNotFound("The resource you requested does not exist.")
	}
	p := v.(LambdaPolicy)
	doc, _ := json.Marshal(policyDocument(p))
	return &lambdaGetPolicyOutput{Policy: string(doc), RevisionId: p.RevisionID}, nil
}

// allowsPublicURL reports whether the policy opens the function's URL to anyone, as
// function URLs with AuthType NONE need (from October 2025, both grants): principal "*"
// may call lambda:InvokeFunctionUrl (with no lambda:FunctionUrlAuthType condition, or
// NONE) and lambda:InvokeFunction (with no condition, or lambda:InvokedViaFunctionUrl
// true). Statements with any other condition do not apply to URL requests.
func (p LambdaPolicy) allowsPublicURL() bool {
	var url, invoke bool
	for _, s := range p.Statements {
		if pr, ok := s.Principal.(string); s.Effect != "Allow" || !ok || pr != "*" {
			continue
		}
		applies := true
		for op, kv := range s.Condition {
			for k, v := range kv {
				switch {
				case op == "StringEquals" && k == "lambda:FunctionUrlAuthType" && v == "NONE":
				case op == "Bool" && k == "lambda:InvokedViaFunctionUrl" && v == "true":
				default:
					applies = false
				}
			}
		}
		if !applies {
			continue
		}
		switch s.Action {
		case "lambda:InvokeFunctionUrl":
			url = true
		case "lambda:InvokeFunction":
			invoke = true
		case "lambda:*", "*":
			url, invoke = true, true
		}
	}
	return url && invoke
}

// ---- tags ----

type lambdaTagResourceInput struct {
	Resource string `json:"-" path:"Resource"`
	Tags     map[string]string
}

type lambdaUntagResourceInput struct {
	Resource string   `json:"-" path:"Resource"`
	TagKeys  []string `json:"-" query:"tagKeys"`
}

type lambdaListTagsInput struct {
	Resource string `json:"-" path:"Resource"`
}

type lambdaListTagsOutput struct {
	Tags map[string]string
}

// taggedFunction resolves the Resource member of the tagging operations: a function ARN.
func taggedFunction(c *Call, resource string) (LambdaFunction, error) {
	if !strings.HasPrefix(resource, "arn:") {
		return LambdaFunction{}, lambdaValidation(resource, "resource", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
	}
	return lookupFunction(c, resource, nil)
}

func lambdaTagResource(c *Call, in *lambdaTagResourceInput) (*struct{}, error) {
	f, err := taggedFunction(c, in.Resource)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, ErrValidation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := checkLambdaTags(in.Tags); err != nil {
		return nil, err
	}
	_, err = updateTags(c, f.ARN, func(tags map[string]string) {
		for k, v := range in.Tags {
			tags[k] = v
		}
	})
	return nil, err
}

// updateTags changes a function's tags without touching its revision or runtime.
func updateTags(c *Call, arn string, fn func(map[string]string)) (LambdaFunction, error) {
	var out LambdaFunction
	err := c.Store().Update(KindFunction, arn, func(v any) (any, error) {
		f := v.(LambdaFunction)
		f.Tags = cloneStringMap(f.Tags)
		if f.Tags == nil {
			f.Tags = map[string]string{}
		}
		fn(f.Tags)
		if len(f.Tags) > lambdaMaxTags {
			return nil, lambdaInvalidParameter("Number of tags exceeds resource tag limit.")
		}
		out = f
		return f, nil
	})
	if errors.Is(err, ErrNotFound) {
		return out, lambdaNotFound("Function not found: %s", arn)
	}
	return out, err
}

func lambdaUntagResource(c *Call, in *lambdaUntagResourceInput) (*struct{}, error) {
	f, err := taggedFunction(c, in.Resource)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, ErrValidation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	_, err = updateTags(c, f.ARN, func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
	return nil, err
}

func lambdaListTags(c *Call, in *lambdaListTagsInput) (*lambdaListTagsOutput, error) {
	f, err := taggedFunction(c, in.Resource)
	if err != nil {
		return nil, err
	}
	tags := cloneStringMap(f.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &lambdaListTagsOutput{Tags: tags}, nil
}
