package localaws

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

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
