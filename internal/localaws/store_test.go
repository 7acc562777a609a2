package localaws_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func newStore(t *testing.T) *localaws.Store {
	t.Helper()
	return localaws.New().Store()
}

func TestStoreCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	if !st.Create("k", "a", 1) || st.Create("k", "a", 2) {
		t.Fatal("Create must refuse an existing id")
	}
	if err := st.Update("k", "a", func(v any) (any, error) { return v.(int) + 10, nil }); err != nil {
		t.Fatal(err)
	}
	if v, _ := localaws.GetAs[int](st, "k", "a"); v != 11 {
		t.Fatalf("value = %d", v)
	}
	boom := errors.New("boom")
	if err := st.Update("k", "a", func(any) (any, error) { return 99, boom }); !errors.Is(err, boom) {
		t.Fatalf("update error = %v", err)
	}
	if v, _ := localaws.GetAs[int](st, "k", "a"); v != 11 {
		t.Fatal("a failed Update changed the value")
	}
	if err := st.Update("k", "missing", func(v any) (any, error) { return v, nil }); !errors.Is(err, localaws.ErrNotFound) {
		t.Fatalf("update of a missing id = %v", err)
	}
	if !st.Delete("k", "a") || st.Delete("k", "a") || st.Exists("k", "a") {
		t.Fatal("Delete must report existence once")
	}
}

func TestStoreInvisibility(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	st.HideNext("k", 1)
	st.HideNext("k", 2)
	st.Put("k", "first", 1)
	st.Put("k", "second", 2)
	st.Put("k", "third", 3)
	st.Put("k", "first", 10) // replacing is not creating: no new invisibility

	ids := func(objs []localaws.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.ID)
		}
		return out
	}
	reads := [][]string{
		{"third"},                    // first hidden once, second twice
		{"first", "third"},           // second still hidden
		{"first", "second", "third"}, // all visible
	}
	for i, want := range reads {
		if got := ids(st.ListVisible("k")); !slices.Equal(got, want) {
			t.Fatalf("read %d = %v, want %v", i+1, got, want)
		}
	}
	st.Hide("k", "third", 1)
	if _, ok := st.Lookup("k", "third"); ok {
		t.Fatal("Lookup saw a hidden object")
	}
	if v, ok := st.Lookup("k", "third"); !ok || v.(int) != 3 {
		t.Fatal("Lookup after the hidden read failed")
	}
	if got := st.IDs("k"); !slices.Equal(got, []string{"first", "second", "third"}) {
		t.Fatalf("IDs = %v", got)
	}
	if got := st.Kinds(); !slices.Equal(got, []string{"k"}) {
		t.Fatalf("Kinds = %v", got)
	}
	st.Reset()
	if len(st.List("k")) != 0 {
		t.Fatal("Reset left objects")
	}
}

func TestStoreConcurrentCreate(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st.Create("k", "same", 1) {
				mu.Lock()
				created++
				mu.Unlock()
			}
			_ = st.ListVisible("k")
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("created %d times", created)
	}
}
