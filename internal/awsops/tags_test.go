package awsops_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
)

// fakeTagger records the calls SyncTags makes.
type fakeTagger struct {
	have  map[string]string
	calls []string
}

func (f *fakeTagger) tagger(replace bool) awsops.Tagger {
	t := awsops.Tagger{Service: "fake",
		List: func(context.Context, string) (map[string]string, error) { return f.have, nil },
		Tag: func(_ context.Context, id string, set map[string]string) error {
			f.calls = append(f.calls, fmt.Sprintf("tag %s %v", id, set))
			return nil
		},
		Untag: func(_ context.Context, id string, keys []string) error {
			f.calls = append(f.calls, fmt.Sprintf("untag %s %v", id, keys))
			return nil
		},
	}
	if replace {
		t.Replace = func(_ context.Context, id string, want map[string]string) error {
			f.calls = append(f.calls, fmt.Sprintf("replace %s %v", id, want))
			return nil
		}
	}
	return t
}

func TestSyncTags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		replace    bool
		have, want map[string]string
		calls      string
	}{
		{"equal", false, map[string]string{"a": "1"}, map[string]string{"a": "1"}, "[]"},
		{"set and remove", false, map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "9", "d": "4"},
			"[untag x [c] tag x map[b:9 d:4]]"},
		{"only set", false, map[string]string{}, map[string]string{"a": "1"}, "[tag x map[a:1]]"},
		{"only remove", false, map[string]string{"a": "1"}, map[string]string{}, "[untag x [a]]"},
		{"replace equal", true, map[string]string{"a": "1"}, map[string]string{"a": "1"}, "[]"},
		{"replace differs", true, map[string]string{"a": "1"}, map[string]string{"a": "2"}, "[replace x map[a:2]]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeTagger{have: tc.have}
			if err := awsops.SyncTags(context.Background(), f.tagger(tc.replace), "x", tc.want); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(f.calls); got != tc.calls {
				t.Errorf("calls = %s, want %s", got, tc.calls)
			}
		})
	}
}

func TestSyncTagsStopsAtTheFirstFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tagged := false
	tg := awsops.Tagger{Service: "fake",
		List:  func(context.Context, string) (map[string]string, error) { return map[string]string{"old": "1"}, nil },
		Untag: func(context.Context, string, []string) error { return boom },
		Tag:   func(context.Context, string, map[string]string) error { tagged = true; return nil },
	}
	if err := awsops.SyncTags(context.Background(), tg, "x", map[string]string{"new": "1"}); !errors.Is(err, boom) || tagged {
		t.Fatalf("SyncTags = %v, tagged = %v; want the untag error and no tag call", err, tagged)
	}
	listErr := awsops.Tagger{List: func(context.Context, string) (map[string]string, error) { return nil, awsops.ErrNotFound }}
	if err := awsops.SyncTags(context.Background(), listErr, "x", nil); !awsops.IsNotFound(err) {
		t.Fatalf("SyncTags with a failing list = %v, want not found", err)
	}
}
