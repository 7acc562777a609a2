package localaws

import (
	"encoding/json"
	"math"
)

// Index writes: a table write that changes what a global secondary index holds also
// writes the index, and the index's write units are added to the request's (GSI.html,
// "Provisioned throughput considerations for global secondary indexes"):
//   - an item that enters the index (its index key attributes now all set): one write;
//   - an item that leaves it (one of them removed, or the item deleted): one write;
//   - an item whose index key changes: two writes, the old entry's delete and the new
//     entry's put;
//   - an item that stays with the same key but whose projected attributes change: one
//     write; nothing when the index does not change.
// Each write costs the units of the projected entry's size in 1 KB steps (ALL: the whole
// item; KEYS_ONLY: the table's and the index's keys; INCLUDE: those and its attributes),
// on the index partition of the entry's index partition key, which has its own 1,000
// write units a second: a Put whose new entry lands on an index partition over its
// ceiling is refused (IndexWriteKeyRangeThroughputExceeded). Index writes are charged
// at the standard rate inside a transaction too (the documentation doubles the table
// writes of a transaction and says nothing of its index writes).

// indexWrite is the write units one index partition takes from a table write.
type indexWrite struct {
	id    partitionID
	units float64
}

func (ix indexSchema) holds(item map[string]json.RawMessage) bool {
	if item == nil {
		return false
	}
	for _, k := range ix.keys {
		if _, ok := item[k]; !ok {
			return false
		}
	}
	return true
}

// projected is the index entry of an item.
func (ix indexSchema) projected(tableKeys []string, item map[string]json.RawMessage) map[string]json.RawMessage {
	if ix.projects == "ALL" {
		return item
	}
	out := map[string]json.RawMessage{}
	for _, group := range [][]string{tableKeys, ix.keys, ix.nonKey} {
		for _, a := range group {
			if v, ok := item[a]; ok {
				out[a] = v
			}
		}
	}
	return out
}

// canonical is an item in canonical JSON (key order and spacing normalised).
func canonical(item map[string]json.RawMessage) string {
	var v any
	b, _ := json.Marshal(item)
	_ = json.Unmarshal(b, &v)
	b, _ = json.Marshal(v)
	return string(b)
}

// indexWrites are the index writes of a write that turns item before into after (nil:
// absent) in table.
func (sc tableSchema) indexWrites(table string, before, after map[string]json.RawMessage) []indexWrite {
	var out []indexWrite
	for _, ix := range sc.indexes {
		inB, inA := ix.holds(before), ix.holds(after)
		var pb, pa map[string]json.RawMessage
		if inB {
			pb = ix.projected(sc.keys, before)
		}
		if inA {
			pa = ix.projected(sc.keys, after)
		}
		at := func(item map[string]json.RawMessage) partitionID {
			return partitionID{table: table, index: ix.name, key: partitionKeyString(item[ix.keys[0]])}
		}
		put := func() { out = append(out, indexWrite{at(after), WriteUnits(ItemSize(pa), false)}) }
		del := func() { out = append(out, indexWrite{at(before), WriteUnits(ItemSize(pb), false)}) }
		switch {
		case !inB && inA:
			put()
		case inB && !inA:
			del()
		case inB && inA && itemKeyString(ix.keys, before) != itemKeyString(ix.keys, after):
			del()
			put()
		case inB && inA && canonical(pb) != canonical(pa):
			out = append(out, indexWrite{at(after), math.Max(WriteUnits(ItemSize(pb), false), WriteUnits(ItemSize(pa), false))})
		}
	}
	return out
}

// admitIndexPuts admits the index partitions a new item would be written to; it returns
// the first one over its ceiling, if any.
func (s *Server) admitIndexPuts(sc tableSchema, table string, item map[string]json.RawMessage) (partitionID, bool) {
	for _, ix := range sc.indexes {
		if ix.holds(item) {
			id := partitionID{table: table, index: ix.name, key: partitionKeyString(item[ix.keys[0]])}
			if !s.capacity.admit(id, true) {
				return id, false
			}
		}
	}
	return partitionID{}, true
}

// chargeIndexWrites charges index writes and returns the units per index.
func (s *Server) chargeIndexWrites(ws []indexWrite) map[string]float64 {
	per := map[string]float64{}
	for _, w := range ws {
		s.capacity.charge(w.id, true, w.units)
		per[w.id.index] += w.units
	}
	return per
}

// readItem is an item as dynalite holds it now (nil when absent).
func (s *Server) readItem(table string, key map[string]json.RawMessage) map[string]json.RawMessage {
	var got struct{ Item map[string]json.RawMessage }
	_ = s.dynaliteCall("GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true}, &got)
	return got.Item
}
