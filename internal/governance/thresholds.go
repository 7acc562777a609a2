package governance

import "fmt"

// State is a team's position on the graduated response ladder.
type State string

// The states, from least to most restrictive.
const (
	StateOK       State = "ok"
	StateNotified State = "notified"
	StateDegraded State = "degraded"
	StateBlocked  State = "blocked"
)

// Rank orders states by restrictiveness (ok=0 ... blocked=3).
func (s State) Rank() int {
	switch s {
	case StateNotified:
		return 1
	case StateDegraded:
		return 2
	case StateBlocked:
		return 3
	}
	return 0
}

// Thresholds are whole percentages of the monthly limit at which a team is notified,
// degraded to its degrade profile, and blocked.
type Thresholds struct {
	Notify  int64
	Degrade int64
	Block   int64
}

// DefaultThresholds are 50/80/100.
var DefaultThresholds = Thresholds{Notify: 50, Degrade: 80, Block: 100}

// Validate checks 1 <= notify < degrade < block <= 100. The provider calls it at plan
// time and the enforcer refuses a record that fails it.
func (t Thresholds) Validate() error {
	if t.Notify < 1 || t.Block > 100 || t.Notify >= t.Degrade || t.Degrade >= t.Block {
		return fmt.Errorf("thresholds must be strictly ascending whole percentages with 1 <= notify < degrade < block <= 100, got %d/%d/%d", t.Notify, t.Degrade, t.Block)
	}
	return nil
}

// List returns the thresholds in ascending order.
func (t Thresholds) List() [3]int64 { return [3]int64{t.Notify, t.Degrade, t.Block} }

// Cap is the hard cap for a limit: limit * block / 100, rounded down.
func (t Thresholds) Cap(limit Micros) Micros { return Micros(int64(limit) * t.Block / 100) }

// reached reports spent >= limit*pct/100 exactly, in integers.
func reached(spent, limit Micros, pct int64) bool {
	return int64(spent)*100 >= int64(limit)*pct
}

// StateFor is the state of a team that has spent `spent` against `limit`.
// A zero or negative limit means blocked.
func (t Thresholds) StateFor(spent, limit Micros) State {
	switch {
	case limit <= 0 || reached(spent, limit, t.Block):
		return StateBlocked
	case reached(spent, limit, t.Degrade):
		return StateDegraded
	case reached(spent, limit, t.Notify):
		return StateNotified
	}
	return StateOK
}

// NextEdge is the least spend at which the state of a team that has spent `spent`
// against `limit` changes: the next threshold not reached yet; ok is false when all are.
func (t Thresholds) NextEdge(spent, limit Micros) (edge Micros, ok bool) {
	for _, p := range t.List() {
		if limit > 0 && !reached(spent, limit, p) {
			e := (int64(limit)*p + 99) / 100 // least e with e*100 >= limit*p
			return Micros(e), true
		}
	}
	return 0, false
}

// Crossed returns the thresholds (ascending) that spent has reached against limit.
func (t Thresholds) Crossed(spent, limit Micros) []int64 {
	var out []int64
	for _, p := range t.List() {
		if limit > 0 && reached(spent, limit, p) {
			out = append(out, p)
		}
	}
	return out
}

// Percent is spent as a whole percentage of limit, rounded down (0 when limit <= 0).
func Percent(spent, limit Micros) int64 {
	if limit <= 0 {
		return 0
	}
	return int64(spent) * 100 / int64(limit)
}
