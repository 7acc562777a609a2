package enforcer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// nobodyDB knows no identity and no team: every caller is unknown. (Only GetItem is
// reached; the embedded interface is nil.)
type nobodyDB struct{ governance.DynamoDB }

func (nobodyDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, nil
}
func (nobodyDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, nil
}
func (nobodyDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return &dynamodb.UpdateItemOutput{}, nil
}
func (nobodyDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return &dynamodb.DeleteItemOutput{}, nil
}

func unknownKeysHandler(t testing.TB, entries int) *Handler {
	h, err := New(Config{Table: "t", AuthMode: AuthAPIKey, Region: "us-east-1", BedrockEndpoint: "https://bedrock.invalid", CacheEntries: entries},
		Deps{DB: nobodyDB{}, Clock: func() time.Time { return time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sendUnknownKeys(h *Handler, from, n int) {
	for i := from; i < from+n; i++ {
		req := httptest.NewRequest(http.MethodPost, "http://enforcer/model/m/converse", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer unknown-"+strconv.Itoa(i))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// Class 8: every cache the request path keeps is bounded. Unauthenticated callers
// with ever new API keys (or principals) added an identity cache entry each, never
// evicted (200,000 keys: +48 MiB).
func TestRequestPathCachesAreBounded(t *testing.T) {
	t.Parallel()
	const bound = 500
	h := unknownKeysHandler(t, bound)
	sendUnknownKeys(h, 0, 3*bound)
	if n := h.ids.Len() + h.unknown.Len(); n > bound {
		t.Fatalf("identity caches hold %d entries after %d unknown keys; bound %d", n, 3*bound, bound)
	}
	if h.unknown.Len() == 0 {
		t.Fatal("unknown identities are not cached at all: every repeat would read DynamoDB")
	}
	// The other caches hold at most the bound too.
	for i := 0; i < 3*bound; i++ {
		h.fwd.modelURL("arn:aws:bedrock:us-east-1:1:application-inference-profile/p" + strconv.Itoa(i))
		h.storeView(&governance.CapRecord{CapConfig: governance.CapConfig{Team: "t" + strconv.Itoa(i), ModelID: "m"}}, time.Now())
	}
	if n, m := h.fwd.urls.Len(), h.teams.Len(); n > bound || m > bound {
		t.Fatalf("URL cache holds %d entries, team views %d; bound %d", n, m, bound)
	}
	// Empty caches would meet the bound vacuously: they must have been filled.
	if n, m := h.fwd.urls.Len(), h.teams.Len(); n == 0 || m == 0 {
		t.Fatalf("URL cache holds %d entries, team views %d after %d inserts: the bound was not exercised", n, m, 3*bound)
	}
	if d := unknownKeysHandler(t, 0); d.cfg.CacheEntries != defaultCacheEntries {
		t.Fatalf("default bound %d", d.cfg.CacheEntries)
	}
}

// BenchmarkUnknownKeysMemory reports the heap a flood of 200,000 unknown API keys
// leaves behind.
func BenchmarkUnknownKeysMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		h := unknownKeysHandler(b, 0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		sendUnknownKeys(h, 0, 200_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MiB")
		runtime.KeepAlive(h)
	}
}
