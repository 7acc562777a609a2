package governance

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Micros is an amount of money in integer micro-US-dollars (1 USD = 1,000,000 Micros).
// Every amount bedgov stores, compares or adds is a Micros; floating point never
// touches money.
type Micros int64

// MicrosPerUSD is the number of Micros in one US dollar.
const MicrosPerUSD Micros = 1_000_000

// maxMicros bounds parsed amounts (one trillion USD) so that every product computed by
// the cost math below stays far inside int64.
const maxMicros = Micros(1_000_000_000_000) * MicrosPerUSD / 1000

// ParseUSD parses a non-negative decimal US-dollar amount such as "2000", "2000.00" or
// "0.000125". At most six decimal places are accepted (a micro-dollar is the unit);
// signs, exponents, spaces and separators are refused.
func ParseUSD(s string) (Micros, error) {
	if s == "" {
		return 0, errors.New("empty amount")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("invalid amount %q: want digits like 2000 or 2000.00", s)
	}
	if len(frac) > 6 {
		return 0, fmt.Errorf("invalid amount %q: at most 6 decimal places (micro-dollars)", s)
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid amount %q: want digits like 2000 or 2000.00", s)
		}
	}
	if len(whole) > 13 {
		return 0, fmt.Errorf("invalid amount %q: too large", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q: %w", s, err)
	}
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	m := Micros(w)*MicrosPerUSD + Micros(f)
	if m > maxMicros {
		return 0, fmt.Errorf("invalid amount %q: too large", s)
	}
	return m, nil
}

// USDFromFloat converts a dollar amount held as a float64 (e.g. a Terraform number) to
// Micros, rounding half away from zero to the nearest micro-dollar. Use it only at the
// edge where a float arrives; never accumulate floats.
func USDFromFloat(f float64) (Micros, error) {
	if f != f || f < 0 || f > float64(maxMicros/MicrosPerUSD) {
		return 0, fmt.Errorf("amount %v out of range", f)
	}
	return Micros(f*1e6 + 0.5), nil
}

// String formats m as dollars with at least two and at most six decimals:
// 2000.00, 640.12, 0.000125, -1.50.
func (m Micros) String() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	whole, frac := u/1_000_000, u%1_000_000
	fs := fmt.Sprintf("%06d", frac)
	fs = strings.TrimRight(fs, "0")
	for len(fs) < 2 {
		fs += "0"
	}
	out := strconv.FormatUint(whole, 10) + "." + fs
	if neg {
		return "-" + out
	}
	return out
}

// Cents formats m with exactly two decimals, rounded down to the cent: the form used in
// messages to people ("monthly budget of 2000.00 USD").
func (m Micros) Cents() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	s := fmt.Sprintf("%d.%02d", u/1_000_000, (u%1_000_000)/10_000)
	if neg {
		return "-" + s
	}
	return s
}

// CentsUp is Cents rounded up to the cent: for an amount that must not look smaller
// than it is ("this request's worst-case cost of 1.48 USD" beside "0.99 USD left").
func (m Micros) CentsUp() string {
	if m > 0 && m%10_000 != 0 {
		m += 10_000 - m%10_000
	}
	return m.Cents()
}

// USD returns m in dollars as a float64, for display and metrics only.
func (m Micros) USD() float64 { return float64(m) / 1e6 }
