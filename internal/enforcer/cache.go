package enforcer

import "sync"

// defaultCacheEntries bounds each cache the request path keeps (Config.CacheEntries).
// An entry is a few hundred bytes: 10,000 of them are a few MiB, and a deployment has
// far fewer teams, identities and profiles than that.
const defaultCacheEntries = 10_000

// boundedMap is a concurrent map of at most max entries. Storing a new key into a full
// map evicts one entry chosen at random (Go randomizes map iteration), so a flood of
// new keys costs a bounded amount of memory and evicts each old entry with equal
// chance, without the bookkeeping of an LRU on the request path.
type boundedMap[V any] struct {
	mu  sync.RWMutex
	m   map[string]V
	max int
}

func newBoundedMap[V any](max int) *boundedMap[V] {
	return &boundedMap[V]{m: make(map[string]V), max: max}
}

func (b *boundedMap[V]) Load(k string) (V, bool) {
	b.mu.RLock()
	v, ok := b.m[k]
	b.mu.RUnlock()
	return v, ok
}

func (b *boundedMap[V]) Store(k string, v V) {
	b.mu.Lock()
	if _, ok := b.m[k]; !ok && len(b.m) >= b.max {
		for old := range b.m {
			delete(b.m, old)
			break
		}
	}
	b.m[k] = v
	b.mu.Unlock()
}

func (b *boundedMap[V]) Delete(k string) {
	b.mu.Lock()
	delete(b.m, k)
	b.mu.Unlock()
}

// Len is the number of entries.
func (b *boundedMap[V]) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}
