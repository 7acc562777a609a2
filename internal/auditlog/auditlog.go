// Package auditlog holds the documents of the audit trail, pure and deterministic: the
// bucket policy and delivery role Bedrock model invocation logging needs, and the Glue
// table and Athena query of the monthly breakdown per team and model over those logs.
// The provider applies them; this package only writes them.
package auditlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// Destination names where Bedrock writes an account's invocation logs in one Region.
type Destination struct {
	Partition string // aws, aws-cn, aws-us-gov
	Account   string
	Region    string
	Bucket    string
	KeyPrefix string // optional, without leading or trailing slash
}

func (d Destination) prefix() string {
	if d.KeyPrefix == "" {
		return ""
	}
	return strings.Trim(d.KeyPrefix, "/") + "/"
}

// LogsPrefix is the key prefix under which Bedrock writes the Region's logs:
// <prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/.
func (d Destination) LogsPrefix() string {
	return fmt.Sprintf("%sAWSLogs/%s/BedrockModelInvocationLogs/%s/", d.prefix(), d.Account, d.Region)
}

// sourceConditions restrict a Bedrock service principal to this account's Bedrock in
// this Region (the confused-deputy guard AWS documents).
func (d Destination) sourceConditions() map[string]map[string]string {
	return map[string]map[string]string{
		"StringEquals": {"aws:SourceAccount": d.Account},
		"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:%s:bedrock:%s:%s:*", d.Partition, d.Region, d.Account)},
	}
}

type statement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal,omitempty"`
	Action    any                          `json:"Action"`
	Resource  any                          `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

func render(doc any) string {
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b)
}

// BucketPolicy lets only bedrock.amazonaws.com, acting for this account and Region,
// write invocation logs under the Region's prefix, and refuses every request not made
// over TLS.
func BucketPolicy(d Destination) string {
	bucketARN := fmt.Sprintf("arn:%s:s3:::%s", d.Partition, d.Bucket)
	return render(policyDoc{Version: "2012-10-17", Statement: []statement{
		// Bedrock's own statement, exactly as its user guide shows it (Sid, list forms and
		// all): Bedrock attaches it on the caller's behalf when logging is configured by a
		// caller allowed s3:GetBucketPolicy and s3:PutBucketPolicy ("Monitor model
		// invocation using CloudWatch Logs and Amazon S3", Set up an Amazon S3
		// destination), so bedgov's policy must already hold it word for word, or the
		// policy Bedrock leaves differs from bedgov's and every refresh shows drift.
		{
			Sid: LogsWriteSid, Effect: "Allow",
			Principal: map[string]string{"Service": "bedrock.amazonaws.com"},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{fmt.Sprintf("%s/%sAWSLogs/%s/BedrockModelInvocationLogs/*", bucketARN, d.prefix(), d.Account)},
			Condition: d.sourceConditions(),
		},
		{
			Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
			Resource:  []string{bucketARN, bucketARN + "/*"},
			Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
		},
	}})
}

// LogsWriteSid is the Sid of the statement Bedrock attaches to an invocation-log bucket.
const LogsWriteSid = "AmazonBedrockLogsWrite"

// DeliveryRoleTrust is the trust policy of the role Bedrock assumes to write to
// CloudWatch Logs.
func DeliveryRoleTrust(d Destination) string {
	return render(policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid: "BedrockInvocationLogging", Effect: "Allow",
		Principal: map[string]string{"Service": "bedrock.amazonaws.com"},
		Action:    "sts:AssumeRole", Condition: d.sourceConditions(),
	}}})
}

// DeliveryRolePolicy lets the role write Bedrock's log stream in one log group.
func DeliveryRolePolicy(d Destination, logGroup string) string {
	return render(policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid: "WriteInvocationLogs", Effect: "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:log-stream:aws/bedrock/modelinvocations", d.Partition, d.Region, d.Account, logGroup),
	}}})
}

// Column is a Glue table column.
type Column struct{ Name, Type string }

// Table is the Glue table over the Region's invocation logs: JSON records (gzipped
// objects), partitioned by day with partition projection, so no crawler or
// MSCK REPAIR is needed.
type Table struct {
	Database, Name string
	Location       string
	Columns        []Column
	PartitionKeys  []Column
	SerDe          string
	InputFormat    string
	OutputFormat   string
	Parameters     map[string]string
}

// LogTable describes the Glue table of d's logs.
func LogTable(d Destination, database, name string) Table {
	location := fmt.Sprintf("s3://%s/%s", d.Bucket, d.LogsPrefix())
	return Table{
		Database: database, Name: name, Location: location,
		Columns: []Column{
			{"schematype", "string"},
			{"schemaversion", "string"},
			{"timestamp", "string"},
			{"accountid", "string"},
			{"region", "string"},
			{"requestid", "string"},
			{"operation", "string"},
			{"modelid", "string"},
			{"identity", "struct<arn:string>"},
			{"input", "struct<inputcontenttype:string,inputtokencount:bigint,cachereadinputtokencount:bigint,cachewriteinputtokencount:bigint>"},
			{"output", "struct<outputcontenttype:string,outputtokencount:bigint>"},
			{"inferenceregion", "string"},
			{"errorcode", "string"},
		},
		PartitionKeys: []Column{{"dt", "string"}},
		SerDe:         "org.openx.data.jsonserde.JsonSerDe",
		InputFormat:   "org.apache.hadoop.mapred.TextInputFormat",
		OutputFormat:  "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
		Parameters: map[string]string{
			"classification":              "json",
			"projection.enabled":          "true",
			"projection.dt.type":          "date",
			"projection.dt.format":        "yyyy/MM/dd",
			"projection.dt.range":         "2023/01/01,NOW",
			"projection.dt.interval":      "1",
			"projection.dt.interval.unit": "DAYS",
			"storage.location.template":   location + "${dt}",
		},
	}
}

// DDL renders the table as Athena's CREATE EXTERNAL TABLE, for review and for users
// who manage tables by hand.
func (t Table) DDL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE `%s`.`%s` (\n", t.Database, t.Name)
	for i, c := range t.Columns {
		sep := ","
		if i == len(t.Columns)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  `%s` %s%s\n", c.Name, c.Type, sep)
	}
	b.WriteString(")\nPARTITIONED BY (")
	for i, c := range t.PartitionKeys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "`%s` %s", c.Name, c.Type)
	}
	fmt.Fprintf(&b, ")\nROW FORMAT SERDE '%s'\nSTORED AS INPUTFORMAT '%s'\nOUTPUTFORMAT '%s'\nLOCATION '%s'\nTBLPROPERTIES (\n", t.SerDe, t.InputFormat, t.OutputFormat, t.Location)
	keys := make([]string, 0, len(t.Parameters))
	for k := range t.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		sep := ","
		if i == len(keys)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  '%s' = '%s'%s\n", k, t.Parameters[k], sep)
	}
	b.WriteString(")\n")
	return b.String()
}

// TeamProfile maps an application inference profile to its team and the model it
// copies, with the model's price: the log records name the profile ARN as modelId.
type TeamProfile struct {
	Team       string
	ProfileARN string
	ModelID    string
	Price      governance.Price
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// perMTok renders a price in USD per million tokens as an exact decimal literal.
func perMTok(m governance.Micros) string { return "DECIMAL " + sqlString(m.String()) }

// MonthlyQuery is the Athena query of one month's usage per team and model:
// invocations, input, output and cache tokens, and cost. The team is resolved from the
// inference profile ARN each record names; calls through anything else are reported
// under team "(none)" with the model id as logged and no cost. The month is the
// query's one execution parameter, as 'YYYY/MM' (e.g. '2026/11').
func MonthlyQuery(database, table string, profiles []TeamProfile) string {
	ps := append([]TeamProfile(nil), profiles...)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Team != ps[j].Team {
			return ps[i].Team < ps[j].Team
		}
		return ps[i].ProfileARN < ps[j].ProfileARN
	})
	var b strings.Builder
	b.WriteString("-- bedgov: Bedrock usage per team and model for one month.\n")
	b.WriteString("-- Run with one execution parameter, the month as 'YYYY/MM', e.g. '2026/11'.\n")
	b.WriteString("-- Cost is tokens times the listed prices (USD per million tokens).\n")
	b.WriteString("WITH profiles (profile_arn, team, model_id, input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok) AS (\n")
	if len(ps) == 0 {
		b.WriteString("  SELECT CAST(NULL AS varchar), CAST(NULL AS varchar), CAST(NULL AS varchar), CAST(NULL AS decimal(18,6)), CAST(NULL AS decimal(18,6)), CAST(NULL AS decimal(18,6)), CAST(NULL AS decimal(18,6)) WHERE false\n")
	} else {
		b.WriteString("  VALUES\n")
		for i, p := range ps {
			sep := ","
			if i == len(ps)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "    (%s, %s, %s, %s, %s, %s, %s)%s\n", sqlString(p.ProfileARN), sqlString(p.Team), sqlString(p.ModelID),
				perMTok(p.Price.Input), perMTok(p.Price.Output),
				perMTok(p.Price.CacheRead), perMTok(p.Price.CacheWrite), sep)
		}
	}
	fmt.Fprintf(&b, `),
calls AS (
  SELECT
    l.modelid,
    coalesce(l.input.inputtokencount, 0) AS input_tokens,
    coalesce(l.output.outputtokencount, 0) AS output_tokens,
    coalesce(l.input.cachereadinputtokencount, 0) AS cache_read_tokens,
    coalesce(l.input.cachewriteinputtokencount, 0) AS cache_write_tokens
  FROM %s.%s l
  WHERE l.dt LIKE ? || '/%%'
    AND l.errorcode IS NULL
)
SELECT
  coalesce(p.team, '(none)') AS team,
  coalesce(p.model_id, c.modelid) AS model_id,
  count(*) AS invocations,
  sum(c.input_tokens) AS input_tokens,
  sum(c.output_tokens) AS output_tokens,
  sum(c.cache_read_tokens) AS cache_read_tokens,
  sum(c.cache_write_tokens) AS cache_write_tokens,
  sum(
    (c.input_tokens * p.input_per_mtok + c.output_tokens * p.output_per_mtok
      + c.cache_read_tokens * p.cache_read_per_mtok + c.cache_write_tokens * p.cache_write_per_mtok) / 1000000
  ) AS cost_usd
FROM calls c
LEFT JOIN profiles p ON p.profile_arn = c.modelid
GROUP BY 1, 2
ORDER BY 1, 2
`, quoteIdent(database), quoteIdent(table))
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// EachRecord reads one invocation log object as Bedrock writes it to S3 (gzip, one JSON
// record a line) and hands each record to fn, stopping at fn's first error. Blank lines
// are skipped; a record is not limited in size (text delivery can make them large).
func EachRecord(object io.Reader, fn func(record []byte) error) error {
	zr, err := gzip.NewReader(object)
	if err != nil {
		return fmt.Errorf("not a gzip log object: %w", err)
	}
	r := bufio.NewReader(zr)
	for {
		line, err := r.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if ferr := fn(line); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
