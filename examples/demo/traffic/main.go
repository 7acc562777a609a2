// Command traffic is the demo's team applications: it calls Bedrock through the bedgov
// enforcer with the official AWS SDK, exactly as a team would (assume the team's role,
// point the Bedrock Runtime client at the enforcer URL), and prints what the enforcer's
// ledger says after each step.
//
//	traffic setup -endpoint URL                      create the teams' IAM roles
//	traffic walk  -endpoint URL -outputs FILE -team T drive T through notify, degrade, block
//	traffic call  -endpoint URL -outputs FILE -team T one request, its model or its error
//	traffic table -endpoint URL -outputs FILE         every team's spend
//	traffic audit -endpoint URL -outputs FILE         Bedrock's invocation logs per team
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

const region = "us-east-1"

var teams = []string{"ai-core", "ai-extended", "business"}

type outputs struct {
	EnforcerURL struct{ Value string } `json:"enforcer_url"`
	TableName   struct{ Value string } `json:"table_name"`
	AuditBucket struct{ Value string } `json:"audit_bucket"`
	Teams       struct {
		Value map[string]struct {
			ProfileARN        string `json:"profile_arn"`
			DegradeProfileARN string `json:"degrade_profile_arn"`
			TopicARN          string `json:"topic_arn"`
			RoleARN           string `json:"role_arn"`
		}
	} `json:"teams"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: traffic setup|walk|call|table|audit [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "the local AWS emulator's URL")
	outFile := fs.String("outputs", "", "terraform output -json of examples/demo")
	team := fs.String("team", "business", "team to act as")
	_ = fs.Parse(os.Args[2:])
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "traffic: -endpoint is required")
		os.Exit(2)
	}
	d := &demo{endpoint: *endpoint, lastModel: map[string]string{}}
	ctx := context.Background()
	var err error
	if os.Args[1] != "setup" {
		err = d.load(*outFile)
	}
	if err == nil {
		switch os.Args[1] {
		case "setup":
			err = d.setup(ctx)
		case "walk":
			err = d.walk(ctx, *team)
		case "call":
			err = d.call(ctx, *team)
		case "table":
			d.table(ctx)
		case "audit":
			err = d.audit(ctx)
		default:
			err = fmt.Errorf("unknown command %q", os.Args[1])
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "traffic:", err)
		os.Exit(1)
	}
}

type demo struct {
	endpoint string
	out      outputs
	mu       sync.Mutex
	// lastModel is the model the enforcer answered with, per team (X-Bedgov-Model).
	lastModel map[string]string
}

func (d *demo) config() aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(d.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIALOCALAWSTEST0001", "localaws-secret-access-key", ""), // the emulator's test key: it verifies signatures,
	}
}

func (d *demo) load(file string) error {
	b, err := os.ReadFile(filepath.Clean(file)) //nolint:gosec // the demo script names its own outputs file

	if err != nil {
		return err
	}
	return json.Unmarshal(b, &d.out)
}

// setup creates the IAM roles the teams' applications run as.
func (d *demo) setup(ctx context.Context) error {
	c := iam.NewFromConfig(d.config())
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	for _, t := range teams {
		_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("demo-" + t + "-app"), AssumeRolePolicyDocument: aws.String(trust)})
		var apiErr smithy.APIError
		alreadyThere := errors.As(err, &apiErr) && apiErr.ErrorCode() == "EntityAlreadyExists"
		if err != nil && !alreadyThere {
			return err
		}
	}
	fmt.Println("demo: created the roles demo-ai-core-app, demo-ai-extended-app, demo-business-app")
	return nil
}

// client is team t's application: its role's session, the enforcer as endpoint.
func (d *demo) client(t string) *bedrockruntime.Client {
	cfg := d.config()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), d.out.Teams.Value[t].RoleARN))
	cfg.BaseEndpoint = nil
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(strings.TrimSuffix(d.out.EnforcerURL.Value, "/"))
		o.RetryMaxAttempts = 1
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("bedgovModel",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleDeserialize(ctx, in)
					if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
						if m := resp.Header.Get("X-Bedgov-Model"); m != "" {
							d.mu.Lock()
							d.lastModel[t] = m
							d.mu.Unlock()
						}
					}
					return out, md, err
				}), middleware.After)
		})
	}, bedrockruntime.WithSigV4SigningName("lambda"))
}

// converse asks team t's model for a 4,000-token answer.
func (d *demo) converse(ctx context.Context, c *bedrockruntime.Client, t string) error {
	_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String(d.out.Teams.Value[t].ProfileARN),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser,
			Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "Draft the quarterly report. [[tokens:4000]]"}}}},
		InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(4000)},
	})
	return err
}

// record is team t's cap record.
func (d *demo) record(ctx context.Context, t string) (*governance.CapRecord, error) {
	return governance.ReadCapRecord(ctx, dynamodb.NewFromConfig(d.config()), d.out.TableName.Value, t)
}

func (d *demo) state(ctx context.Context, t string) governance.State {
	rec, err := d.record(ctx, t)
	if err != nil {
		return ""
	}
	return rec.StateAt(time.Now())
}

func (d *demo) requests(ctx context.Context, t string) int64 {
	rec, err := d.record(ctx, t)
	if err != nil {
		return 0
	}
	return rec.Requests
}

// settled waits (briefly) until the enforcer has settled a request made after before
// requests: the client may have its whole answer a moment before the ledger write ends.
func (d *demo) settled(ctx context.Context, t string, before int64) {
	for try := 0; try < 40 && d.requests(ctx, t) <= before; try++ {
		time.Sleep(50 * time.Millisecond)
	}
}

// walk sends team t's requests one by one and reports each change of state.
func (d *demo) walk(ctx context.Context, t string) error {
	c := d.client(t)
	last := d.state(ctx, t)
	for i := 1; i <= 60; i++ {
		before := d.requests(ctx, t)
		err := d.converse(ctx, c, t)
		if err != nil {
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ServiceQuotaExceededException" {
				fmt.Printf("demo: request %d of team %s refused by the SDK with %s:\n        %s\n", i, t, apiErr.ErrorCode(), apiErr.ErrorMessage())
				d.table(ctx)
				return nil
			}
			return err
		}
		d.settled(ctx, t, before)
		now := d.state(ctx, t)
		if now == last {
			continue
		}
		last = now
		switch now {
		case governance.StateNotified:
			fmt.Printf("demo: request %d took team %s past its notify threshold; the enforcer published:\n", i, t)
			d.printNotifications(t)
		case governance.StateDegraded:
			fmt.Printf("demo: request %d took team %s past its degrade threshold: requests now go to its cheaper model\n", i, t)
		default:
			fmt.Printf("demo: request %d: team %s is %s\n", i, t, now)
		}
		d.table(ctx)
	}
	return errors.New("team was never blocked")
}

func (d *demo) call(ctx context.Context, t string) error {
	before := d.requests(ctx, t)
	if err := d.converse(ctx, d.client(t), t); err != nil {
		return err
	}
	d.settled(ctx, t, before)
	fmt.Printf("demo: team %s served by %s\n", t, d.lastModel[t])
	d.table(ctx)
	return nil
}

// printNotifications shows the messages the enforcer published to the team's topic,
// read from the emulator's control API (the enforcer publishes once the request is
// settled, so this waits a moment for it).
func (d *demo) printNotifications(t string) {
	topic := d.out.Teams.Value[t].TopicARN
	for try := 0; try < 30; try++ {
		var objs []struct {
			Value struct{ TopicARN, Subject, Message string }
		}
		resp, err := http.Get(strings.TrimSuffix(d.endpoint, "/") + "/_localaws/state?kind=sns:message")
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_ = json.Unmarshal(body, &objs)
		found := false
		for _, o := range objs {
			if o.Value.TopicARN == topic {
				found = true
				fmt.Printf("        SNS %s: [%s] %s\n", topic, o.Value.Subject, firstLine(o.Value.Message))
			}
		}
		if found {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("        (no message on %s yet)\n", topic)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	if len(s) > 160 {
		return s[:160] + "..."
	}
	return s
}

// table prints every team's spend as the enforcer's ledger counts it.
func (d *demo) table(ctx context.Context) {
	fmt.Printf("        %-12s %12s %12s %6s %-9s %s\n", "TEAM", "LIMIT USD", "SPENT USD", "%", "STATE", "MODEL USED")
	names := make([]string, 0, len(d.out.Teams.Value))
	for n := range d.out.Teams.Value {
		names = append(names, n)
	}
	sort.Strings(names)
	now := time.Now()
	for _, t := range names {
		rec, err := d.record(ctx, t)
		if err != nil {
			fmt.Printf("        %-12s %s\n", t, err)
			continue
		}
		st := rec.StandingAt(now)
		model := d.lastModel[t]
		if model == "" {
			model = "-"
		}
		fmt.Printf("        %-12s %12s %12s %6d %-9s %s\n", t, st.Limit.Cents(), st.Spent.Cents(), st.Percent, st.State, model)
	}
}

// audit reads Bedrock's model invocation logs from the audit bucket, as an auditor with
// read access to it would, and counts each team's calls and tokens: every record names
// the application inference profile the enforcer called, which is how the team is known.
func (d *demo) audit(ctx context.Context) error {
	bucket := d.out.AuditBucket.Value
	c := s3.NewFromConfig(d.config(), func(o *s3.Options) { o.UsePathStyle = true })
	team := map[string]string{}
	for name, t := range d.out.Teams.Value {
		team[t.ProfileARN], team[t.DegradeProfileARN] = name, name
	}
	type usage struct{ calls, input, output, errors int64 }
	per := map[string]*usage{}
	var objects int
	var sample string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("AWSLogs/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			objects++
			sample = aws.ToString(o.Key)
			if err := readLogObject(ctx, c, bucket, sample, func(r logRecord) {
				name := team[r.ModelID]
				if name == "" {
					name = "(not a team)"
				}
				u := per[name]
				if u == nil {
					u = &usage{}
					per[name] = u
				}
				u.calls++
				u.input += r.Input.InputTokenCount
				u.output += r.Output.OutputTokenCount
				if r.ErrorCode != "" {
					u.errors++
				}
			}); err != nil {
				return err
			}
		}
	}
	fmt.Printf("demo: %d invocation records in s3://%s, e.g. %s\n", objects, bucket, sample)
	fmt.Printf("        %-12s %6s %13s %14s %6s\n", "TEAM", "CALLS", "INPUT TOKENS", "OUTPUT TOKENS", "ERRORS")
	names := make([]string, 0, len(per))
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		u := per[n]
		fmt.Printf("        %-12s %6d %13d %14d %6d\n", n, u.calls, u.input, u.output, u.errors)
	}
	return nil
}

// logRecord is the part of a model invocation log record the audit reads.
type logRecord struct {
	ModelID string `json:"modelId"`
	Input   struct {
		InputTokenCount int64 `json:"inputTokenCount"`
	} `json:"input"`
	Output struct {
		OutputTokenCount int64 `json:"outputTokenCount"`
	} `json:"output"`
	ErrorCode string `json:"errorCode"`
}

// readLogObject decodes one log object (gzip, one JSON record a line).
func readLogObject(ctx context.Context, c *s3.Client, bucket, key string, each func(logRecord)) error {
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	defer obj.Body.Close()
	err = auditlog.EachRecord(obj.Body, func(line []byte) error {
		var r logRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		each(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}
