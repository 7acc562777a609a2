package localaws

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// Metering of the multi-item reads the cap ledger makes, BatchGetItem and Query, by the
// read rules of read-write-operations (Developer Guide):
//   - BatchGetItem reads each item as a GetItem would: its size rounded up to 4 KB, one
//     unit per 4 KB strongly consistent, half eventually consistent, at least one step
//     for an item that is not there. Each key's partition is admitted first; keys whose
//     partition is over its ceiling come back in UnprocessedKeys, and when no key can be
//     read the call fails with ProvisionedThroughputExceededException (API_BatchGetItem).
//   - Query reads its items as one read: their sizes summed, then rounded up to 4 KB
//     (at least one step); an index is read eventually consistent only, by the size of
//     the index's entries. Its partition (of the table or the index: indexes have their
//     own partitions) is admitted first.
// The items' sizes are those of the items returned: a ProjectionExpression or a
// FilterExpression makes the emulator charge less than DynamoDB, which charges the whole
// items it reads.

func (s *Server) serveMeteredRead(w http.ResponseWriter, r *http.Request, op string, rec *CallRecord) bool {
	if op != "BatchGetItem" && op != "Query" {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if op == "BatchGetItem" {
		return s.serveBatchGet(w, r, body, rec)
	}
	return s.serveQuery(w, r, body, rec)
}

// dynaliteReply is dynalite's answer to a forwarded request, its body read.
type dynaliteReply struct {
	StatusCode int
	Header     http.Header
}

// forwardJSON sends fields to dynalite as the caller's request (its headers), and
// returns dynalite's answer and body.
func (s *Server) forwardJSON(r *http.Request, fields map[string]json.RawMessage) (dynaliteReply, []byte, error) {
	fwd, _ := json.Marshal(fields)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, s.dynamoDB, bytes.NewReader(fwd))
	if err != nil {
		return dynaliteReply{}, nil, err
	}
	req.Header = r.Header.Clone()
	req.Header.Del("Content-Length")
	req.Header.Del("Accept-Encoding")
	req.ContentLength = int64(len(fwd))
	resp, err := s.capacity.client.Do(req)
	if err != nil {
		return dynaliteReply{}, nil, err
	}
	data, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return dynaliteReply{StatusCode: resp.StatusCode, Header: resp.Header}, data, nil
}

// forwardRead sends a read to dynalite; a failure is answered here (ok false): an
// unreachable dynalite as 503, an error dynalite returned as it is.
func (s *Server) forwardRead(w http.ResponseWriter, r *http.Request, rec *CallRecord, codec jsonCodec, op string, fields map[string]json.RawMessage) (dynaliteReply, []byte, bool) {
	resp, data, err := s.forwardJSON(r, fields)
	if err != nil {
		e := ErrorStatus(http.StatusServiceUnavailable, "ServiceUnavailable", "dynalite at %s is unreachable: %v", s.dynamoDB, err)
		rec.ErrorCode = e.Code
		codec.writeError(w, nil, op, e)
		return resp, nil, false
	}
	if resp.StatusCode != http.StatusOK {
		rec.ErrorCode = errorCodeOf(data)
		writeReply(w, resp, data)
		return resp, nil, false
	}
	return resp, data, true
}

func writeReply(w http.ResponseWriter, reply dynaliteReply, data []byte) {
	writeRaw(w, &http.Response{StatusCode: reply.StatusCode, Header: reply.Header}, data)
}

type keysAndAttributes struct {
	Keys           []map[string]json.RawMessage
	ConsistentRead bool
}

// batchKeys are a BatchGetItem's keys by table (as the request names it).
type batchKeys map[string][]map[string]json.RawMessage

// batchGet is a BatchGetItem as the front reads it.
type batchGet struct {
	fields map[string]json.RawMessage // the request's members
	in     struct {
		RequestItems           map[string]keysAndAttributes
		ReturnConsumedCapacity string
	}
	raw     map[string]map[string]json.RawMessage // each table's member of RequestItems
	schemas map[string]tableSchema
}

// requestItems is a RequestItems (or UnprocessedKeys) member for keys: each table's
// member of the request (ProjectionExpression, ConsistentRead, ...) with keys as its Keys.
func (b *batchGet) requestItems(keys batchKeys) json.RawMessage {
	out := map[string]map[string]json.RawMessage{}
	for t, ks := range keys {
		spec := map[string]json.RawMessage{}
		for k, v := range b.raw[t] {
			spec[k] = v
		}
		spec["Keys"], _ = json.Marshal(ks)
		out[t] = spec
	}
	data, _ := json.Marshal(out)
	return data
}

func (b *batchGet) partition(t string, k map[string]json.RawMessage) partitionID {
	return partitionID{table: tableNameOf(t), key: partitionKeyString(k[b.schemas[t].keys[0]])}
}

func (s *Server) serveBatchGet(w http.ResponseWriter, r *http.Request, body []byte, rec *CallRecord) bool {
	b, ok := s.readBatchGet(body)
	if !ok {
		return false
	}
	admitted, unprocessed, lastThrottled := s.admitBatchKeys(b)
	codec := jsonCodec{version: "1.0"}
	if len(admitted) == 0 {
		e := s.partitionThrottled(lastThrottled, false, rec.Region)
		rec.ErrorCode = e.Code
		codec.writeError(w, nil, "BatchGetItem", e)
		return true
	}
	// Read committed, as a GetItem: the items are read once no transaction holds them
	// (transaction-apis, "Isolation levels": BatchGetItem is read-committed per item).
	var lockKeys []string
	for t, ks := range admitted {
		for _, k := range ks {
			lockKeys = append(lockKeys, itemLockKey(tableNameOf(t), b.schemas[t].keys, k))
		}
	}
	unlock, _ := s.capacity.locks.acquire(lockKeys, false, false)
	defer unlock()
	fields := b.fields
	fields["RequestItems"] = b.requestItems(admitted)
	delete(fields, "ReturnConsumedCapacity")
	resp, data, ok := s.forwardRead(w, r, rec, codec, "BatchGetItem", fields)
	if !ok {
		return true
	}
	var out map[string]json.RawMessage
	var got struct {
		Responses       map[string][]map[string]json.RawMessage
		UnprocessedKeys map[string]struct{ Keys []map[string]json.RawMessage }
	}
	if json.Unmarshal(data, &out) != nil || json.Unmarshal(data, &got) != nil {
		writeReply(w, resp, data)
		return true
	}
	perTable := s.chargeBatchGet(b, admitted, got.Responses)
	// Keys dynalite left unprocessed join the throttled ones.
	for t, u := range got.UnprocessedKeys {
		unprocessed[t] = append(unprocessed[t], u.Keys...)
	}
	out["UnprocessedKeys"] = b.requestItems(unprocessed)
	delete(out, "ConsumedCapacity")
	if rc := b.in.ReturnConsumedCapacity; rc == "TOTAL" || rc == "INDEXES" {
		var cc []map[string]any
		for _, t := range sortedKeys(perTable) {
			c := map[string]any{"TableName": tableNameOf(t), "CapacityUnits": perTable[t]}
			if rc == "INDEXES" {
				c["Table"] = map[string]any{"CapacityUnits": perTable[t]}
			}
			cc = append(cc, c)
		}
		out["ConsumedCapacity"], _ = json.Marshal(cc)
	}
	data, _ = json.Marshal(out)
	writeReply(w, resp, data)
	return true
}

// readBatchGet reads a BatchGetItem and its tables' schemas; false for a request
// dynalite is left to answer (malformed, no such table, a key without its partition key).
func (s *Server) readBatchGet(body []byte) (*batchGet, bool) {
	b := &batchGet{schemas: map[string]tableSchema{}}
	if json.Unmarshal(body, &b.fields) != nil || json.Unmarshal(body, &b.in) != nil || len(b.in.RequestItems) == 0 {
		return nil, false // dynalite answers the malformed request
	}
	_ = json.Unmarshal(b.fields["RequestItems"], &b.raw)
	for t, ka := range b.in.RequestItems {
		sc, err := s.tableSchema(tableNameOf(t))
		if err != nil {
			return nil, false // no such table: dynalite says so
		}
		for _, k := range ka.Keys {
			if _, ok := k[sc.keys[0]]; !ok {
				return nil, false // dynalite refuses the key
			}
		}
		b.schemas[t] = sc
	}
	return b, true
}

// admitBatchKeys admits each key's partition; the rest go back unprocessed
// (lastThrottled: the partition of the last of those).
func (s *Server) admitBatchKeys(b *batchGet) (admitted, unprocessed batchKeys, lastThrottled partitionID) {
	admitted, unprocessed = batchKeys{}, batchKeys{}
	for _, t := range sortedKeys(b.in.RequestItems) {
		for _, k := range b.in.RequestItems[t].Keys {
			if id := b.partition(t, k); s.capacity.admit(id, false) {
				admitted[t] = append(admitted[t], k)
			} else {
				unprocessed[t] = append(unprocessed[t], k)
				lastThrottled = id
			}
		}
	}
	return admitted, unprocessed, lastThrottled
}

// chargeBatchGet charges each admitted key as a GetItem of the item dynalite returned
// for it (none: a missing item), and returns the units per table.
func (s *Server) chargeBatchGet(b *batchGet, admitted batchKeys, responses map[string][]map[string]json.RawMessage) map[string]float64 {
	perTable := map[string]float64{}
	for t, ks := range admitted {
		sc := b.schemas[t]
		found := map[string]map[string]json.RawMessage{}
		for _, it := range responses[t] {
			found[itemKeyString(sc.keys, it)] = it
		}
		for _, k := range ks {
			u := ReadUnits(ItemSize(found[itemKeyString(sc.keys, k)]), b.in.RequestItems[t].ConsistentRead, false)
			s.capacity.charge(b.partition(t, k), false, u)
			perTable[t] += u
		}
	}
	return perTable
}

type queryInput struct {
	TableName                 string
	IndexName                 string
	KeyConditionExpression    string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]json.RawMessage
	ConsistentRead            bool
	ReturnConsumedCapacity    string
}

// equalityRe finds "a = b" terms of a key condition.
var equalityRe = regexp.MustCompile(`([#:]?[A-Za-z0-9_.\-]+)\s*=\s*([#:]?[A-Za-z0-9_.\-]+)`)

// queryPartition is the partition key value a Query's key condition names for
// attribute hash ("" when it cannot tell).
func queryPartition(in queryInput, hash string) string {
	name := func(tok string) string {
		if strings.HasPrefix(tok, "#") {
			return in.ExpressionAttributeNames[tok]
		}
		return tok
	}
	for _, m := range equalityRe.FindAllStringSubmatch(in.KeyConditionExpression, -1) {
		a, b := m[1], m[2]
		if strings.HasPrefix(a, ":") {
			a, b = b, a
		}
		if name(a) == hash && strings.HasPrefix(b, ":") {
			if v, ok := in.ExpressionAttributeValues[b]; ok {
				return partitionKeyString(v)
			}
		}
	}
	return ""
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, body []byte, rec *CallRecord) bool {
	var fields map[string]json.RawMessage
	var in queryInput
	if json.Unmarshal(body, &fields) != nil || json.Unmarshal(body, &in) != nil || in.TableName == "" || in.KeyConditionExpression == "" {
		return false
	}
	sc, err := s.tableSchema(tableNameOf(in.TableName))
	if err != nil {
		return false
	}
	hash := sc.keys[0]
	if in.IndexName != "" {
		found := false
		for _, ix := range sc.indexes {
			if ix.name == in.IndexName {
				hash, found = ix.keys[0], true
			}
		}
		if !found {
			return false // a local index, or none: dynalite answers
		}
	}
	pk := queryPartition(in, hash)
	if pk == "" {
		return false // dynalite refuses the key condition
	}
	id := partitionID{table: tableNameOf(in.TableName), index: in.IndexName, key: pk}
	codec := jsonCodec{version: "1.0"}
	if !s.capacity.admit(id, false) {
		e := s.partitionThrottled(id, false, rec.Region)
		rec.ErrorCode = e.Code
		codec.writeError(w, nil, "Query", e)
		return true
	}
	delete(fields, "ReturnConsumedCapacity")
	resp, data, ok := s.forwardRead(w, r, rec, codec, "Query", fields)
	if !ok {
		return true
	}
	var out map[string]json.RawMessage
	var got struct{ Items []map[string]json.RawMessage }
	if json.Unmarshal(data, &out) != nil || json.Unmarshal(data, &got) != nil {
		writeReply(w, resp, data)
		return true
	}
	size := 0
	for _, it := range got.Items {
		size += ItemSize(it)
	}
	// One read of the items together: the summed size rounded up to 4 KB (an index
	// is read eventually consistent only).
	u := ReadUnits(size, in.ConsistentRead && in.IndexName == "", false)
	s.capacity.charge(id, false, u)
	delete(out, "ConsumedCapacity")
	switch in.ReturnConsumedCapacity {
	case "TOTAL":
		out["ConsumedCapacity"], _ = json.Marshal(map[string]any{"TableName": id.table, "CapacityUnits": u})
	case "INDEXES":
		c := map[string]any{"TableName": id.table, "CapacityUnits": u}
		if in.IndexName != "" {
			c["GlobalSecondaryIndexes"] = map[string]any{in.IndexName: map[string]any{"CapacityUnits": u}}
		} else {
			c["Table"] = map[string]any{"CapacityUnits": u}
		}
		out["ConsumedCapacity"], _ = json.Marshal(c)
	}
	data, _ = json.Marshal(out)
	writeReply(w, resp, data)
	return true
}

// errorCodeOf is the error code of a DynamoDB error body.
func errorCodeOf(data []byte) string {
	var e struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(data, &e)
	return e.Type[strings.LastIndex(e.Type, "#")+1:]
}
