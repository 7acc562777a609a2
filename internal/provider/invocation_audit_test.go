package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/auditlog"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// The audit trail and the ledger agree. An enforcer, three teams and invocation logging
// are applied with the real CLI; the teams' applications send Converse, ConverseStream
// and InvokeModel calls (one with prompt-cache tokens) through the enforcer, and one
// call straight to Bedrock with a team's profile is throttled. Then, from the S3
// objects alone: every object lies in a partition of the Glue table as installed
// (storage.location.template, a dt the projection accepts, the day of its calls);
// every record decodes with the table's columns as the openx JSON SerDe reads them;
// and the monthly breakdown the installed query_text describes, evaluated in Go,
// matches data.bedgov_spend_report: invocations and tokens exactly, and cost exactly
// once the query's exact decimal is rounded up to the micro-dollar as the ledger rounds
// (Athena would print the unrounded decimal, e.g. 0.00028375 where the report says
// 0.000284; the team's spend is at most one micro-dollar per request above it).
//
// Not parallel: the logging configuration is one per Region (see
// resource_invocation_logging_test.go), and parallel tests only start once this one is done,
// so the logs hold this test's calls only.
func TestAccInvocationLogging_auditMatchesLedger(t *testing.T) {
	enf, bucket := acctest.RandomName(), logBucketName()
	teams := []string{acctest.RandomName(), acctest.RandomName(), acctest.RandomName()}
	roles := make([]string, len(teams))
	for i, tm := range teams {
		roles[i] = createRole(t, tm+"-app")
	}
	ctx := context.Background()
	config := auditConfig(enf, bucket, teams, roles)
	var url, queryText string
	profiles := make([]string, len(teams))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(checkLoggingDestroyed(t, bucket, ""), checkEnforcerDestroyed(t, enf),
			checkTeamDestroyed(t, teams[0]), checkTeamDestroyed(t, teams[1]), checkTeamDestroyed(t, teams[2])),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					url = attrOf(s, "bedgov_enforcer.test", "function_url")
					for i := range teams {
						profiles[i] = attrOf(s, fmt.Sprintf("bedgov_team.t%d", i), "inference_profile_arn")
					}
					queryText = attrOf(s, loggingAddr, "query_text")
					return nil
				},
			},
			{
				PreConfig: func() { auditTraffic(t, ctx, url, roles, profiles) },
				Config:    config + auditReportConfig(),
				Check: func(s *terraform.State) error {
					tbl, err := awsops.FindGlueTable(ctx, acctest.Client(t).Glue, "bedgov_invocation_logs", "invocations")
					if err != nil {
						return err
					}
					recs, err := auditRecords(ctx, t, bucket, tbl, time.Now().UTC())
					if err != nil {
						return err
					}
					if len(recs) != 8 {
						return fmt.Errorf("%d log records, want 8 (7 served through the enforcer, 1 throttled)", len(recs))
					}
					qp, err := queryProfiles(queryText)
					if err != nil {
						return err
					}
					audit := auditBreakdown(recs, qp, time.Now().UTC().Format("2006/01"))
					return compareWithReport(s, audit, teams)
				},
			},
		},
	})
}

func auditConfig(enf, bucket string, teams, roles []string) string {
	var b strings.Builder
	b.WriteString(acctest.ProviderConfig())
	fmt.Fprintf(&b, "\nresource \"bedgov_enforcer\" \"test\" {\n  name = %q\n}\n", enf)
	models := []string{haiku, haiku35, haiku}
	deps := make([]string, len(teams))
	for i, tm := range teams {
		fmt.Fprintf(&b, `
resource "bedgov_team" "t%[1]d" {
  name           = %[2]q
  model          = %[3]q
  monthly_budget = 1000
  enforcer       = bedgov_enforcer.test.id
  principals     = [%[4]q]
}
`, i, tm, models[i], roles[i])
		deps[i] = fmt.Sprintf("bedgov_team.t%d", i)
	}
	b.WriteString(loggingBlock(bucket, `force_destroy = true`, "depends_on    = ["+strings.Join(deps, ", ")+"]"))
	return b.String()
}

func auditReportConfig() string {
	return `
data "bedgov_spend_report" "test" {
  enforcer = bedgov_enforcer.test.id
}
`
}

// auditTraffic sends each team's calls through the enforcer, then one call straight to
// Bedrock with team 0's profile that Bedrock throttles (logged with its error code,
// never in the ledger).
func auditTraffic(t *testing.T, ctx context.Context, url string, roles, profiles []string) {
	t.Helper()
	msg := func(text string) []brtypes.Message {
		return []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: text}}}}
	}
	conv := func(c *bedrockruntime.Client, profile, text string) {
		if _, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(profile), Messages: msg(text)}); err != nil {
			t.Fatalf("converse %s: %v", profile, err)
		}
	}
	a, b, c := teamClient(t, roles[0], url), teamClient(t, roles[1], url), teamClient(t, roles[2], url)
	conv(a, profiles[0], "summarise the quarter [[tokens:120]]")
	conv(a, profiles[0], "and the year before [[tokens:64]]")
	st, err := a.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(profiles[0]), Messages: msg("stream it [[tokens:30]]")})
	if err != nil {
		t.Fatal(err)
	}
	for range st.GetStream().Events() {
	}
	if err := st.GetStream().Err(); err != nil {
		t.Fatal(err)
	}
	conv(b, profiles[1], "with the cached context [[tokens:200]] [[cache_read:5000]] [[cache_write:1200]]")
	conv(b, profiles[1], "again from the cache [[tokens:80]] [[cache_read:6200]]")
	body := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":500,"messages":[{"role":"user","content":"invoke it [[tokens:333]]"}]}`)
	for i := 0; i < 2; i++ {
		if _, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(profiles[2]), Body: body, ContentType: aws.String("application/json")}); err != nil {
			t.Fatalf("invoke %d: %v", i, err)
		}
	}
	localaws.BedrockRuntimeOf(acctest.Emulator(t)).SetFaults(localaws.BedrockFaults{ThrottleNext: 1})
	direct := bedrockruntime.NewFromConfig(localaws.ClientConfig(acctest.Endpoint(), acctest.Region), func(o *bedrockruntime.Options) { o.RetryMaxAttempts = 1 })
	if _, err := direct.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(profiles[0]), Messages: msg("throttled [[tokens:50]]")}); err == nil {
		t.Fatal("the direct call was not throttled")
	}
	localaws.BedrockRuntimeOf(acctest.Emulator(t)).SetFaults(localaws.BedrockFaults{})
}

// auditRecord is one log record with its partition, as Athena would see it.
type auditRecord struct {
	dt  string
	row map[string]any // JSON keys lower-cased, as the SerDe matches them
}

// auditRecords reads every log object in the bucket and checks it against the table:
// the key lies in a partition the projection accepts (dt for the day of its records,
// the object directly in the partition's location or in a subfolder of it, which
// Athena reads as part of it), and each record decodes with the table's columns.
func auditRecords(ctx context.Context, t *testing.T, bucket string, tbl *gluetypes.Table, now time.Time) ([]auditRecord, error) {
	p := tbl.Parameters
	if p["projection.enabled"] != "true" || p["projection.dt.type"] != "date" || p["projection.dt.format"] != "yyyy/MM/dd" {
		return nil, fmt.Errorf("the table's projection is not the one this test understands: %v", p)
	}
	template := p["storage.location.template"]
	before, after, ok := strings.Cut(template, "${dt}")
	bucketURL := "s3://" + bucket + "/"
	if !ok || !strings.HasPrefix(before, bucketURL) || strings.Contains(after, "$") {
		return nil, fmt.Errorf("storage.location.template %q", template)
	}
	if loc := aws.ToString(tbl.StorageDescriptor.Location); !strings.HasPrefix(before, loc) {
		return nil, fmt.Errorf("the template %q is not under the table's location %q", template, loc)
	}
	keyPrefix := strings.TrimPrefix(before, bucketURL)
	lo, hi, _ := strings.Cut(p["projection.dt.range"], ",")
	first, err := time.Parse("2006/01/02", lo)
	if err != nil || hi != "NOW" {
		return nil, fmt.Errorf("projection.dt.range %q", p["projection.dt.range"])
	}
	cols := map[string]string{}
	for _, c := range tbl.StorageDescriptor.Columns {
		cols[aws.ToString(c.Name)] = aws.ToString(c.Type)
	}
	seen := map[string]bool{}

	sc := acctest.Client(t).S3
	var out []auditRecord
	pages := s3.NewListObjectsV2Paginator(sc, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			rest, ok := strings.CutPrefix(key, keyPrefix)
			if !ok || len(rest) < len("2006/01/02") {
				return nil, fmt.Errorf("object %s is outside the table's partitions (%s)", key, template)
			}
			dt := rest[:10]
			day, err := time.Parse("2006/01/02", dt)
			if err != nil || day.Before(first) || day.After(now) {
				return nil, fmt.Errorf("object %s: dt %q is not a date the projection yields", key, dt)
			}
			// The partition's location is the template with dt; Athena reads every
			// object under it, subfolders (Bedrock's HH/) included.
			part := strings.TrimSuffix(before+dt+after, "/") + "/"
			if !strings.HasPrefix(bucketURL+key, part) {
				return nil, fmt.Errorf("object %s is not under the partition location %s", key, part)
			}
			rows, err := readLogObject(ctx, sc, bucket, key)
			if err != nil {
				return nil, err
			}
			for _, row := range rows {
				if err := serdeCheck(row, cols, seen); err != nil {
					return nil, fmt.Errorf("object %s: %w", key, err)
				}
				if ts, _ := row["timestamp"].(string); !strings.HasPrefix(ts, strings.ReplaceAll(dt, "/", "-")) {
					return nil, fmt.Errorf("object %s in partition %s holds a record of %s", key, dt, ts)
				}
				out = append(out, auditRecord{dt: dt, row: row})
			}
		}
	}
	// Every column and struct field the table declares is named as Bedrock names it:
	// each was found in some record.
	for name, typ := range cols {
		for _, f := range append([]string{name}, structFieldPaths(name, typ)...) {
			if !seen[f] {
				return nil, fmt.Errorf("no record has %s (declared %s): a name the logs do not use", f, typ)
			}
		}
	}
	return out, nil
}

func readLogObject(ctx context.Context, sc *s3.Client, bucket, key string) ([]map[string]any, error) {
	obj, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer func() { _ = obj.Body.Close() }()
	var rows []map[string]any
	err = auditlog.EachRecord(obj.Body, func(line []byte) error {
		var v any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return fmt.Errorf("a line is not JSON: %w", err)
		}
		rows = append(rows, lowerKeys(v).(map[string]any))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return rows, nil
}

// lowerKeys lower-cases object keys at every level: the openx SerDe matches JSON keys
// to column and struct field names without regard to case.
func lowerKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[strings.ToLower(k)] = lowerKeys(x)
		}
		return m
	case []any:
		for i := range v {
			v[i] = lowerKeys(v[i])
		}
	}
	return v
}

// structFields splits "struct<a:string,b:bigint>" into its fields (no nesting needed).
func structFields(typ string) [][2]string {
	inner, ok := strings.CutPrefix(typ, "struct<")
	if !ok {
		return nil
	}
	var fs [][2]string
	for _, f := range strings.Split(strings.TrimSuffix(inner, ">"), ",") {
		n, t, _ := strings.Cut(f, ":")
		fs = append(fs, [2]string{n, t})
	}
	return fs
}

func structFieldPaths(name, typ string) []string {
	var ps []string
	for _, f := range structFields(typ) {
		ps = append(ps, name+"."+f[0])
	}
	return ps
}

// serdeCheck reads a row with the declared columns: a value present must have the
// column's type (a JSON string for string, an integer for bigint, an object with the
// declared fields' types for a struct); absent values are NULL. It notes in seen every
// column and field present.
func serdeCheck(row map[string]any, cols map[string]string, seen map[string]bool) error {
	var check func(path, typ string, v any) error
	check = func(path, typ string, v any) error {
		if v == nil {
			return nil
		}
		seen[path] = true
		switch {
		case typ == "string":
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%s: %v is not a string", path, v)
			}
		case typ == "bigint":
			n, ok := v.(json.Number)
			if _, err := n.Int64(); !ok || err != nil {
				return fmt.Errorf("%s: %v is not a bigint", path, v)
			}
		case strings.HasPrefix(typ, "struct<"):
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("%s: %v is not a struct", path, v)
			}
			for _, f := range structFields(typ) {
				if err := check(path+"."+f[0], f[1], m[f[0]]); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: type %s not understood by this test", path, typ)
		}
		return nil
	}
	for name, typ := range cols {
		if err := check(name, typ, row[name]); err != nil {
			return err
		}
	}
	return nil
}

// queryProfile is one row of the query's profiles CTE.
type queryProfile struct {
	team, model string
	prices      [4]*big.Rat // input, output, cache read, cache write, USD per million tokens
}

var profileRowRe = regexp.MustCompile(`\('((?:[^']|'')*)', '((?:[^']|'')*)', '((?:[^']|'')*)', DECIMAL '([0-9.]+)', DECIMAL '([0-9.]+)', DECIMAL '([0-9.]+)', DECIMAL '([0-9.]+)'\)`)

// queryProfiles reads the profile ARN -> team, model and prices mapping from the
// installed query's VALUES.
func queryProfiles(query string) (map[string]queryProfile, error) {
	out := map[string]queryProfile{}
	for _, m := range profileRowRe.FindAllStringSubmatch(query, -1) {
		p := queryProfile{team: strings.ReplaceAll(m[2], "''", "'"), model: strings.ReplaceAll(m[3], "''", "'")}
		for i := range p.prices {
			r, ok := new(big.Rat).SetString(m[4+i])
			if !ok {
				return nil, fmt.Errorf("price %q", m[4+i])
			}
			p.prices[i] = r
		}
		out[strings.ReplaceAll(m[1], "''", "'")] = p
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no profiles in the query:\n%s", query)
	}
	return out, nil
}

// auditRow is one row of the monthly query's result.
type auditRow struct {
	invocations                     int64
	input, output, cacheRead, cache int64 // cache: cache write
	cost                            *big.Rat
}

// auditBreakdown mirrors auditlog.MonthlyQuery on decoded records, clause by clause:
// WHERE dt LIKE month || '/%' AND errorcode IS NULL; tokens coalesced to 0; LEFT JOIN
// the profiles on modelid; GROUP BY coalesce(team, '(none)'), coalesce(model_id,
// modelid); count(*), sum of tokens, and sum of tokens times the prices / 1e6 (exact,
// as Athena's decimal arithmetic; no cost for a record outside the profiles).
func auditBreakdown(recs []auditRecord, profiles map[string]queryProfile, month string) map[[2]string]*auditRow {
	out := map[[2]string]*auditRow{}
	num := func(row map[string]any, col, field string) int64 {
		m, _ := row[col].(map[string]any)
		n, _ := m[field].(json.Number)
		v, _ := n.Int64()
		return v
	}
	for _, r := range recs {
		if !strings.HasPrefix(r.dt, month+"/") || r.row["errorcode"] != nil {
			continue
		}
		modelID, _ := r.row["modelid"].(string)
		p, joined := profiles[modelID]
		key := [2]string{"(none)", modelID}
		if joined {
			key = [2]string{p.team, p.model}
		}
		a := out[key]
		if a == nil {
			a = &auditRow{cost: new(big.Rat)}
			out[key] = a
		}
		tokens := [4]int64{num(r.row, "input", "inputtokencount"), num(r.row, "output", "outputtokencount"),
			num(r.row, "input", "cachereadinputtokencount"), num(r.row, "input", "cachewriteinputtokencount")}
		a.invocations++
		a.input += tokens[0]
		a.output += tokens[1]
		a.cacheRead += tokens[2]
		a.cache += tokens[3]
		if joined {
			for i, n := range tokens {
				a.cost.Add(a.cost, new(big.Rat).Quo(new(big.Rat).Mul(big.NewRat(n, 1), p.prices[i]), big.NewRat(1_000_000, 1)))
			}
		}
	}
	return out
}

// ceilMicros rounds USD up to the micro-dollar, as governance.Price.Cost does.
func ceilMicros(usd *big.Rat) *big.Rat {
	m := new(big.Rat).Mul(usd, big.NewRat(1_000_000, 1))
	q, r := new(big.Int).QuoRem(m.Num(), m.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(q, big.NewInt(1_000_000))
}

// compareWithReport checks the breakdown against the spend report: per team and model
// the tokens exactly, and the cost exactly once the query's exact decimal is rounded up
// to the micro-dollar as the ledger prices a model's tokens (governance.Price.Cost); per team
// the invocations against the requests the ledger settled, and the spend against the
// cost (the ledger rounds each request up to the micro-dollar).
func compareWithReport(s *terraform.State, audit map[[2]string]*auditRow, teams []string) error {
	keys := make([][2]string, 0, len(audit))
	for k := range audit {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	var cacheSeen bool
	rows := 0
	for _, team := range teams {
		tm, err := reportTeam(s, team)
		if err != nil {
			return err
		}
		var invocations int64
		teamCost := new(big.Rat)
		n, _ := strconv.Atoi(tm["models.#"])
		for i := 0; i < n; i++ {
			f := func(name string) string { return tm[fmt.Sprintf("models.%d.%s", i, name)] }
			a := audit[[2]string{team, f("model_id")}]
			if a == nil {
				return fmt.Errorf("team %s model %s is in the ledger but not in the logs (audit rows %v)", team, f("model_id"), keys)
			}
			rows++
			got := fmt.Sprintf("%d/%d/%d/%d", a.input, a.output, a.cacheRead, a.cache)
			want := strings.Join([]string{f("input_tokens"), f("output_tokens"), f("cache_read_tokens"), f("cache_write_tokens")}, "/")
			if got != want {
				return fmt.Errorf("team %s model %s tokens (input/output/cache read/cache write): logs %s, ledger %s", team, f("model_id"), got, want)
			}
			cacheSeen = cacheSeen || a.cacheRead > 0 && a.cache > 0
			reported, ok := new(big.Rat).SetString(f("cost_usd"))
			if !ok {
				return fmt.Errorf("team %s model %s cost %q", team, f("model_id"), f("cost_usd"))
			}
			if want := ceilMicros(a.cost); reported.Cmp(want) != 0 {
				return fmt.Errorf("team %s model %s cost: logs %s (%s rounded up to the micro-dollar), report %s", team, f("model_id"),
					a.cost.FloatString(9), want.FloatString(6), f("cost_usd"))
			}
			invocations += a.invocations
			teamCost.Add(teamCost, a.cost)
		}
		if tm["requests"] != strconv.FormatInt(invocations, 10) {
			return fmt.Errorf("team %s: %d invocations logged, %s requests in the ledger", team, invocations, tm["requests"])
		}
		spent, _ := new(big.Rat).SetString(tm["spent_usd"])
		slack := new(big.Rat).Sub(spent, teamCost)
		if spent == nil || slack.Sign() < 0 || slack.Cmp(big.NewRat(invocations, 1_000_000)) > 0 {
			return fmt.Errorf("team %s: spent %s, logs cost %s (each request rounds up by less than a micro-dollar)", team, tm["spent_usd"], teamCost.FloatString(9))
		}
	}
	if rows != len(audit) {
		return fmt.Errorf("the logs have rows the ledger lacks: %v", keys)
	}
	if !cacheSeen {
		return fmt.Errorf("no cache tokens were compared")
	}
	return nil
}
