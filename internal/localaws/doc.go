// Package localaws is a local emulator of the AWS operations bedgov calls. It speaks each
// service's real wire protocol, so the real aws-sdk-go-v2 clients work against it with
// only BaseEndpoint changed: if the SDK cannot parse a response, the emulator is wrong.
//
// # Using it
//
// In-process (tests):
//
//	srv := localaws.New(localaws.WithDynamoDB(dyn.Endpoint)) // options: WithAccount, WithIdentity, ...
//	ts := httptest.NewServer(srv)
//	defer ts.Close()
//	cfg := localaws.ClientConfig(ts.URL, "us-east-1") // aws.Config with dummy static keys
//	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
//
// As a process (demo, scripts): go run ./cmd/localaws prints LOCALAWS_ENDPOINT=http://...
// when ready (flags: -listen, -account, -identity, -dynamodb-endpoint, -no-dynamodb); its
// control API (faults, call log, state, invisibility) lives under /_localaws/ (see
// adminPrefix in admin.go).
//
// Identity: the test key (TestAccessKeyID) is the configured identity (WithIdentity;
// default arn:aws:iam::123456789012:user/bedgov-test), and WithAccessKey adds others.
// STS AssumeRole accepts any well-formed
// role ARN (the role need not exist) and issues ASIA... keys; calls signed with them
// are made as arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
//
// Requests are routed by the SigV4 Authorization header's credential scope
// (Credential=AKID/date/REGION/SERVICE/aws4_request). Bedrock's control plane and
// runtime both sign as "bedrock"; runtime paths (/model/{id}/converse, converse-stream,
// invoke, invoke-with-response-stream) go to the "bedrock-runtime" service, which also
// accepts "Authorization: Bearer <key>" (Bedrock API keys). SigV4 signatures are
// verified with the secrets the emulator issued (sigv4.go); every request is validated
// against AWS's API model of its operation and every response against the output shape
// (model_check.go); Bedrock Runtime invocations, AWS_IAM function URL calls and the
// enforcer's DynamoDB, SNS and Logs calls are authorized by the IAM policy simulator
// (authorize.go).
// While a Region has a model invocation logging configuration, its runtime calls are
// logged as Bedrock logs them, one gzipped object per call in the S3 destination and one
// event in the log group (bedrock_logging_delivery.go).
//
// Services, by logical name (used in call logs, faults and Register), and protocol:
//
//	bedrock, bedrock-runtime, lambda   restJson1
//	iam, sts, sns                      awsQuery
//	budgets, ce, logs, glue, athena    awsJson1_1
//	dynamodb                           awsJson1_0, passed through to dynalite; single-item calls metered and throttled per partition key (dynamodb_capacity.go)
//	cloudwatch                         Smithy RPC v2 CBOR (signing name "monitoring")
//	s3                                 restXml, path-style addressing (bucket operations, objects)
//
// # Adding an operation
//
// Write a typed handler in a file of its service (e.g. iam_policies.go) and register it
// in the service's init, next to its other operations (iam.go lists IAM's, lambda.go
// Lambda's). The handler sees Go values only; the codec of the service's protocol
// decodes the request and encodes the output or error.
//
//	func init() {
//		localaws.RegisterBuiltin("iam", localaws.Operation{Name: "GetPolicy", Handler: localaws.Handle(getPolicy)})
//		// restJson1 operations also route by method and path (and may set Status):
//		// Operation{Name: "GetInferenceProfile", Method: "GET",
//		//     Path: "/inference-profiles/{inferenceProfileIdentifier}", Handler: ...}
//	}
//
//	type getPolicyInput struct{ PolicyArn *string }
//	type getPolicyOutput struct{ Policy policyXML }
//
//	func getPolicy(c *localaws.Call, in *getPolicyInput) (*getPolicyOutput, error) {
//		if in.PolicyArn == nil {
//			return nil, localaws.ErrValidation("PolicyArn is required")
//		}
//		p, ok := c.Store().Lookup(KindPolicy, *in.PolicyArn) // honours injected invisibility
//		if !ok {
//			return nil, localaws.ErrorStatus(404, "NoSuchEntity", "Policy %s does not exist", *in.PolicyArn)
//		}
//		return &getPolicyOutput{Policy: toXML(p.(policy))}, nil
//	}
//
// (Inside this package drop the "localaws." qualifiers.)
//
// How input and output structs are written per protocol:
//
//   - awsJson (budgets, ce, logs, dynamodb): json tags with the wire member names;
//     timestamps as EpochSeconds.
//   - restJson1 (bedrock, lambda): the body via json tags; path wildcards, query
//     parameters and headers via path:"name", query:"name", header:"Name" tags on fields
//     marked json:"-". Output fields tagged header:"Name" become response headers.
//     Timestamps: time.Time for date-time members (most of Bedrock), EpochSeconds
//     otherwise.
//   - awsQuery (iam, sts, sns): input fields named as the wire parameters (or tagged
//     query:"Name"); lists decode from Name.member.N, maps from Name.entry.N.key/value,
//     nested structures from Name.Member. Outputs are encoding/xml structs: lists as
//     `xml:"Tags>member"`, timestamps as strings made with ISOTime. The codec wraps the
//     output in <OpResponse><OpResult>...</OpResult><ResponseMetadata>.
//   - restXml (s3): routed like restJson1, with a query suffix for sub-resources
//     (Path: "/{Bucket}?policy"; the route with more literals and parameters wins).
//     The input struct receives the children of the body's root element through xml
//     tags (path, query and header fields carry xml:"-"); a blob payload is c.Body. An
//     output with an XMLName field (namespace included) is the XML body; one without
//     sets only its header fields; *RawPayload is sent as is. Errors are S3's unwrapped
//     <Error> (serviceSpec.NoErrorWrapping) with Fields as extra elements.
//     Clients need UsePathStyle.
//   - rpcv2Cbor (cloudwatch): json tags with the wire member names (PascalCase for
//     CloudWatch); time.Time and EpochSeconds encode as CBOR epoch timestamps.
//
// Errors: return an *APIError (Errorf, ErrorStatus, ErrValidation, ErrThrottling, ...).
// Code is the error shape name the SDK maps to its typed error; QueryCode the awsQuery
// code when it differs (ThrottlingException vs Throttling; for CloudWatch, the
// awsQueryError code sent in X-Amzn-Query-Error, e.g. DashboardNotFoundError /
// ResourceNotFound). Any other error becomes a 500 InternalFailure. Validate input as
// AWS documents it and answer with AWS's error; never panic.
//
// Streaming responses (bedrock-runtime event streams) set Operation.Raw instead of
// Handler and write the response themselves.
//
// # State, eventual consistency and inspection
//
// Objects live in the Store by kind ("logs:log-group", ...; constants Kind*) and id
// (usually the ARN). Handlers create with Store.Create (atomic "already exists" check),
// read with Store.Lookup / ListVisible (which honour Hide/HideNext: an object invisible
// for N reads reports not found N times), and change with Update or Put. Tests inspect
// with Store.List / Get / Exists and delete out of band with Store.Delete.
//
// # Faults and the call log
//
// Server.InjectFault (and FailNth, FailTimes, FailAlways, AddLatency; RemoveFault,
// ClearFaults) fail or delay calls of a service+operation(+region) before they reach
// the handler, for every protocol including the DynamoDB passthrough. Errors are sent in
// the protocol's shape, so ErrThrottling() is "Throttling" to IAM/STS/SNS clients and
// "ThrottlingException" to the others, and the SDK retries it as it would against AWS.
// Server.Calls records every call (service, operation, region, access key, status, error
// code, time, duration) until ResetCalls; CallCount counts them.
//
// Register may be called while the server serves (tests override built-in operations
// with it); RegisterBuiltin only from init functions.
package localaws
