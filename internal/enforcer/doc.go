// Package enforcer is bedgov's Bedrock Runtime–compatible reverse proxy. One
// http.Handler (Handler) serves both entry points: the Lambda function
// (cmd/bedgov-enforcer-lambda, lambdaurl response streaming) and the plain HTTP(S)
// server (cmd/bedgov-enforcer). The cap record and every DynamoDB write it makes are
// defined in internal/governance; read that package's documentation first.
//
// # Request path
//
//		POST /model/{modelId}/converse | converse-stream | invoke | invoke-with-response-stream
//
//	 1. Identify the caller: iam mode takes the principal ARN from the function URL's
//	    AWS_IAM authorizer (Lambda) or from the header a trusted front sets (plain server,
//	    BEDGOV_TRUSTED_PRINCIPAL_HEADER); api_key mode hashes "Authorization: Bearer <key>".
//	    The identity index maps it to a team (cached, BEDGOV_IDENTITY_CACHE_TTL), and the
//	    team's record must still list it. Nothing else in the request can name a team.
//	 2. The path's model must be one of the team's: its profile ARN or id, its model id (or
//	    a system profile / model ARN of that model), or the same for its degrade profile.
//	    The request always goes to the team's own profile; anything else is 403.
//	 3. Reserve the worst case (governance.Price.WorstCase over the input bound and the
//	    request's max tokens, the larger of primary and degrade model) with ONE
//	    conditional UpdateItem, which also returns the team's spend and configuration.
//	    Refused: 400 ServiceQuotaExceededException ("monthly budget of 2000.00 USD
//	    exceeded for team business"), the status Bedrock's API model gives the type,
//	    which no SDK retries; but when the room
//	    is only held by in-flight reservations, 429 ThrottlingException, which they
//	    retry. Ledger unreachable: 503 (fail closed) unless BEDGOV_FAIL_MODE=open.
//	 4. At or past the degrade threshold the request goes to the degrade profile.
//	    Response headers: X-Bedgov-Team, X-Bedgov-State, X-Bedgov-Spend-Percent,
//	    X-Bedgov-Model, X-Bedgov-Profile-Arn.
//	 5. Forward the raw body, SigV4-signed as the enforcer (service "bedrock"), over pooled
//	    connections; stream the response back byte for byte, decoding the event stream
//	    only to read usage. Bedrock's own errors (throttling included) pass through.
//	 6. After the body is flushed, settle to the reported usage (Converse body usage,
//	    InvokeModel token-count headers, ConverseStream metadata, InvokeModelWithResponse-
//	    Stream invocation metrics). The forwarded call outlives its client: a non-streaming
//	    answer is read to its end for its usage when the client has gone; a call sent and
//	    then lost (or a non-streaming answer without usage) is charged its reservation; a
//	    cancelled or failed stream is charged an upper-bound estimate of what was
//	    generated (never above the reservation); an error response, or a call never
//	    written to Bedrock, costs nothing. Then: idempotency record, notify-once per threshold (SNS), release
//	    of reservations left by dead processes, one JSON log line that is also a CloudWatch
//	    EMF metrics document (no prompts, completions or keys).
//
// A retried SDK call (same amz-sdk-invocation-id, attempt > 1) that was already billed
// is answered 400 ConflictException and not forwarded; one still in flight gets a
// retryable 429 ThrottlingException.
//
// # Configuration (environment; FromEnv)
//
//	BEDGOV_TABLE                     cap table name (required)
//	BEDGOV_AUTH_MODE                 iam (default) | api_key
//	BEDGOV_FAIL_MODE                 closed (default) | open
//	BEDGOV_BEDROCK_REGION            signing Region (default AWS_REGION)
//	BEDGOV_BEDROCK_ENDPOINT          default https://bedrock-runtime.<region>.amazonaws.com
//	BEDGOV_DYNAMODB_ENDPOINT         optional (local testing)
//	BEDGOV_SNS_ENDPOINT              optional (local testing)
//	BEDGOV_PRICING_OVERRIDES         JSON {"<model id>": {"input_per_mtok": 3, "output_per_mtok": 15,
//	                                 "cache_read_per_mtok": 0.3, "cache_write_per_mtok": "3.75",
//	                                 "max_output_tokens": 8192}}
//	BEDGOV_RESERVATION_TTL           longest request, default 15m (match the Lambda timeout)
//	BEDGOV_MAX_BODY_BYTES            default 20971520
//	BEDGOV_IDENTITY_CACHE_TTL        default 30s
//	BEDGOV_TRUSTED_PRINCIPAL_HEADER  plain server in iam mode only; ignored by the Lambda
//	BEDGOV_METRICS_NAMESPACE         default Bedgov/Enforcer
//
// AWS credentials and Region come from the default chain (the Lambda role). Permissions:
// dynamodb:GetItem/PutItem/UpdateItem on the table, sns:Publish on the teams' topics,
// bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream through the teams'
// profiles (governance.InvokePolicy).
//
// # Building the Lambda
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath \
//	  -ldflags="-s -w" -o bootstrap ./internal/enforcer/cmd/bedgov-enforcer-lambda
//	zip -X enforcer.zip bootstrap      # runtime provided.al2023, handler "bootstrap"
//
// The function URL must use InvokeMode RESPONSE_STREAM. In iam mode callers sign for
// the function URL (SigV4 service "lambda"), not "bedrock": besides the endpoint, an SDK
// client sets its signing name (Go: bedrockruntime.WithSigV4SigningName("lambda")).
// In api_key mode the SDKs send their Bedrock bearer key unchanged.
package enforcer
