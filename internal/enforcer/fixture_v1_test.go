//go:build fixturegen

package enforcer_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/bedgov/terraform-provider-bedgov/internal/enforcer"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// TestWriteLayoutV1Fixture is a generator, not a test: it writes a cap table as
// today's code lays it out (configuration through WriteCapConfig, counters through the
// real enforcer handler, reservations left in flight) to
// internal/governance/testdata/cap-table-layout-v1.json, so that a later layout
// migration can be tested against a table the old code wrote. Build tag fixturegen
// keeps it out of normal runs; BEDGOV_WRITE_FIXTURE overrides the output path.
func TestWriteLayoutV1Fixture(t *testing.T) {
	out := os.Getenv("BEDGOV_WRITE_FIXTURE")
	if out == "" {
		out = filepath.Join("..", "governance", "testdata", "cap-table-layout-v1.json")
	}
	ctx := context.Background()
	far := time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)

	// ai-core: iam mode, a role and a user, degrade pair, thresholds 50/80/100, $100.
	aiCore := governance.CapConfig{
		Team: "ai-core", Limit: 100_000_000, Thresholds: governance.Thresholds{Notify: 50, Degrade: 80, Block: 100},
		ModelID: sonnet, ProfileARN: profileARN("ai-core"),
		DegradeModelID: haiku, DegradeProfileARN: profileARN("ai-core-degraded"),
		PriceGroup:  "us",
		Principals:  []string{roleARN("ai-core"), "arn:aws:iam::" + account + ":user/ai-core-dev"},
		SNSTopicARN: "arn:aws:sns:us-east-1:" + account + ":bedgov-ai-core",
	}
	// search: api_key mode, no degrade, an override in force until 2099.
	search := governance.CapConfig{
		Team: "search", Limit: 20_000_000, Thresholds: governance.DefaultThresholds,
		ModelID: sonnet, ProfileARN: profileARN("search"), PriceGroup: "us",
		APIKeyHash: governance.HashAPIKey("key-search"),
		Override:   &governance.Override{Limit: 50_000_000, Expires: far, Reason: "launch week load test"},
	}
	// newEnv writes both configurations with governance.WriteCapConfig and serves the
	// iam-mode enforcer; an api_key-mode enforcer on the same table serves search.
	e := newEnv(t, envOpt{mode: enforcer.AuthIAM}, aiCore, search)
	hk, err := enforcer.New(enforcer.Config{
		Table: e.table, AuthMode: enforcer.AuthAPIKey, Region: "us-east-1",
		BedrockEndpoint: e.emuSrv.URL, Pricing: e.pricing,
	}, enforcer.Deps{
		DB: ddb, Notifier: e.notes, Clock: e.clock.now, Log: e.logs,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDENFORCER", "enforcer-secret", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	keySrv := httptest.NewTLSServer(hk)
	t.Cleanup(keySrv.Close)
	searchClient := bedrockruntime.New(bedrockruntime.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(keySrv.URL), HTTPClient: keySrv.Client(),
		BearerAuthTokenProvider: bearer.StaticTokenProvider{Token: bearer.Token{Value: "key-search"}},
		AuthSchemePreference:    []string{"httpBearerAuth"}, RetryMaxAttempts: 1,
	})

	converse := func(c *bedrockruntime.Client, model, prompt string, maxTokens int32) {
		t.Helper()
		_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
			ModelId:         aws.String(model),
			Messages:        []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: prompt}}}},
			InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(maxTokens)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// ai-core: four calls of 1M output tokens on Sonnet ($15 each) pass 50% of $100 and
	// stay under 80%; one small call to the degrade model adds a second token model.
	ai := e.sdk("ai-core", 1)
	for i := 0; i < 4; i++ {
		converse(ai, profileARN("ai-core"), fmt.Sprintf("ai-core call %d [[tokens:1000000]]", i), 1_000_000)
	}
	converse(ai, profileARN("ai-core-degraded"), "ai-core degraded call [[tokens:40]]", 100)
	// search: two small calls.
	converse(searchClient, profileARN("search"), "search call 0 [[tokens:120]]", 200)
	converse(searchClient, profileARN("search"), "search call 1 [[tokens:80]]", 200)
	e.quiesce()
	hk.Wait()

	// Reservations in flight in ai-core's record, written as a running enforcer would:
	// one of a dead process (expiry in the past), two of live calls (expiry in 2099).
	period := governance.PeriodOf(e.clock.now()).Key()
	slot := func(id string) string {
		sum := sha256.Sum256([]byte(id))
		return base64.RawURLEncoding.EncodeToString(sum[:12])
	}
	inflight := []governance.Reservation{
		{ID: slot("fixture-dead-process"), Amount: 1_250_000, Expires: e.clock.now().Add(-6 * time.Hour).Unix(), Nonce: "deadNonce001"},
		{ID: slot("fixture-live-1"), Amount: 2_000_000, Expires: far.Unix(), Nonce: "liveNonce001"},
		{ID: slot("fixture-live-2"), Amount: 3_500_000, Expires: far.Unix(), Nonce: "liveNonce002"},
	}
	for _, r := range inflight {
		if _, err := ddb.UpdateItem(ctx, governance.ReserveInput(e.table, "ai-core", r, period, e.clock.now())); err != nil {
			t.Fatalf("reserve %s: %v", r.ID, err)
		}
	}

	// Check the state the fixture is meant to hold before writing it.
	recs := map[string]*governance.CapRecord{"ai-core": e.record("ai-core"), "search": e.record("search")}
	if r := recs["ai-core"]; !r.Notified(50) || r.Notified(80) || r.Spent*2 < r.Limit || len(r.Inflight) != 3 || r.Requests != 5 {
		t.Fatalf("ai-core not as intended: spent %d notified %v inflight %d requests %d", r.Spent, r.NotifiedFlags, len(r.Inflight), r.Requests)
	}
	if r := recs["search"]; r.Requests != 2 || !r.OverrideActive(e.clock.now()) {
		t.Fatalf("search not as intended: requests %d override %v", r.Requests, r.Override)
	}

	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(ddb, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
	}
	sort.Slice(items, func(i, j int) bool { return pkOf(items[i]) < pkOf(items[j]) })
	desc, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}

	identities := map[string]string{}
	var idem []string
	jsonItems := make([]any, 0, len(items))
	for _, it := range items {
		pk := pkOf(it)
		switch {
		case strings.HasPrefix(pk, "principal#"), strings.HasPrefix(pk, "apikey#"):
			identities[pk] = governance.TeamOfIdentity(it)
		case strings.HasPrefix(pk, "req#"):
			idem = append(idem, pk)
		}
		jsonItems = append(jsonItems, avJSON(&types.AttributeValueMemberM{Value: it}).(map[string]any)["M"])
	}
	if len(idem) != 7 {
		t.Fatalf("want 7 idempotency records (one per call), got %d", len(idem))
	}
	keySchema := []any{}
	for _, k := range desc.Table.KeySchema {
		keySchema = append(keySchema, map[string]string{"AttributeName": aws.ToString(k.AttributeName), "KeyType": string(k.KeyType)})
	}
	attrDefs := []any{}
	for _, a := range desc.Table.AttributeDefinitions {
		attrDefs = append(attrDefs, map[string]string{"AttributeName": aws.ToString(a.AttributeName), "AttributeType": string(a.AttributeType)})
	}

	expect := map[string]any{}
	for team, r := range recs {
		res := []any{}
		sort.Slice(r.Inflight, func(i, j int) bool { return r.Inflight[i].ID < r.Inflight[j].ID })
		for _, x := range r.Inflight {
			res = append(res, map[string]any{"id": x.ID, "amount_micros": int64(x.Amount), "expires": x.Expires, "nonce": x.Nonce})
		}
		ids := map[string]string{}
		for k, v := range identities {
			if v == team {
				ids[k] = v
			}
		}
		notified := r.NotifiedFlags
		if notified == nil {
			notified = map[string]string{}
		}
		expect[team] = map[string]any{
			"spent_micros": int64(r.Spent), "reserved_micros": int64(r.Reserved), "headroom_micros": int64(r.Headroom),
			"override_headroom_micros": int64(r.OverrideHdroom), "period": r.Period, "requests": r.Requests,
			"notified": notified, "inflight": res, "identity_items": ids,
			"input_tokens": r.InputTokens, "output_tokens": r.OutputTokens,
		}
	}
	expect["expired_reservation"] = map[string]any{"team": "ai-core", "id": inflight[0].ID, "expires": inflight[0].Expires}
	expect["idempotency_items"] = idem

	doc := map[string]any{
		"about": "cap table written by the code of layout v1 (see README.md); generated by " +
			"TestWriteLayoutV1Fixture (go test -tags fixturegen ./internal/enforcer/ -run TestWriteLayoutV1Fixture)",
		"clock":                e.clock.now().Format(time.RFC3339),
		"KeySchema":            keySchema,
		"AttributeDefinitions": attrDefs,
		"ttl_attribute":        governance.AttrTTL,
		"Items":                jsonItems,
		"expect":               expect,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d items", out, len(items))
}

func pkOf(it map[string]types.AttributeValue) string {
	if s, ok := it[governance.AttrPK].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// avJSON is an attribute value in DynamoDB's low-level JSON form ({"S": ...}, {"N": ...},
// {"M": {...}}, {"SS": [...]}, ...).
func avJSON(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": v.Value} // encoding/json writes []byte as base64, as DynamoDB does
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		ss := append([]string(nil), v.Value...)
		sort.Strings(ss)
		return map[string]any{"SS": ss}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, x := range v.Value {
			l[i] = avJSON(x)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, x := range v.Value {
			m[k] = avJSON(x)
		}
		return map[string]any{"M": m}
	}
	panic(fmt.Sprintf("unexpected attribute value %T", av))
}
