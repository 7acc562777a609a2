package governance

import "time"

// Standing is where a team stands at a moment: the period, its settled spend in it, the
// limit in force (the override's while it lasts), the spend as a percentage of that
// limit, and its state on the graduated response. It is the one definition the plan
// review, the usage data source, the report and the demo read.
type Standing struct {
	Period  string
	Spent   Micros
	Limit   Micros
	Percent int64
	State   State
}

// StandingAt is the record's standing at now.
func (r *CapRecord) StandingAt(now time.Time) Standing {
	period := PeriodOf(now).Key()
	spent := r.SpentIn(period)
	limit := r.EffectiveLimit(now)
	return Standing{Period: period, Spent: spent, Limit: limit, Percent: Percent(spent, limit), State: r.StateOf(spent, limit)}
}

// StateOf is the one state function: the state of a team with this configuration that
// has spent `spent` against `limit`. The enforcer's response headers, the usage data
// source, the plan review and the report all come to it (through StandingAt). A team
// without a degrade model is never "degraded": past the degrade threshold nothing
// changes for its requests, so it stays "notified" until it is blocked.
func (c CapConfig) StateOf(spent, limit Micros) State {
	s := c.Thresholds.StateFor(spent, limit)
	if s == StateDegraded && c.DegradeModelID == "" {
		return StateNotified
	}
	return s
}
