package awsops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Tagger is one service's tagging API for one kind of object, addressed by id (an ARN,
// or a name where the service tags by name): list its tags, tag it, untag it. Each
// service file has its constructor (ProfileTagger, TopicTagger, ...); SyncTags is the one
// path that reconciles an object's tags.
type Tagger struct {
	// Service names the API in debug logs.
	Service string
	List    func(ctx context.Context, id string) (map[string]string, error)
	Tag     func(ctx context.Context, id string, set map[string]string) error
	Untag   func(ctx context.Context, id string, keys []string) error
	// Replace, when set, writes the whole tag set at once instead of Tag and Untag (S3
	// buckets have no per-key tagging).
	Replace func(ctx context.Context, id string, want map[string]string) error
}

// SyncTags reads an object's tags and makes them equal to want: with at most one untag
// and one tag call (or one replace), and none when they already are.
func SyncTags(ctx context.Context, t Tagger, id string, want map[string]string) error {
	have, err := t.List(ctx, id)
	if err != nil {
		return err
	}
	if t.Replace != nil {
		if maps.Equal(have, want) {
			return nil
		}
		tflog.Debug(ctx, "replacing tags", map[string]any{"service": t.Service, "id": id, "count": len(want)})
		return t.Replace(ctx, id, want)
	}
	remove, set := TagDiff(have, want)
	if len(remove) > 0 {
		tflog.Debug(ctx, "untagging", map[string]any{"service": t.Service, "id": id, "keys": remove})
		if err := t.Untag(ctx, id, remove); err != nil {
			return err
		}
	}
	if len(set) > 0 {
		tflog.Debug(ctx, "tagging", map[string]any{"service": t.Service, "id": id, "count": len(set)})
		return t.Tag(ctx, id, set)
	}
	return nil
}

// TagDiff returns the keys to remove and the tags to set to turn have into want.
func TagDiff(have, want map[string]string) (remove []string, set map[string]string) {
	set = map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	sort.Strings(remove)
	return remove, set
}

// tagList converts a tag map to a service's tag structs, in key order.
func tagList[T any](tags map[string]string, mk func(k, v *string) T) []T {
	out := make([]T, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, mk(aws.String(k), aws.String(tags[k])))
	}
	return out
}

// tagMap converts a service's tag structs to a map.
func tagMap[T any](tags []T, kv func(T) (*string, *string)) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := kv(t)
		m[aws.ToString(k)] = aws.ToString(v)
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clientToken is a fresh idempotency token for one create: the SDK's own retries of
// that call reuse it, so a lost response does not make a second object, while a later
// re-create (after an out-of-band delete) is a new request.
func clientToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
