package localaws_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// testZip builds a deployment package with the given files (name -> content) and modes.
func testZip(t *testing.T, files map[string]string, mode map[string]uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		m := uint32(0o755)
		if v, ok := mode[name]; ok {
			m = v
		}
		h.SetMode(fs.FileMode(m))
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bootstrapZip(t *testing.T, content string) []byte {
	return testZip(t, map[string]string{"bootstrap": content}, nil)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// lambdaEnv starts an emulator with an execution role for Lambda and returns a client.
func lambdaEnv(t *testing.T, opts ...localaws.Option) (*localaws.Server, aws.Config, *lambda.Client, string) {
	t.Helper()
	s, cfg := start(t, opts...)
	out, err := iam.NewFromConfig(cfg).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, cfg, lambda.NewFromConfig(cfg), *out.Role.Arn
}

func createFn(t *testing.T, lc *lambda.Client, role, name string, mutate ...func(*lambda.CreateFunctionInput)) *lambda.CreateFunctionOutput {
	t.Helper()
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(role), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: bootstrapZip(t, "v1")},
	}
	for _, m := range mutate {
		m(in)
	}
	out, err := lc.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	return out
}

func TestLambdaFunctionLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _, lc, role := lambdaEnv(t)
	zip1 := bootstrapZip(t, "version one")
	out, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String("enforcer"),
		Role:          aws.String(role),
		Runtime:       types.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Code:          &types.FunctionCode{ZipFile: zip1},
		Architectures: []types.Architecture{types.ArchitectureArm64},
		MemorySize:    aws.Int32(256),
		Timeout:       aws.Int32(300),
		Description:   aws.String("bedgov enforcer"),
		Environment:   &types.Environment{Variables: map[string]string{"BEDGOV_TABLE": "caps"}},
		Tags:          map[string]string{"team": "platform"},
		LoggingConfig: &types.LoggingConfig{LogGroup: aws.String("/bedgov/enforcer"), LogFormat: types.LogFormatJson},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:lambda:us-east-1:123456789012:function:enforcer"
	if aws.ToString(out.FunctionArn) != arn || aws.ToString(out.CodeSha256) != sha(zip1) || out.CodeSize != int64(len(zip1)) {
		t.Fatalf("create: arn %s sha %s size %d", aws.ToString(out.FunctionArn), aws.ToString(out.CodeSha256), out.CodeSize)
	}
	if out.State != types.StateActive || out.LastUpdateStatus != types.LastUpdateStatusSuccessful || aws.ToString(out.Version) != "$LATEST" || aws.ToString(out.RevisionId) == "" {
		t.Fatalf("create: state %s / %s version %s revision %q", out.State, out.LastUpdateStatus, aws.ToString(out.Version), aws.ToString(out.RevisionId))
	}
	if len(out.Architectures) != 1 || out.Architectures[0] != types.ArchitectureArm64 || aws.ToInt32(out.MemorySize) != 256 || aws.ToInt32(out.Timeout) != 300 {
		t.Fatalf("create: %v %d %d", out.Architectures, aws.ToInt32(out.MemorySize), aws.ToInt32(out.Timeout))
	}
	if out.Environment == nil || out.Environment.Variables["BEDGOV_TABLE"] != "caps" || aws.ToString(out.LoggingConfig.LogGroup) != "/bedgov/enforcer" || out.PackageType != types.PackageTypeZip {
		t.Fatalf("create: env %+v logging %+v", out.Environment, out.LoggingConfig)
	}
	if !s.Store().Exists(localaws.KindFunction, arn) {
		t.Fatal("function not in the store")
	}

	_, err = lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("enforcer"), Role: aws.String(role), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: zip1},
	})
	var conflict *types.ResourceConflictException
	if !asErr(err, &conflict) {
		t.Fatalf("duplicate create: %v, want ResourceConflictException", err)
	}

	// Every accepted form of the name finds it.
	for _, ref := range []string{"enforcer", arn, "123456789012:function:enforcer", arn + ":$LATEST", "enforcer:$LATEST"} {
		got, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(ref)})
		if err != nil {
			t.Fatalf("GetFunction(%s): %v", ref, err)
		}
		if aws.ToString(got.Configuration.FunctionArn) != arn || got.Tags["team"] != "platform" || aws.ToString(got.Code.RepositoryType) != "S3" {
			t.Fatalf("GetFunction(%s): %+v", ref, got)
		}
	}
	cfgOut, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("enforcer")})
	if err != nil || aws.ToString(cfgOut.Description) != "bedgov enforcer" {
		t.Fatalf("GetFunctionConfiguration: %v %+v", err, cfgOut)
	}
	_, err = lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("enforcer"), Qualifier: aws.String("1")})
	var nf *types.ResourceNotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("qualifier 1: %v, want ResourceNotFoundException", err)
	}

	// Code update: new zip, other architecture.
	zip2 := bootstrapZip(t, "version two")
	code, err := lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
		FunctionName: aws.String(arn), ZipFile: zip2, Architectures: []types.Architecture{types.ArchitectureX8664},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(code.CodeSha256) != sha(zip2) || code.Architectures[0] != types.ArchitectureX8664 || aws.ToString(code.RevisionId) == aws.ToString(out.RevisionId) {
		t.Fatalf("UpdateFunctionCode: %s %v %s", aws.ToString(code.CodeSha256), code.Architectures, aws.ToString(code.RevisionId))
	}

	// Configuration update, guarded by the revision id.
	_, err = lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("enforcer"), MemorySize: aws.Int32(512), RevisionId: out.RevisionId,
	})
	var pre *types.PreconditionFailedException
	if !asErr(err, &pre) {
		t.Fatalf("stale revision: %v, want PreconditionFailedException", err)
	}
	upd, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("enforcer"), MemorySize: aws.Int32(512), Timeout: aws.Int32(60), RevisionId: code.RevisionId,
		Environment: &types.Environment{Variables: map[string]string{"BEDGOV_TABLE": "caps2", "BEDGOV_FAIL_MODE": "open"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(upd.MemorySize) != 512 || aws.ToInt32(upd.Timeout) != 60 || upd.Environment.Variables["BEDGOV_TABLE"] != "caps2" || aws.ToString(upd.CodeSha256) != sha(zip2) || aws.ToString(upd.Description) != "bedgov enforcer" {
		t.Fatalf("UpdateFunctionConfiguration: %+v", upd)
	}
	// An empty environment clears the variables.
	upd, err = lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("enforcer"), Environment: &types.Environment{}})
	if err != nil || upd.Environment != nil {
		t.Fatalf("clear environment: %v %+v", err, upd.Environment)
	}

	if _, err := lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("enforcer")}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("enforcer")})
	if !asErr(err, &nf) || !strings.Contains(err.Error(), "Function not found: "+arn) {
		t.Fatalf("after delete: %v", err)
	}
	_, err = lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("enforcer")})
	if !asErr(err, &nf) {
		t.Fatalf("delete twice: %v", err)
	}
	_, err = lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("enforcer"), ZipFile: zip2})
	if !asErr(err, &nf) {
		t.Fatalf("update deleted: %v", err)
	}
}

func TestLambdaCreateFunctionValidation(t *testing.T) {
	ctx := context.Background()
	_, cfg, lc, role := lambdaEnv(t)
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("ec2-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	}); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4100)
	cases := []struct {
		name   string
		mutate func(*lambda.CreateFunctionInput)
		code   string
		msg    string
	}{
		{"missing role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("arn:aws:iam::123456789012:role/nope") },
			"InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."},
		{"role not trusting lambda", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("arn:aws:iam::123456789012:role/ec2-role") },
			"InvalidParameterValueException", "cannot be assumed by Lambda"},
		{"malformed role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("fn-role") }, "ValidationException", "at 'role'"},
		{"memory too small", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }, "ValidationException", "at 'memorySize'"},
		{"memory too large", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(10241) }, "ValidationException", "less than or equal to 10240"},
		{"timeout zero", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(0) }, "ValidationException", "at 'timeout'"},
		{"timeout too long", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) }, "ValidationException", "less than or equal to 900"},
		{"two architectures", func(in *lambda.CreateFunctionInput) {
			in.Architectures = []types.Architecture{types.ArchitectureArm64, types.ArchitectureX8664}
		}, "ValidationException", "architectures"},
		{"unknown architecture", func(in *lambda.CreateFunctionInput) { in.Architectures = []types.Architecture{"riscv"} }, "ValidationException", "architectures"},
		{"unknown runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "cobol85" }, "ValidationException", "at 'runtime'"},
		{"reserved variable", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
		}, "InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION"},
		{"environment over 4 KB", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"BIG": big}}
		}, "InvalidParameterValueException", "exceeded the 4KB limit"},
		{"bad variable name", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"1BAD": "x"}}
		}, "ValidationException", "environment.variables"},
		{"not a zip", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = []byte("plain text") }, "InvalidParameterValueException", "Could not unzip"},
		{"no bootstrap", func(in *lambda.CreateFunctionInput) {
			in.Code.ZipFile = testZip(t, map[string]string{"main": "x"}, nil)
		}, "InvalidParameterValueException", "bootstrap"},
		{"bootstrap not executable", func(in *lambda.CreateFunctionInput) {
			in.Code.ZipFile = testZip(t, map[string]string{"bootstrap": "x"}, map[string]uint32{"bootstrap": 0o644})
		}, "InvalidParameterValueException", "not executable"},
		{"empty code", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = nil }, "InvalidParameterValueException", "source for function code"},
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("has space") }, "ValidationException", "functionName"},
		{"name too long", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String(strings.Repeat("a", 65)) }, "ValidationException", "functionName"},
		{"description too long", func(in *lambda.CreateFunctionInput) { in.Description = aws.String(strings.Repeat("d", 257)) }, "ValidationException", "description"},
		{"bad log format", func(in *lambda.CreateFunctionInput) { in.LoggingConfig = &types.LoggingConfig{LogFormat: "XML"} }, "ValidationException", "logFormat"},
		{"reserved tag", func(in *lambda.CreateFunctionInput) { in.Tags = map[string]string{"aws:x": "y"} }, "InvalidParameterValueException", "aws:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &lambda.CreateFunctionInput{
				FunctionName: aws.String("fn"), Role: aws.String(role), Runtime: types.RuntimeProvidedal2023,
				Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: bootstrapZip(t, "x")},
			}
			tc.mutate(in)
			_, err := lc.CreateFunction(ctx, in)
			wantAPIError(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v does not mention %q", err, tc.msg)
			}
			if tc.code == "InvalidParameterValueException" {
				var ip *types.InvalidParameterValueException
				if !asErr(err, &ip) || aws.ToString(ip.Type) != "User" {
					t.Fatalf("not a typed InvalidParameterValueException with Type User: %#v", err)
				}
			}
		})
	}
	// Updates validate the same way.
	createFn(t, lc, role, "fn")
	_, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Timeout: aws.Int32(1000)})
	wantAPIError(t, err, "ValidationException")
	_, err = lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Role: aws.String("arn:aws:iam::123456789012:role/ec2-role")})
	wantAPIError(t, err, "InvalidParameterValueException")
	_, err = lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: []byte("nope")})
	wantAPIError(t, err, "InvalidParameterValueException")
}

// An IAM role that is not yet visible (eventual consistency) cannot be used either;
// callers retry as they do against AWS.
func TestLambdaRoleEventualConsistency(t *testing.T) {
	s, _, lc, role := lambdaEnv(t)
	s.Store().Hide(localaws.KindRole, "fn-role", 1)
	_, err := lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("fn"), Role: aws.String(role), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: bootstrapZip(t, "x")},
	})
	wantAPIError(t, err, "InvalidParameterValueException")
	createFn(t, lc, role, "fn")
}

func TestLambdaConcurrency(t *testing.T) {
	ctx := context.Background()
	s, _, lc, role := lambdaEnv(t)
	out := createFn(t, lc, role, "fn")
	createFn(t, lc, role, "other")

	got, err := lc.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")})
	if err != nil || got.ReservedConcurrentExecutions != nil {
		t.Fatalf("unset: %v %v", err, got.ReservedConcurrentExecutions)
	}
	put, err := lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(10)})
	if err != nil || aws.ToInt32(put.ReservedConcurrentExecutions) != 10 {
		t.Fatalf("put: %v %+v", err, put)
	}
	got, err = lc.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: out.FunctionArn})
	if err != nil || aws.ToInt32(got.ReservedConcurrentExecutions) != 10 {
		t.Fatalf("get: %v %+v", err, got)
	}
	fn, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	if err != nil || fn.Concurrency == nil || aws.ToInt32(fn.Concurrency.ReservedConcurrentExecutions) != 10 {
		t.Fatalf("GetFunction concurrency: %v %+v", err, fn.Concurrency)
	}
	if v, ok := localaws.GetAs[int32](s.Store(), localaws.KindFunctionConcurrency, *out.FunctionArn); !ok || v != 10 {
		t.Fatalf("store: %v %v", v, ok)
	}
	// The account keeps 100 of its 1000 unreserved: 10 + 891 is too much.
	_, err = lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("other"), ReservedConcurrentExecutions: aws.Int32(891)})
	var ip *types.InvalidParameterValueException
	if !asErr(err, &ip) || !strings.Contains(err.Error(), "UnreservedConcurrentExecution") {
		t.Fatalf("over the account: %v", err)
	}
	if _, err := lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("other"), ReservedConcurrentExecutions: aws.Int32(890)}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(-1)})
	wantAPIError(t, err, "ValidationException")
	if _, err := lc.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	got, err = lc.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")})
	if err != nil || got.ReservedConcurrentExecutions != nil {
		t.Fatalf("after delete: %v %+v", err, got)
	}
	_, err = lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("ghost"), ReservedConcurrentExecutions: aws.Int32(1)})
	var nf *types.ResourceNotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("unknown function: %v", err)
	}
}

func TestLambdaPermissions(t *testing.T) {
	ctx := context.Background()
	s, _, lc, role := lambdaEnv(t)
	out := createFn(t, lc, role, "fn")
	arn := aws.ToString(out.FunctionArn)

	_, err := lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	var nf *types.ResourceNotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("no policy yet: %v", err)
	}
	// A refused first statement leaves no policy behind.
	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("x"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*"), RevisionId: aws.String("stale"),
	})
	wantAPIError(t, err, "PreconditionFailedException")
	if s.Store().Exists(localaws.KindFunctionPolicy, arn) {
		t.Fatal("a refused AddPermission stored a policy")
	}
	add, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("FunctionURLAllowPublicAccess"),
		Action: aws.String("lambda:InvokeFunctionUrl"), Principal: aws.String("*"), FunctionUrlAuthType: types.FunctionUrlAuthTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(add.Statement)), &st); err != nil {
		t.Fatalf("statement %q: %v", aws.ToString(add.Statement), err)
	}
	cond, _ := st["Condition"].(map[string]any)
	if st["Sid"] != "FunctionURLAllowPublicAccess" || st["Resource"] != arn || st["Principal"] != "*" ||
		cond["StringEquals"].(map[string]any)["lambda:FunctionUrlAuthType"] != "NONE" {
		t.Fatalf("statement: %v", st)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String(arn), StatementId: aws.String("sns"), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("sns.amazonaws.com"), SourceArn: aws.String("arn:aws:sns:us-east-1:123456789012:t"), SourceAccount: aws.String("123456789012"),
	}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("sns"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com"),
	})
	var conflict *types.ResourceConflictException
	if !asErr(err, &conflict) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate sid: %v", err)
	}
	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("bad id!"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*"),
	})
	wantAPIError(t, err, "ValidationException")
	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("x"), Action: aws.String("s3:GetObject"), Principal: aws.String("*"),
	})
	wantAPIError(t, err, "ValidationException")

	pol, err := lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Sid       string
			Principal any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil || doc.Version != "2012-10-17" || len(doc.Statement) != 2 {
		t.Fatalf("policy %s: %v", aws.ToString(pol.Policy), err)
	}
	if p := doc.Statement[1]; p.Sid != "sns" || p.Condition["ArnLike"]["AWS:SourceArn"] == "" || p.Condition["StringEquals"]["AWS:SourceAccount"] != "123456789012" {
		t.Fatalf("sns statement: %+v", p)
	}
	if pr, _ := doc.Statement[1].Principal.(map[string]any); pr["Service"] != "sns.amazonaws.com" {
		t.Fatalf("service principal: %v", doc.Statement[1].Principal)
	}

	_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("fn"), StatementId: aws.String("late"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*"), RevisionId: aws.String("stale"),
	})
	var pre *types.PreconditionFailedException
	if !asErr(err, &pre) {
		t.Fatalf("AddPermission with a stale revision: %v", err)
	}
	_, err = lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("sns"), RevisionId: aws.String("stale")})
	if !asErr(err, &pre) {
		t.Fatalf("stale revision: %v", err)
	}
	if _, err := lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("sns"), RevisionId: pol.RevisionId}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("sns")})
	if !asErr(err, &nf) {
		t.Fatalf("remove twice: %v", err)
	}
	p, ok := localaws.GetAs[localaws.LambdaPolicy](s.Store(), localaws.KindFunctionPolicy, arn)
	if !ok || len(p.Statements) != 1 || p.Statements[0].Sid != "FunctionURLAllowPublicAccess" {
		t.Fatalf("store policy: %+v", p)
	}
	if _, err := lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("FunctionURLAllowPublicAccess")}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	if !asErr(err, &nf) {
		t.Fatalf("empty policy: %v", err)
	}
}

func TestLambdaFunctionURLConfig(t *testing.T) {
	ctx := context.Background()
	s, cfg, lc, role := lambdaEnv(t)
	out := createFn(t, lc, role, "fn")
	arn := aws.ToString(out.FunctionArn)

	_, err := lc.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("fn")})
	var nf *types.ResourceNotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("before create: %v", err)
	}
	created, err := lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String("fn"), AuthType: types.FunctionUrlAuthTypeAwsIam, InvokeMode: types.InvokeModeResponseStream,
		Cors: &types.Cors{AllowOrigins: []string{"https://example.com"}, AllowMethods: []string{"POST"}, MaxAge: aws.Int32(60)},
	})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(created.FunctionUrl)
	prefix := aws.ToString(cfg.BaseEndpoint) + localaws.FunctionURLPrefix
	if !strings.HasPrefix(url, prefix) || !strings.HasSuffix(url, "/") || len(url) != len(prefix)+33 {
		t.Fatalf("FunctionUrl %q, want %s<32-char id>/", url, prefix)
	}
	if aws.ToString(created.FunctionArn) != arn || created.AuthType != types.FunctionUrlAuthTypeAwsIam || created.InvokeMode != types.InvokeModeResponseStream ||
		created.Cors == nil || created.Cors.AllowOrigins[0] != "https://example.com" || aws.ToString(created.CreationTime) == "" {
		t.Fatalf("create: %+v", created)
	}
	_, err = lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fn"), AuthType: types.FunctionUrlAuthTypeNone})
	var conflict *types.ResourceConflictException
	if !asErr(err, &conflict) {
		t.Fatalf("second config: %v", err)
	}
	_, err = lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("ghost"), AuthType: types.FunctionUrlAuthTypeNone})
	if !asErr(err, &nf) {
		t.Fatalf("unknown function: %v", err)
	}
	_, err = lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fn"), AuthType: "BASIC"})
	wantAPIError(t, err, "ValidationException")
	_, err = lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fn"), AuthType: types.FunctionUrlAuthTypeNone, Qualifier: aws.String("live")})
	if !asErr(err, &nf) {
		t.Fatalf("alias qualifier: %v", err)
	}

	got, err := lc.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(arn)})
	if err != nil || aws.ToString(got.FunctionUrl) != url || aws.ToString(got.LastModifiedTime) == "" {
		t.Fatalf("get: %v %+v", err, got)
	}
	upd, err := lc.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{
		FunctionName: aws.String("fn"), AuthType: types.FunctionUrlAuthTypeNone, InvokeMode: types.InvokeModeBuffered,
	})
	if err != nil || upd.AuthType != types.FunctionUrlAuthTypeNone || upd.InvokeMode != types.InvokeModeBuffered || aws.ToString(upd.FunctionUrl) != url || upd.Cors == nil {
		t.Fatalf("update: %v %+v", err, upd)
	}
	_, err = lc.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("fn"), InvokeMode: "FAST"})
	wantAPIError(t, err, "ValidationException")
	_, err = lc.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("fn"), Cors: &types.Cors{MaxAge: aws.Int32(100000)}})
	wantAPIError(t, err, "ValidationException")

	if u, ok := localaws.GetAs[localaws.FunctionURLConfig](s.Store(), localaws.KindFunctionURL, arn); !ok || u.URL != url || u.AuthType != "NONE" {
		t.Fatalf("store: %+v", u)
	}
	if _, err := lc.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("fn")})
	if !asErr(err, &nf) {
		t.Fatalf("delete twice: %v", err)
	}

	// Deleting the function takes its URL, policy and concurrency with it.
	if _, err := lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fn"), AuthType: types.FunctionUrlAuthTypeNone}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("a"), Action: aws.String("lambda:InvokeFunctionUrl"), Principal: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{localaws.KindFunction, localaws.KindFunctionURL, localaws.KindFunctionPolicy, localaws.KindFunctionConcurrency} {
		if s.Store().Exists(kind, arn) {
			t.Errorf("%s left behind after DeleteFunction", kind)
		}
	}
}

func TestLambdaTags(t *testing.T) {
	ctx := context.Background()
	_, _, lc, role := lambdaEnv(t)
	out := createFn(t, lc, role, "fn", func(in *lambda.CreateFunctionInput) { in.Tags = map[string]string{"a": "1"} })
	arn := out.FunctionArn

	if _, err := lc.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: map[string]string{"b": "2", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.UntagResource(ctx, &lambda.UntagResourceInput{Resource: arn, TagKeys: []string{"a", "c"}}); err != nil {
		t.Fatal(err)
	}
	got, err := lc.ListTags(ctx, &lambda.ListTagsInput{Resource: arn})
	if err != nil || len(got.Tags) != 1 || got.Tags["b"] != "2" {
		t.Fatalf("ListTags: %v %v", err, got.Tags)
	}
	// Tagging does not change the function's revision.
	cfg, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: arn})
	if err != nil || aws.ToString(cfg.RevisionId) != aws.ToString(out.RevisionId) {
		t.Fatalf("revision after tagging: %v %s != %s", err, aws.ToString(cfg.RevisionId), aws.ToString(out.RevisionId))
	}
	_, err = lc.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: map[string]string{"aws:owner": "x"}})
	wantAPIError(t, err, "InvalidParameterValueException")
	many := map[string]string{}
	for i := 0; i < 50; i++ {
		many[strings.Repeat("k", i+1)] = "v"
	}
	_, err = lc.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: many})
	wantAPIError(t, err, "InvalidParameterValueException")
	ghost := aws.String("arn:aws:lambda:us-east-1:123456789012:function:ghost")
	_, err = lc.ListTags(ctx, &lambda.ListTagsInput{Resource: ghost})
	var nf *types.ResourceNotFoundException
	if !asErr(err, &nf) {
		t.Fatalf("ListTags of a missing function: %v", err)
	}
	_, err = lc.TagResource(ctx, &lambda.TagResourceInput{Resource: ghost, Tags: map[string]string{"a": "b"}})
	if !asErr(err, &nf) {
		t.Fatalf("TagResource of a missing function: %v", err)
	}
}

// Functions can be hidden like any object, and faults apply to Lambda operations.
func TestLambdaHiddenAndFaults(t *testing.T) {
	ctx := context.Background()
	s, _, lc, role := lambdaEnv(t)
	out := createFn(t, lc, role, "fn")
	s.Store().Hide(localaws.KindFunction, aws.ToString(out.FunctionArn), 1)
	_, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	wantAPIError(t, err, "ResourceNotFoundException")
	if _, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	s.FailNth("lambda", "GetFunction", 1, &localaws.APIError{Code: "TooManyRequestsException", Message: "Rate exceeded", Status: 429})
	_, err = lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	var tm *types.TooManyRequestsException
	if !asErr(err, &tm) {
		t.Fatalf("injected fault: %v", err)
	}
}
