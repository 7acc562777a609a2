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
	return Standing{Period: period, Spent: spent, Limit: limit, Percent: Percent(spent, limit), State: r.Thresholds.StateFor(spent, limit)}
}
