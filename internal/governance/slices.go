package governance

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Part is one of a team's counter items: a slice (Index >= 0), or, on a record first
// written in layout 1, the record itself (Index LegacyPart), whose counters old code may
// still be settling into during an upgrade. Every part has the same counters under the
// same attribute names, and the team's figures are their sums.
type Part struct {
	Key              string
	Index            int
	Period           string
	Spent            Micros
	Reserved         Micros
	Headroom         Micros // base + room moved in - spent - reserved
	OverrideHeadroom Micros
	Base             Micros // share of the cap a rollover restarts from
	OverrideBase     Micros
	OverrideExpires  int64
	ConfigVersion    int64
	Debt             bool
	OverrideUsed     bool
	Requests         int64
	PrevPeriod       string
	PrevSpent        Micros
	Tokens           [4]map[string]int64 // in tokenAttrs' order
	Size             int                 // the item's size in bytes, as DynamoDB bills it
}

// LegacyPart is the Index of a record's own counters.
const LegacyPart = -1

// SpentIn is the part's spend in period p.
func (p *Part) SpentIn(period string) Micros {
	return spentIn(period, p.Period, p.Spent, p.PrevPeriod, p.PrevSpent)
}

// room is the counter that admits a request: the override's while one is in force.
func (p *Part) room(override bool) Micros {
	if override {
		return p.OverrideHeadroom
	}
	return p.Headroom
}

func decodePart(item map[string]types.AttributeValue, index int) Part {
	p := Part{
		Key: str(item[AttrPK]), Index: index, Period: str(item[AttrPeriod]),
		Spent: Micros(num(item[AttrSpent])), Reserved: Micros(num(item[AttrReserved])),
		Headroom: Micros(num(item[AttrHeadroom])), OverrideHeadroom: Micros(num(item[AttrOverrideHeadroom])),
		Base: Micros(num(item[AttrBase])), OverrideBase: Micros(num(item[AttrOverrideBase])),
		OverrideExpires: num(item[AttrOverrideExpires]), ConfigVersion: num(item[AttrConfigVersion]),
		Requests: num(item[AttrRequests]), PrevPeriod: str(item[AttrPrevPeriod]), PrevSpent: Micros(num(item[AttrPrevSpent])),
		Size: ItemSize(item),
	}
	_, p.Debt = item[AttrDebt]
	_, p.OverrideUsed = item[AttrOverrideUsed]
	for i, a := range tokenAttrs {
		p.Tokens[i] = numMap(item[a])
	}
	return p
}

// ItemSize is an item's size as DynamoDB counts it for capacity: the UTF-8 lengths of
// attribute names and values; a number is about one byte per two digits plus one.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(v.Value)+1)/2 + 1
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n + 3
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += len(k) + valueSize(e) + 1
		}
		return n
	}
	return 0
}

// mergeParts sets the record's counters from its parts: sums over every part, spend and
// tokens of the latest period any part is in.
func (r *CapRecord) mergeParts() {
	period := ""
	for i := range r.Parts {
		period = max(period, r.Parts[i].Period)
	}
	r.Period = period
	prev := ""
	if p, err := ParsePeriod(period); err == nil {
		prev = PeriodOf(p.Start().AddDate(0, 0, -1)).Key()
	}
	r.Spent, r.Reserved, r.Headroom, r.OverrideHdroom, r.Requests, r.PrevSpent = 0, 0, 0, 0, 0, 0
	r.PrevPeriod = ""
	maps := [4]map[string]int64{}
	for i := range r.Parts {
		p := &r.Parts[i]
		r.Spent += p.SpentIn(period)
		r.Reserved += p.Reserved
		r.Headroom += p.Headroom
		r.OverrideHdroom += p.OverrideHeadroom
		if s := p.SpentIn(prev); s != 0 || p.PrevPeriod == prev {
			r.PrevSpent += s
			r.PrevPeriod = prev
		}
		if p.Period != period {
			continue
		}
		r.Requests += p.Requests
		for t := range maps {
			for m, n := range p.Tokens[t] {
				if maps[t] == nil {
					maps[t] = map[string]int64{}
				}
				maps[t][m] += n
			}
		}
	}
	r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens = maps[0], maps[1], maps[2], maps[3]
}

// Part returns the part with index i (LegacyPart: the record's own counters), or nil.
func (r *CapRecord) Part(i int) *Part {
	for k := range r.Parts {
		if r.Parts[k].Index == i {
			return &r.Parts[k]
		}
	}
	return nil
}

// sliceCount is the number of slices reservations are made on.
func (c CapConfig) sliceCount() int { return max(c.Slices, 1) }

// share is slice i's share of total over n slices (the remainder goes to the first).
func share(total Micros, n, i int) Micros {
	s := total / Micros(n)
	if i < int(total%Micros(n)) {
		s++
	}
	return s
}

// readParts reads slices 0..n-1 of team with BatchGetItem (strongly consistent when
// consistent), retrying what DynamoDB leaves unprocessed.
func readParts(ctx context.Context, db DynamoDB, table, team string, n int, consistent bool) ([]Part, error) {
	keys := make([]map[string]types.AttributeValue, n)
	for i := range keys {
		keys[i] = keyOf(SliceKey(team, i))
	}
	var items []map[string]types.AttributeValue
	for start := 0; start < len(keys); start += 100 {
		pending := map[string]types.KeysAndAttributes{table: {Keys: keys[start:min(start+100, len(keys))], ConsistentRead: aws.Bool(consistent)}}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 8 {
				return nil, fmt.Errorf("read slices of team %s: DynamoDB left keys unprocessed", team)
			}
			out, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("read slices of team %s: %w", team, err)
			}
			items = append(items, out.Responses[table]...)
			pending = out.UnprocessedKeys
		}
	}
	parts := make([]Part, 0, len(items))
	for _, it := range items {
		key := str(it[AttrPK])
		idx, err := strconv.Atoi(key[len(slicePrefix)+len(team)+1:])
		if err != nil {
			continue
		}
		parts = append(parts, decodePart(it, idx))
	}
	sort.Slice(parts, func(a, b int) bool { return parts[a].Index < parts[b].Index })
	return parts, nil
}

// hasLegacyCounters reports whether a record item carries layout 1 counters.
func hasLegacyCounters(item map[string]types.AttributeValue) bool {
	_, ok := item[AttrSpent]
	return ok
}
