package localaws

import (
	"errors"
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
