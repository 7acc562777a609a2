package localaws

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"
)

// Protocol is an AWS wire protocol.
type Protocol int

// The protocols the emulator speaks.
const (
	AWSJSON10 Protocol = iota + 1 // awsJson1_0 (DynamoDB)
	AWSJSON11                     // awsJson1_1 (Budgets, CloudWatch Logs, Cost Explorer)
	AWSQuery                      // awsQuery (IAM, STS, SNS)
	RESTJSON1                     // restJson1 (Bedrock, Bedrock Runtime, Lambda)
	RPCv2CBOR                     // Smithy RPC v2 CBOR (CloudWatch in this SDK version)
	RESTXML                       // restXml (S3)
)

func (p Protocol) String() string {
	switch p {
	case AWSJSON10:
		return "awsJson1_0"
	case AWSJSON11:
		return "awsJson1_1"
	case AWSQuery:
		return "awsQuery"
	case RESTJSON1:
		return "restJson1"
	case RPCv2CBOR:
		return "rpcv2Cbor"
	case RESTXML:
		return "restXml"
	}
	return "unknown"
}

// serviceSpec is the wire identity of one emulated service.
type serviceSpec struct {
	Name        string // logical name used in call logs, faults and registration
	SigningName string // SigV4 credential-scope service name
	Protocol    Protocol
	Target      string // awsJson: X-Amz-Target prefix; rpcv2: service name in the path
	XMLNS       string // awsQuery, restXml: response namespace
	Namespace   string // Smithy namespace, for __type values of JSON/CBOR errors
	// QueryCompatible services (CloudWatch) also send X-Amzn-Query-Error.
	QueryCompatible bool
	// NoErrorWrapping restXml services (S3) send <Error> as the document root instead of
	// inside <ErrorResponse>.
	NoErrorWrapping bool
}

// serviceSpecs lists every service the emulator knows. The SDK client in go.mod is the
// reference for each protocol (see options.Protocol in its api_client.go).
var serviceSpecs = []serviceSpec{
	{Name: "bedrock", SigningName: "bedrock", Protocol: RESTJSON1, Namespace: "com.amazonaws.bedrock"},
	{Name: "bedrock-runtime", SigningName: "bedrock", Protocol: RESTJSON1, Namespace: "com.amazonaws.bedrockruntime"},
	{Name: "lambda", SigningName: "lambda", Protocol: RESTJSON1, Namespace: "com.amazonaws.lambda"},
	{Name: "iam", SigningName: "iam", Protocol: AWSQuery, XMLNS: "https://iam.amazonaws.com/doc/2010-05-08/"},
	{Name: "sts", SigningName: "sts", Protocol: AWSQuery, XMLNS: "https://sts.amazonaws.com/doc/2011-06-15/"},
	{Name: "sns", SigningName: "sns", Protocol: AWSQuery, XMLNS: "http://sns.amazonaws.com/doc/2010-03-31/"},
	{Name: "budgets", SigningName: "budgets", Protocol: AWSJSON11, Target: "AWSBudgetServiceGateway", Namespace: "com.amazonaws.budgets"},
	{Name: "ce", SigningName: "ce", Protocol: AWSJSON11, Target: "AWSInsightsIndexService", Namespace: "com.amazonaws.costexplorer"},
	{Name: "logs", SigningName: "logs", Protocol: AWSJSON11, Target: "Logs_20140328", Namespace: "com.amazonaws.cloudwatchlogs"},
	{Name: "dynamodb", SigningName: "dynamodb", Protocol: AWSJSON10, Target: "DynamoDB_20120810", Namespace: "com.amazonaws.dynamodb.v20120810"},
	{Name: "cloudwatch", SigningName: "monitoring", Protocol: RPCv2CBOR, Target: "GraniteServiceVersion20100801", Namespace: "com.amazonaws.cloudwatch", QueryCompatible: true},
	{Name: "glue", SigningName: "glue", Protocol: AWSJSON11, Target: "AWSGlue", Namespace: "com.amazonaws.glue"},
	{Name: "athena", SigningName: "athena", Protocol: AWSJSON11, Target: "AmazonAthena", Namespace: "com.amazonaws.athena"},
	// Organizations: awsJson1_1, target AWSOrganizationsV20161128 (aws-sdk-go-v2/service/organizations).
	{Name: "organizations", SigningName: "organizations", Protocol: AWSJSON11, Target: "AWSOrganizationsV20161128", Namespace: "com.amazonaws.organizations"},
	{Name: "pricing", SigningName: "pricing", Protocol: AWSJSON11, Target: "AWSPriceListService", Namespace: "com.amazonaws.pricing"},
	{Name: "s3", SigningName: "s3", Protocol: RESTXML, XMLNS: "http://s3.amazonaws.com/doc/2006-03-01/", NoErrorWrapping: true},
}

// Operation is one emulated API operation.
type Operation struct {
	// Name is the API operation name, e.g. "CreateLogGroup".
	Name string
	// Method and Path route restJson1 and restXml operations, with {name} (one segment)
	// and {name...} (rest of the path) wildcards: "GET /foundation-models/{modelIdentifier}".
	// A query suffix names parameters the request must carry, as in the Smithy http
	// trait: "/{Bucket}?policy", "/{Bucket}?list-type=2". Ignored by the other
	// protocols, which route by name.
	Method, Path string
	// Status is the success status of restJson1 and restXml operations (default 200; e.g. 201 for
	// Lambda CreateFunction, 204 for deletes with no body).
	Status int
	// Handler answers the call: it decodes the input with c.Decode (or use Handle, which
	// does it) and returns the output value or an error (an *APIError for AWS errors).
	Handler func(c *Call) (any, error)
	// Raw, instead of Handler, writes the whole response itself (event streams).
	Raw func(c *Call, w http.ResponseWriter)
}

// Handle adapts a typed handler to Operation.Handler: the codec decodes the request into
// a new In and encodes the returned *Out (a nil *Out sends an empty output).
func Handle[In, Out any](fn func(c *Call, in *In) (*Out, error)) func(*Call) (any, error) {
	return func(c *Call) (any, error) {
		in := new(In)
		if err := c.Decode(in); err != nil {
			return nil, err
		}
		out, err := fn(c, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, nil
		}
		return out, nil
	}
}

// Call is one request being answered, handed to operation handlers.
type Call struct {
	Service     string // logical service name
	Operation   string
	Region      string
	AccessKeyID string
	Request     *http.Request
	Body        []byte
	// PathParams are the restJson1 path wildcards, unescaped.
	PathParams map[string]string

	server   *Server
	protocol Protocol
	decode   func(any) error
}

// Decode decodes the request input into v (a pointer to a struct or map) using the
// service's protocol. A malformed request yields the protocol's serialization error.
func (c *Call) Decode(v any) error {
	if c.decode == nil {
		return fmt.Errorf("localaws: Decode called outside a Handler")
	}
	return c.decode(v)
}

// Context is the request's context.
func (c *Call) Context() context.Context { return c.Request.Context() }

// Server is the emulator answering the call.
func (c *Call) Server() *Server { return c.server }

// Store is the emulator's state.
func (c *Call) Store() *Store { return c.server.store }

// Account is the emulated account id.
func (c *Call) Account() string { return c.server.account }

// Caller is the identity the request was signed as.
func (c *Call) Caller() Identity { return c.server.Caller(c.AccessKeyID) }

// Protocol is the wire protocol of the call.
func (c *Call) Protocol() Protocol { return c.protocol }

type registration struct {
	service string
	op      Operation
}

var (
	builtinMu sync.Mutex
	builtin   []registration
)

// RegisterBuiltin adds operations every new Server starts with. Call it from an init
// function in the file that implements the operations.
func RegisterBuiltin(service string, ops ...Operation) {
	builtinMu.Lock()
	defer builtinMu.Unlock()
	for _, op := range ops {
		builtin = append(builtin, registration{service: service, op: op})
	}
}

// service is a serviceSpec with the operations of one Server.
type service struct {
	serviceSpec
	ops    map[string]*Operation
	routes []*restRoute
}

var wildcardRe = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)
