package localaws

import (
	"errors"
	"sort"
	"sync"
)

// Object kinds of the built-in operations. A kind names one type of AWS object; its ids
// are the object's ARN unless said otherwise. Later operations add their own kinds.
const (
	KindLogGroup         = "logs:log-group"            // id: log group ARN without ":*"
	KindDashboard        = "cloudwatch:dashboard"      // id: dashboard ARN
	KindInferenceProfile = "bedrock:inference-profile" // id: inference profile ARN (application profiles)
	KindDynamoTTL        = "dynamodb:ttl"              // id: table ARN; value DynamoTTL
	KindDynamoPITR       = "dynamodb:pitr"             // id: table ARN; value DynamoPITR
)

// ErrNotFound is returned by Store.Update when the object does not exist.
var ErrNotFound = errors.New("localaws: object not found")

// Store is the emulator's in-memory state: objects by kind and id. Values are stored as
// given; store values (structs), not pointers, or treat what you store as immutable and
// replace it through Update, so that readers never race writers.
//
// Tests use it to inspect state (List, Get, Exists) and to change it out of band (Delete,
// Put). Handlers use it the same way, and call Visible before reporting an object to
// honour injected eventual consistency (Hide, HideNext).
type Store struct {
	mu       sync.Mutex
	objs     map[string]map[string]any
	hidden   map[string]map[string]int
	hideNext map[string][]int
}

func newStore() *Store {
	return &Store{objs: map[string]map[string]any{}, hidden: map[string]map[string]int{}, hideNext: map[string][]int{}}
}

// Object is one stored object.
type Object struct {
	Kind  string
	ID    string
	Value any
}

// Put stores (creates or replaces) an object.
func (s *Store) Put(kind, id string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(kind, id, v)
}

func (s *Store) putLocked(kind, id string, v any) {
	m := s.objs[kind]
	if m == nil {
		m = map[string]any{}
		s.objs[kind] = m
	}
	if _, exists := m[id]; !exists {
		if q := s.hideNext[kind]; len(q) > 0 {
			s.hideLocked(kind, id, q[0])
			s.hideNext[kind] = q[1:]
		}
	}
	m[id] = v
}

// Create stores an object only if none exists with that id; it reports whether it did.
func (s *Store) Create(kind, id string, v any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objs[kind][id]; ok {
		return false
	}
	s.putLocked(kind, id, v)
	return true
}

// Get returns an object regardless of injected invisibility (for tests and for
// handlers that must see the truth, e.g. to refuse a duplicate create).
func (s *Store) Get(kind, id string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.objs[kind][id]
	return v, ok
}

// Exists reports whether an object exists, regardless of injected invisibility.
func (s *Store) Exists(kind, id string) bool {
	_, ok := s.Get(kind, id)
	return ok
}

// Lookup is what read handlers call: it returns the object if it exists and is visible,
// consuming one hidden read when it is hidden (then it reports not found).
func (s *Store) Lookup(kind, id string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.objs[kind][id]
	if !ok || !s.visibleLocked(kind, id) {
		return nil, false
	}
	return v, true
}

// Update replaces an object with fn's result under the store lock. It returns
// ErrNotFound when the object does not exist, or fn's error (the object is unchanged).
func (s *Store) Update(kind, id string, fn func(v any) (any, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.objs[kind][id]
	if !ok {
		return ErrNotFound
	}
	nv, err := fn(v)
	if err != nil {
		return err
	}
	s.objs[kind][id] = nv
	return nil
}

// Delete removes an object; it reports whether it existed.
func (s *Store) Delete(kind, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objs[kind][id]; !ok {
		return false
	}
	delete(s.objs[kind], id)
	delete(s.hidden[kind], id)
	return true
}

// List returns every object of a kind sorted by id, regardless of invisibility.
func (s *Store) List(kind string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Object, 0, len(s.objs[kind]))
	for id, v := range s.objs[kind] {
		out = append(out, Object{Kind: kind, ID: id, Value: v})
	}
	sort.Slice(out, func(i, k int) bool { return out[i].ID < out[k].ID })
	return out
}

// ListVisible is List for read handlers: hidden objects are left out, each consuming
// one hidden read.
func (s *Store) ListVisible(kind string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Object, 0, len(s.objs[kind]))
	for id, v := range s.objs[kind] {
		if s.visibleLocked(kind, id) {
			out = append(out, Object{Kind: kind, ID: id, Value: v})
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].ID < out[k].ID })
	return out
}

// IDs returns the ids of a kind, sorted.
func (s *Store) IDs(kind string) []string {
	objs := s.List(kind)
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	return ids
}

// Kinds returns the kinds that have at least one object.
func (s *Store) Kinds() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, m := range s.objs {
		if len(m) > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Hide makes an object invisible to the next n reads (Lookup, ListVisible, Visible),
// mimicking eventual consistency after a create.
func (s *Store) Hide(kind, id string, reads int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideLocked(kind, id, reads)
}

// HideNext makes the next object of kind that gets created invisible for n reads; use it
// when the test does not know the id in advance. Calls queue up.
func (s *Store) HideNext(kind string, reads int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideNext[kind] = append(s.hideNext[kind], reads)
}

func (s *Store) hideLocked(kind, id string, reads int) {
	m := s.hidden[kind]
	if m == nil {
		m = map[string]int{}
		s.hidden[kind] = m
	}
	if reads <= 0 {
		delete(m, id)
		return
	}
	m[id] = reads
}

// Visible reports whether a read may see the object now; a hidden object consumes one
// of its hidden reads and reports false. It does not check existence.
func (s *Store) Visible(kind, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.visibleLocked(kind, id)
}

func (s *Store) visibleLocked(kind, id string) bool {
	n := s.hidden[kind][id]
	if n <= 0 {
		return true
	}
	if n == 1 {
		delete(s.hidden[kind], id)
	} else {
		s.hidden[kind][id] = n - 1
	}
	return false
}

// Reset removes every object and pending invisibility.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objs = map[string]map[string]any{}
	s.hidden = map[string]map[string]int{}
	s.hideNext = map[string][]int{}
}

// GetAs returns a stored object as T (regardless of invisibility).
func GetAs[T any](s *Store, kind, id string) (T, bool) {
	v, ok := s.Get(kind, id)
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}
