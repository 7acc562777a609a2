package localaws

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Delivery of model invocation logs. While the Region of a Bedrock Runtime call has a
// logging configuration, the call produces one record in the shape Bedrock documents
// ("Monitor model invocation using CloudWatch Logs and Amazon S3" in the Bedrock user
// guide; schemaType ModelInvocationLog, schemaVersion 1.0):
//
//	schemaType, schemaVersion, timestamp (RFC 3339, seconds), accountId, identity.arn,
//	region, requestId, operation (Converse, ConverseStream, InvokeModel,
//	InvokeModelWithResponseStream), modelId (the id or ARN the caller named: an
//	application inference profile's ARN stays an ARN), inferenceRegion, errorCode
//	(failed calls only), input {inputContentType, inputBodyJson, inputTokenCount,
//	cacheReadInputTokenCount, cacheWriteInputTokenCount} and, for calls that succeeded,
//	output {outputContentType, outputBodyJson, outputTokenCount}.
//
// inputBodyJson and outputBodyJson are there only when textDataDeliveryEnabled is true;
// the cache counts only when not zero; a failed call carries no token counts. A stream's
// outputBodyJson is the list of its events.
//
// Flushing is deterministic: Bedrock batches records into gzipped, newline-delimited
// objects under <keyPrefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/
// YYYY/MM/DD/HH/ (UTC); the emulator writes one such object per call, under the hour of
// the call (so its folder and its record's timestamp name the same day), named
// <YYYYMMDDTHHMMSSmmmZ>_<16 hex digits>.json.gz, before the call's response ends, so a
// test that has its answer can read the log. With a CloudWatch Logs destination the
// record is also one event of the log stream aws/bedrock/modelinvocations of the log
// group (read back with GetLogEvents). Records too large for an event (Bedrock sends
// those to largeDataDeliveryS3Config) are not emulated.
//
// When no Region has a configuration the runtime does no logging work at all: the
// handler checks one atomic flag (Server.invocationLogging).

// InvocationLogStream is the log stream Bedrock writes invocation logs to.
const InvocationLogStream = "aws/bedrock/modelinvocations"

var invocationOperations = map[string]string{
	"converse": "Converse", "converse-stream": "ConverseStream",
	"invoke": "InvokeModel", "invoke-with-response-stream": "InvokeModelWithResponseStream",
}

// InvocationLogRecord is one model invocation log record as Bedrock writes it.
type InvocationLogRecord struct {
	SchemaType      string               `json:"schemaType"`
	SchemaVersion   string               `json:"schemaVersion"`
	Timestamp       string               `json:"timestamp"`
	AccountID       string               `json:"accountId"`
	Identity        InvocationLogARN     `json:"identity"`
	Region          string               `json:"region"`
	RequestID       string               `json:"requestId"`
	Operation       string               `json:"operation"`
	ModelID         string               `json:"modelId"`
	Input           InvocationLogInput   `json:"input"`
	Output          *InvocationLogOutput `json:"output,omitempty"`
	InferenceRegion string               `json:"inferenceRegion,omitempty"`
	ErrorCode       string               `json:"errorCode,omitempty"`
}

// InvocationLogARN is a record's identity.
type InvocationLogARN struct {
	Arn string `json:"arn"`
}

// InvocationLogInput is a record's input.
type InvocationLogInput struct {
	InputContentType          string          `json:"inputContentType"`
	InputBodyJSON             json.RawMessage `json:"inputBodyJson,omitempty"`
	InputTokenCount           *int64          `json:"inputTokenCount,omitempty"`
	CacheReadInputTokenCount  *int64          `json:"cacheReadInputTokenCount,omitempty"`
	CacheWriteInputTokenCount *int64          `json:"cacheWriteInputTokenCount,omitempty"`
}

// InvocationLogOutput is a record's output.
type InvocationLogOutput struct {
	OutputContentType string `json:"outputContentType"`
	OutputBodyJSON    any    `json:"outputBodyJson,omitempty"`
	OutputTokenCount  int64  `json:"outputTokenCount"`
}

// invocationLogger returns the logger of a Bedrock Runtime call, or nil (no work) when
// its Region logs nothing.
func invocationLogger(c *Call) func(*BedrockInvocation) {
	if !c.Server().invocationLogging.Load() {
		return nil
	}
	v, ok := c.Store().Lookup(KindBedrockLogging, c.Region)
	if !ok {
		return nil
	}
	cfg := v.(InvocationLoggingConfig)
	caller := c.Caller().Arn
	return func(inv *BedrockInvocation) {
		deliverInvocationLog(c, cfg, invocationRecord(c, cfg, caller, inv), inv.Time)
	}
}

func nonZero(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func invocationRecord(c *Call, cfg InvocationLoggingConfig, caller string, inv *BedrockInvocation) InvocationLogRecord {
	text := cfg.TextDataDeliveryEnabled != nil && *cfg.TextDataDeliveryEnabled
	rec := InvocationLogRecord{
		SchemaType: "ModelInvocationLog", SchemaVersion: "1.0",
		Timestamp: inv.Time.UTC().Format("2006-01-02T15:04:05Z"), AccountID: c.Account(),
		Identity: InvocationLogARN{Arn: caller}, Region: c.Region, RequestID: inv.RequestID,
		Operation: invocationOperations[inv.Operation], ModelID: inv.ModelRef, InferenceRegion: c.Region,
		Input: InvocationLogInput{InputContentType: "application/json"},
	}
	if text && json.Valid(inv.Body) {
		rec.Input.InputBodyJSON = append(json.RawMessage(nil), inv.Body...)
	}
	if inv.ErrorCode != "" {
		rec.ErrorCode = inv.ErrorCode
		return rec
	}
	u := inv.Usage
	rec.Input.InputTokenCount = &u.InputTokens
	rec.Input.CacheReadInputTokenCount = nonZero(u.CacheReadTokens)
	rec.Input.CacheWriteInputTokenCount = nonZero(u.CacheWriteTokens)
	rec.Output = &InvocationLogOutput{OutputContentType: "application/json", OutputTokenCount: u.OutputTokens}
	if text {
		rec.Output.OutputBodyJSON = inv.Output
	}
	return rec
}

// InvocationLogKey is the S3 key of the log object of a call made at t with the given
// request id.
func InvocationLogKey(keyPrefix, account, region, requestID string, t time.Time) string {
	p := strings.Trim(keyPrefix, "/")
	if p != "" {
		p += "/"
	}
	t = t.UTC()
	sum := sha256.Sum256([]byte(requestID))
	name := strings.Replace(t.Format("20060102T150405.000Z"), ".", "", 1)
	return p + "AWSLogs/" + account + "/BedrockModelInvocationLogs/" + region + "/" + t.Format("2006/01/02/15") + "/" +
		name + "_" + hex.EncodeToString(sum[:8]) + ".json.gz"
}

// deliverInvocationLog writes a record to the configuration's destinations; the S3
// object goes under the hour of the call (t), the folder its record's timestamp names.
func deliverInvocationLog(c *Call, cfg InvocationLoggingConfig, rec InvocationLogRecord, t time.Time) {
	line, err := json.Marshal(rec)
	if err != nil {
		return
	}
	if s3 := cfg.S3Config; s3 != nil {
		if _, err := bucket(c, s3.BucketName); err == nil {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			_, _ = zw.Write(append(line, '\n'))
			_ = zw.Close()
			putObject(c, s3.BucketName, InvocationLogKey(s3.KeyPrefix, c.Account(), c.Region, rec.RequestID, t), "application/octet-stream", gz.Bytes())
		}
	}
	if cw := cfg.CloudWatchConfig; cw != nil {
		appendLogEvent(c, LogGroupARN(c.Region, c.Account(), cw.LogGroupName), InvocationLogStream, string(line))
	}
}
