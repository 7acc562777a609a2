package governance

import (
	"fmt"
	"time"
)

// Clock returns the current time. Everything time-dependent in bedgov takes a Clock so
// tests can pin it.
type Clock func() time.Time

// Period is one budget period: a calendar month in UTC.
type Period struct {
	Year  int
	Month time.Month
}

// PeriodOf returns the calendar month (UTC) that contains t. The period changes exactly
// at 00:00:00 UTC on the 1st: 2026-11-30T23:59:59.999999999Z is in 2026-11 and
// 2026-12-01T00:00:00Z is in 2026-12, whatever the time zone t carries.
func PeriodOf(t time.Time) Period {
	u := t.UTC()
	return Period{Year: u.Year(), Month: u.Month()}
}

// Key is the period's stable identifier, "2006-01", used in the cap record. Keys sort
// lexically in time order.
func (p Period) Key() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

func (p Period) String() string { return p.Key() }

// Start is the first instant of the period (00:00 UTC on the 1st).
func (p Period) Start() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC) }

// End is the first instant of the next period (exclusive end).
func (p Period) End() time.Time { return p.Start().AddDate(0, 1, 0) }

// Next is the following period.
func (p Period) Next() Period { return PeriodOf(p.End()) }

// ParsePeriod parses a key produced by Key.
func ParsePeriod(key string) (Period, error) {
	t, err := time.Parse("2006-01", key)
	if err != nil || len(key) != 7 {
		return Period{}, fmt.Errorf("invalid period %q: want YYYY-MM", key)
	}
	return PeriodOf(t), nil
}
