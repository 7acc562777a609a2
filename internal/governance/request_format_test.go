package governance

import "testing"

func TestSameRequestFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-haiku-20240307-v1:0", true},
		{"us.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0", true},
		{"amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0", true},
		// Same vendor prefix, different InvokeModel schemas.
		{"amazon.nova-lite-v1:0", "amazon.titan-text-express-v1", false},
		{"anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-v2:1", false},
		{"cohere.command-r-plus-v1:0", "cohere.command-text-v14", false},
		{"anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-lite-v1:0", false},
		{"vendor.unknown-v1:0", "vendor.unknown-v1:0", false},
	} {
		if got := SameRequestFormat(tc.a, tc.b); got != tc.same {
			t.Errorf("SameRequestFormat(%s, %s) = %t", tc.a, tc.b, got)
		}
	}
}

// Class 11: one state function. A team without a degrade model is never "degraded".
func TestStateOfWithoutDegradeModel(t *testing.T) {
	t.Parallel()
	c := CapConfig{Thresholds: DefaultThresholds}
	for spent, want := range map[Micros]State{10: StateOK, 50: StateNotified, 99: StateNotified, 100: StateBlocked} {
		if got := c.StateOf(spent, 100); got != want {
			t.Errorf("no degrade model, %d of 100: %s, want %s", spent, got, want)
		}
	}
	c.DegradeModelID = "anthropic.claude-3-haiku-20240307-v1:0"
	if got := c.StateOf(99, 100); got != StateDegraded {
		t.Errorf("with a degrade model at 99 of 100: %s", got)
	}
}

func TestCentsUp(t *testing.T) {
	t.Parallel()
	for m, want := range map[Micros]string{0: "0.00", 1: "0.01", 1_474_182: "1.48", 1_480_000: "1.48", 104_773_800: "104.78"} {
		if got := m.CentsUp(); got != want {
			t.Errorf("%d.CentsUp() = %s, want %s", m, got, want)
		}
	}
}
