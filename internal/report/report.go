// Package report builds the monthly per-team spend report from an enforcer's cap
// records and renders it as CSV and Markdown. It is pure: the provider reads the
// records and the enforcer's prices, this package only computes and formats.
package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// Model is one model's usage by a team in the period.
type Model struct {
	ModelID          string
	InputTokens      int64
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64
	// Cost is the tokens priced at the enforcer's prices in the team's price group;
	// Priced is false when the model is not in the pricing table.
	Cost   governance.Micros
	Priced bool
}

// Team is one team's line in the report.
type Team struct {
	Team           string
	Limit          governance.Micros
	EffectiveLimit governance.Micros
	Spent          governance.Micros
	Percent        int64
	State          governance.State
	// Requests and Models are known only for the period the record's counters belong
	// to (the ledger keeps one month of them); Detailed says whether they are.
	Requests int64
	Models   []Model
	Detailed bool
}

// Report is the spend of every team of one enforcer in one period.
type Report struct {
	Enforcer string
	Period   string
	Current  bool
	Teams    []Team
	Spent    governance.Micros // sum of the teams' spend
	Limit    governance.Micros // sum of the teams' effective limits
}

// Build computes the report for period from the cap records at now. The ledger holds
// the spend of the current and the previous month only, so any other period is an
// error. Teams are sorted by name, models by id.
func Build(enforcer string, recs []*governance.CapRecord, period string, now time.Time, prices *governance.PricingTable) (Report, error) {
	now = now.UTC()
	cur := governance.PeriodOf(now)
	prev := governance.PeriodOf(cur.Start().Add(-time.Hour))
	if period == "" {
		period = cur.Key()
	}
	if period != cur.Key() && period != prev.Key() {
		return Report{}, fmt.Errorf("period %s: the enforcer's ledger keeps the current month (%s) and the one before (%s) only; "+
			"use the Athena query over the invocation logs for older months", period, cur.Key(), prev.Key())
	}
	r := Report{Enforcer: enforcer, Period: period, Current: period == cur.Key()}
	for _, rec := range recs {
		t := Team{Team: rec.Team, Limit: rec.Limit, Spent: rec.SpentIn(period)}
		if r.Current {
			st := rec.StandingAt(now)
			t.EffectiveLimit, t.State = st.Limit, st.State
		} else {
			// A past month is judged against today's limit: the ledger does not keep
			// the limit or override a month had.
			t.EffectiveLimit = rec.Limit
			t.State = rec.StateOf(t.Spent, rec.Limit)
		}
		t.Percent = governance.Percent(t.Spent, t.EffectiveLimit)
		if rec.Period == period {
			t.Detailed = true
			t.Requests = rec.Requests
			t.Models = models(rec, prices)
		} else if r.Current {
			t.Detailed = true // no traffic yet this month: zero is exact
		}
		r.Teams = append(r.Teams, t)
		r.Spent += t.Spent
		r.Limit += t.EffectiveLimit
	}
	sort.Slice(r.Teams, func(i, j int) bool { return r.Teams[i].Team < r.Teams[j].Team })
	return r, nil
}

func models(rec *governance.CapRecord, prices *governance.PricingTable) []Model {
	seen := map[string]bool{}
	var ids []string
	for _, m := range []map[string]int64{rec.InputTokens, rec.OutputTokens, rec.CacheReadTokens, rec.CacheWriteTokens} {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	out := make([]Model, 0, len(ids))
	for _, id := range ids {
		m := Model{ModelID: id, InputTokens: rec.InputTokens[id], OutputTokens: rec.OutputTokens[id],
			CacheReadTokens: rec.CacheReadTokens[id], CacheWriteTokens: rec.CacheWriteTokens[id]}
		if prices != nil {
			if p, _, err := prices.Lookup(id, rec.PriceGroup); err == nil {
				m.Cost = p.Cost(governance.Usage{InputTokens: m.InputTokens, OutputTokens: m.OutputTokens,
					CacheReadTokens: m.CacheReadTokens, CacheWriteTokens: m.CacheWriteTokens})
				m.Priced = true
			}
		}
		out = append(out, m)
	}
	return out
}

// CSVHeader is the first line of the CSV rendering.
var CSVHeader = []string{
	"period", "team", "limit_usd", "effective_limit_usd", "spent_usd", "spend_percent", "state", "requests",
	"model_id", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "model_cost_usd",
}

// CSV renders one row per team and model (a team without model usage gets one row with
// the model columns empty). Amounts are dollars with up to six decimals; an unknown
// count or an unpriced model is an empty cell.
func (r Report) CSV() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(CSVHeader)
	for _, t := range r.Teams {
		team := []string{r.Period, t.Team, t.Limit.String(), t.EffectiveLimit.String(), t.Spent.String(),
			strconv.FormatInt(t.Percent, 10), string(t.State), count(t.Requests, t.Detailed)}
		if len(t.Models) == 0 {
			_ = w.Write(append(team, "", "", "", "", "", ""))
			continue
		}
		for _, m := range t.Models {
			_ = w.Write(append(append([]string{}, team...), m.ModelID, strconv.FormatInt(m.InputTokens, 10),
				strconv.FormatInt(m.OutputTokens, 10), strconv.FormatInt(m.CacheReadTokens, 10),
				strconv.FormatInt(m.CacheWriteTokens, 10), cost(m, "")))
		}
	}
	w.Flush()
	return b.String()
}

// Markdown renders a summary table of the teams and a table of their usage per model,
// ready for a CI job summary, a wiki page or a pull request comment.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Bedrock spend report %s\n\n", r.Period)
	fmt.Fprintf(&b, "Enforcer `%s`, period %s (calendar month, UTC)", r.Enforcer, r.Period)
	if r.Current {
		b.WriteString(", month to date")
	}
	fmt.Fprintf(&b, ": %d %s, %s USD spent of %s USD.\n\n", len(r.Teams), plural(len(r.Teams), "team", "teams"), r.Spent.Cents(), r.Limit.Cents())
	if len(r.Teams) == 0 {
		return b.String()
	}
	b.WriteString("| Team | Limit (USD) | Spent (USD) | Spent (%) | State | Requests |\n")
	b.WriteString("|------|------------:|------------:|----------:|-------|---------:|\n")
	for _, t := range r.Teams {
		limit := t.EffectiveLimit.Cents()
		if t.EffectiveLimit != t.Limit {
			limit += " (override; limit " + t.Limit.Cents() + ")"
		}
		req := count(t.Requests, t.Detailed)
		if req == "" {
			req = "n/a"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s |\n", t.Team, limit, t.Spent.Cents(), t.Percent, t.State, req)
	}
	var rows []string
	for _, t := range r.Teams {
		for _, m := range t.Models {
			rows = append(rows, fmt.Sprintf("| %s | %s | %d | %d | %d | %d | %s |", t.Team, m.ModelID,
				m.InputTokens, m.OutputTokens, m.CacheReadTokens, m.CacheWriteTokens, cost(m, "n/a")))
		}
	}
	if len(rows) > 0 {
		b.WriteString("\n## Usage per model\n\n")
		b.WriteString("| Team | Model | Input tokens | Output tokens | Cache read tokens | Cache write tokens | Cost (USD) |\n")
		b.WriteString("|------|-------|-------------:|--------------:|------------------:|-------------------:|-----------:|\n")
		b.WriteString(strings.Join(rows, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}

func count(n int64, known bool) string {
	if !known {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func cost(m Model, unpriced string) string {
	if !m.Priced {
		return unpriced
	}
	return m.Cost.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
