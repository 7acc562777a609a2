package awsops

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
)

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

// applyTagDiff turns have into want with at most one untag call and one tag call, the
// pattern every service's tagging API shares.
func applyTagDiff(have, want map[string]string, untag func(keys []string) error, tag func(set map[string]string) error) error {
	remove, set := TagDiff(have, want)
	if len(remove) > 0 {
		if err := untag(remove); err != nil {
			return err
		}
	}
	if len(set) > 0 {
		return tag(set)
	}
	return nil
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
