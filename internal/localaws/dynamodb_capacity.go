package localaws

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DynamoDB capacity: the emulator meters and throttles the single-item data-plane
// operations (GetItem, PutItem, UpdateItem, DeleteItem) as DynamoDB does, per partition
// key, in front of dynalite, which holds the data. dynalite already computes what a
// successful request consumes by the documented rules, so the emulator asks it for
// ReturnConsumedCapacity=TOTAL on every metered call and uses its figure; what dynalite
// does not do (charge a failed condition, throttle a hot partition, return the item of
// a failed condition) is done here. BatchGetItem and Query are metered in dynamodb_reads.go;
// BatchWriteItem, Scan and the PartiQL operations pass through unmetered.

const (
	// Per-partition ceilings: "every partition in a DynamoDB table is designed to deliver
	// a maximum capacity of 3,000 read units per second and 1,000 write units per second"
	// (Developer Guide, bp-partition-key-design).
	PartitionReadUnitsPerSecond  = 3000
	PartitionWriteUnitsPerSecond = 1000
)

// meteredDynamoOps are the operations metered here, and whether each is a write.
var meteredDynamoOps = map[string]bool{"GetItem": false, "PutItem": true, "UpdateItem": true, "DeleteItem": true}

// PartitionUsage is what one partition key of one table consumed since the emulator
// started (or ResetDynamoDBUsage).
type PartitionUsage struct {
	Table        string
	Index        string // a global secondary index's name; "" for the table itself
	PartitionKey string // "S:team#a": type and value of the partition key
	Reads        int64  // metered read requests served
	Writes       int64  // metered write requests served (failed conditions included)
	ReadUnits    float64
	WriteUnits   float64
	// MaxWriteUnits is the most one write request consumed.
	MaxWriteUnits float64
	Throttled     int64 // requests refused with ProvisionedThroughputExceededException
}

// partitionID is a partition key of a table, or of one of its global secondary indexes
// (index set): an index's partitions have their own ceilings (GSI.html, "Provisioned
// throughput considerations").
type partitionID struct{ table, index, key string }

// tokenBucket is a token bucket refilled at rate per second, holding at most one second of
// it: DynamoDB's burst capacity is a table's unused provisioned throughput, never more
// than the partition's own ceiling (bp-partition-key-design).
type tokenBucket struct {
	tokens float64
	at     time.Time
}

func (b *tokenBucket) refill(now time.Time, rate float64) {
	if b.at.IsZero() {
		b.tokens, b.at = rate, now
		return
	}
	if d := now.Sub(b.at).Seconds(); d > 0 {
		b.tokens = math.Min(rate, b.tokens+d*rate)
		b.at = now
	}
}

type partitionState struct {
	read, write tokenBucket
	usage       PartitionUsage
}

type capacityMeter struct {
	// client talks to dynalite; a pool as large as the concurrency (the default
	// transport keeps 2 idle connections a host, and churns ports under load).
	client *http.Client
	locks  itemLocks // see dynamodb_transact.go
	mu     sync.Mutex
	now    func() time.Time
	parts  map[partitionID]*partitionState
	// keys caches each table's key schema (DescribeTable), partition key first; a
	// CreateTable or DeleteTable passing through forgets the table's entry.
	keys map[string]tableSchema
	// tokens are the ClientRequestTokens of recent successful transactions.
	tokens     map[string]transactToken
	tokenOrder []string
}

func newCapacityMeter() *capacityMeter {
	return &capacityMeter{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}, now: time.Now, parts: map[partitionID]*partitionState{}, keys: map[string]tableSchema{}, tokens: map[string]transactToken{}}
}

// WithDynamoDBClock sets the clock the DynamoDB partition throttle refills by (default
// time.Now), so a test can step time instead of waiting for it.
func WithDynamoDBClock(now func() time.Time) Option {
	return func(s *Server) { s.capacity.now = now }
}

// DynamoDBUsage is the metered consumption per partition key, busiest writer first.
func (s *Server) DynamoDBUsage() []PartitionUsage {
	m := s.capacity
	m.mu.Lock()
	out := make([]PartitionUsage, 0, len(m.parts))
	for _, p := range m.parts {
		out = append(out, p.usage)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].WriteUnits != out[j].WriteUnits {
			return out[i].WriteUnits > out[j].WriteUnits
		}
		return out[i].Table+"/"+out[i].Index+"/"+out[i].PartitionKey < out[j].Table+"/"+out[j].Index+"/"+out[j].PartitionKey
	})
	return out
}

// ResetDynamoDBUsage forgets the metered usage (not the throttle's state).
func (s *Server) ResetDynamoDBUsage() {
	m := s.capacity
	m.mu.Lock()
	for id, p := range m.parts {
		p.usage = PartitionUsage{Table: id.table, Index: id.index, PartitionKey: id.key}
	}
	m.mu.Unlock()
}

func (m *capacityMeter) state(id partitionID) *partitionState {
	p := m.parts[id]
	if p == nil {
		p = &partitionState{usage: PartitionUsage{Table: id.table, Index: id.index, PartitionKey: id.key}}
		m.parts[id] = p
	}
	return p
}

// admit reports whether the partition has capacity left for one more request. A
// partition whose tokenBucket is empty (or in debt: a request's cost is known only after it
// ran) refuses until the refill pays the debt back, so its rate over any second stays
// at the ceiling.
func (m *capacityMeter) admit(id partitionID, write bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.state(id)
	now := m.now()
	b, rate := &p.read, float64(PartitionReadUnitsPerSecond)
	if write {
		b, rate = &p.write, PartitionWriteUnitsPerSecond
	}
	b.refill(now, rate)
	if b.tokens <= 0 {
		p.usage.Throttled++
		return false
	}
	return true
}

func (m *capacityMeter) charge(id partitionID, write bool, units float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.state(id)
	if write {
		p.write.tokens -= units
		p.usage.Writes++
		p.usage.WriteUnits += units
		p.usage.MaxWriteUnits = math.Max(p.usage.MaxWriteUnits, units)
		return
	}
	p.read.tokens -= units
	p.usage.Reads++
	p.usage.ReadUnits += units
}

// ---- capacity rules -----------------------------------------------------------------

// WriteUnits is what a write of an item of `bytes` consumes: one unit per 1 KB, rounded
// up, at least one ("One write unit represents one write operation per second for an
// item up to 1 KB in size", read-write-operations); a transactional write consumes
// twice as much ("two write request units ... for items up to 1 KB", same page).
func WriteUnits(bytes int, transactional bool) float64 {
	u := math.Max(1, math.Ceil(float64(bytes)/1024))
	if transactional {
		u *= 2
	}
	return u
}

// ReadUnits is what a read of an item of `bytes` consumes: one unit per 4 KB rounded up
// (at least one: a missing item still costs a read), half for an eventually consistent
// read, twice for a transactional one (read-write-operations).
func ReadUnits(bytes int, consistent, transactional bool) float64 {
	u := math.Max(1, math.Ceil(float64(bytes)/4096))
	switch {
	case transactional:
		return 2 * u
	case !consistent:
		return u / 2
	}
	return u
}

// ItemSize is an item's size by DynamoDB's rules (CapacityUnitCalculations): the sum of
// each attribute name's UTF-8 length and its value's size. A string counts its UTF-8
// bytes, a binary its raw bytes, a number 1 byte per two significant digits plus 1, null
// and Boolean 1, a list or map 3 plus 1 per element plus its elements, a set the sum of
// its members.
func ItemSize(item map[string]json.RawMessage) int {
	n := 0
	for name, raw := range item {
		n += len(name) + valueSize(raw)
	}
	return n
}

func valueSize(raw json.RawMessage) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for typ, val := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(val, &s)
			return len(s) // Go strings are UTF-8
		case "N":
			var s string
			_ = json.Unmarshal(val, &s)
			return numberSize(s)
		case "B":
			var s string
			_ = json.Unmarshal(val, &s)
			b, _ := base64.StdEncoding.DecodeString(s)
			return len(b)
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			var ss []string
			_ = json.Unmarshal(val, &ss)
			sum := 0
			for _, s := range ss {
				switch typ {
				case "SS":
					sum += len(s)
				case "NS":
					sum += numberSize(s)
				default:
					b, _ := base64.StdEncoding.DecodeString(s)
					sum += len(b)
				}
			}
			return sum
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(val, &l)
			sum := 3
			for _, e := range l {
				sum += 1 + valueSize(e)
			}
			return sum
		case "M":
			var m map[string]json.RawMessage
			_ = json.Unmarshal(val, &m)
			sum := 3
			for k, e := range m {
				sum += 1 + len(k) + valueSize(e)
			}
			return sum
		}
	}
	return 0
}

// numberSize is the size of a number: about 1 byte per two significant digits plus 1
// (CapacityUnitCalculations); digits are paired from the decimal point, and a negative
// number takes one byte more, as dynalite counts it.
func numberSize(s string) int {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, _ = strconv.Atoi(s[i+1:])
		s = s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	// e is the power of ten of the first significant digit.
	e := len(strings.TrimLeft(intPart, "0")) - 1 + exp
	if strings.TrimLeft(intPart, "0") == "" {
		e = -(len(frac) - len(strings.TrimLeft(frac, "0")) + 1) + exp
	}
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return 1
	}
	n := 1 + (len(digits)+1)/2
	if len(digits)%2 == 0 && e%2 == 0 {
		n++ // an even count of digits that starts on an even power straddles a pair
	}
	if neg {
		n++
	}
	return n
}

// ---- the metered front ------------------------------------------------------------------

// meteredRequest is what the front reads of a metered request.
type meteredRequest struct {
	TableName                           string
	Key                                 map[string]json.RawMessage
	Item                                map[string]json.RawMessage // PutItem
	ConsistentRead                      bool
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
}

// tableSchema is what the front needs of a table's definition.
type tableSchema struct {
	keys    []string // the partition key attribute first, then the sort key's if any
	indexes []indexSchema
}

// indexSchema is a global secondary index of a table.
type indexSchema struct {
	name     string
	keys     []string // hash key first
	projects string   // ALL, KEYS_ONLY or INCLUDE
	nonKey   []string // INCLUDE's attributes
}

type keySchemaElement struct{ AttributeName, KeyType string }

func hashFirst(ks []keySchemaElement) []string {
	var k []string
	for _, e := range ks {
		if e.KeyType == "HASH" {
			k = append([]string{e.AttributeName}, k...)
		} else {
			k = append(k, e.AttributeName)
		}
	}
	return k
}

// tableSchema is a table's key schema and global secondary indexes, from dynalite
// (cached; a CreateTable, UpdateTable or DeleteTable passing through forgets it).
func (s *Server) tableSchema(table string) (tableSchema, error) {
	m := s.capacity
	m.mu.Lock()
	sc, ok := m.keys[table]
	m.mu.Unlock()
	if ok {
		return sc, nil
	}
	var out struct {
		Table struct {
			KeySchema              []keySchemaElement
			GlobalSecondaryIndexes []struct {
				IndexName  string
				KeySchema  []keySchemaElement
				Projection struct {
					ProjectionType   string
					NonKeyAttributes []string
				}
			}
		}
	}
	if err := s.dynaliteCall("DescribeTable", map[string]any{"TableName": table}, &out); err != nil {
		return tableSchema{}, err
	}
	sc.keys = hashFirst(out.Table.KeySchema)
	if len(sc.keys) == 0 {
		return tableSchema{}, fmt.Errorf("table %s has no key schema", table)
	}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		sc.indexes = append(sc.indexes, indexSchema{name: g.IndexName, keys: hashFirst(g.KeySchema), projects: g.Projection.ProjectionType, nonKey: g.Projection.NonKeyAttributes})
	}
	m.mu.Lock()
	m.keys[table] = sc
	m.mu.Unlock()
	return sc, nil
}

func (s *Server) forgetTable(body []byte) {
	var in struct{ TableName string }
	_ = json.Unmarshal(body, &in)
	s.capacity.mu.Lock()
	delete(s.capacity.keys, tableNameOf(in.TableName))
	s.capacity.mu.Unlock()
}

// dynaliteCall makes one call to dynalite as the emulator itself (dynalite checks that
// a request is signed, not by whom).
func (s *Server) dynaliteCall(op string, in any, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequest(http.MethodPost, s.dynamoDB, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=localaws/"+time.Now().UTC().Format("20060102")+"/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	resp, err := s.capacity.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("dynalite %s: %s", op, data)
	}
	return json.Unmarshal(data, out)
}

// meteredCall is a metered request as the front reads it.
type meteredCall struct {
	op    string
	write bool
	in    meteredRequest
	sc    tableSchema
	key   map[string]json.RawMessage // the item's primary key
	id    partitionID                // the item's partition
}

// serveMetered forwards a metered operation to dynalite, throttling and charging its
// partition. It reports false when the request is not one it can meter (the caller then
// passes it through as is).
func (s *Server) serveMetered(w http.ResponseWriter, r *http.Request, op string, rec *CallRecord) bool {
	write, ok := meteredDynamoOps[op]
	if !ok {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c, ok := s.meteredTarget(op, write, body)
	if !ok {
		return false
	}
	codec := jsonCodec{version: "1.0"}
	fail := func(e *APIError) bool {
		rec.ErrorCode = e.Code
		codec.writeError(w, nil, op, e)
		return true
	}
	if !s.capacity.admit(c.id, write) {
		return fail(s.keyRangeThrottled(c.id.table, write, rec.Region))
	}

	// A write to an item a transaction holds fails with TransactionConflictException
	// (transaction-apis, "Transaction conflict handling"); a read waits for it.
	unlock, conflicts := s.capacity.locks.acquire([]string{itemLockKey(c.id.table, c.sc.keys, c.key)}, false, write)
	if len(conflicts) > 0 {
		return fail(Errorf("TransactionConflictException", "Transaction is ongoing for the item"))
	}
	defer unlock()
	// A write to a table with global secondary indexes writes them too (see
	// dynamodb_index_writes.go): the item before and after tell what.
	indexed := write && len(c.sc.indexes) > 0
	var before map[string]json.RawMessage
	if indexed {
		if op == "PutItem" {
			if ix, ok := s.admitIndexPuts(c.sc, c.id.table, c.in.Item); !ok {
				return fail(s.partitionThrottled(ix, true, rec.Region))
			}
		}
		before = s.readItem(c.id.table, c.key)
	}
	// Ask dynalite for the consumed capacity whatever the caller asked.
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	fields["ReturnConsumedCapacity"] = json.RawMessage(`"TOTAL"`)
	resp, data, err := s.forwardJSON(r, fields)
	if err != nil {
		return fail(ErrorStatus(http.StatusServiceUnavailable, "ServiceUnavailable", "dynalite at %s is unreachable: %v", s.dynamoDB, err))
	}
	switch code := errorCodeOf(data); {
	case resp.StatusCode == http.StatusOK:
		data = s.chargeServed(c, indexed, before, data)
	case write && code == "ConditionalCheckFailedException":
		rec.ErrorCode = code
		data = s.chargeConditionFailed(c, data)
	default:
		rec.ErrorCode = code
	}
	writeReply(w, resp, data)
	return true
}

// meteredTarget reads a metered request: the table's schema, the item's key and its
// partition. It reports false for a request dynalite is left to answer (malformed, no
// such table, no partition key).
func (s *Server) meteredTarget(op string, write bool, body []byte) (meteredCall, bool) {
	c := meteredCall{op: op, write: write}
	if json.Unmarshal(body, &c.in) != nil || c.in.TableName == "" {
		return c, false // dynalite answers the malformed request
	}
	sc, err := s.tableSchema(tableNameOf(c.in.TableName))
	if err != nil {
		return c, false // no such table: dynalite says so
	}
	c.sc, c.key = sc, c.in.Key
	if op == "PutItem" {
		c.key = map[string]json.RawMessage{}
		for _, k := range sc.keys {
			c.key[k] = c.in.Item[k]
		}
	}
	pv, ok := c.key[sc.keys[0]]
	if !ok {
		return c, false // dynalite refuses the key
	}
	c.id = partitionID{table: tableNameOf(c.in.TableName), key: partitionKeyString(pv)}
	return c, true
}

// chargeServed charges a call dynalite served by dynalite's figure, plus its index writes
// (indexed: a write to a table with global secondary indexes, the item being before
// it), and returns dynalite's answer with the ConsumedCapacity the caller asked for.
func (s *Server) chargeServed(c meteredCall, indexed bool, before map[string]json.RawMessage, data []byte) []byte {
	var outFields map[string]json.RawMessage
	if json.Unmarshal(data, &outFields) != nil {
		return data
	}
	var cc struct{ CapacityUnits float64 }
	_ = json.Unmarshal(outFields["ConsumedCapacity"], &cc)
	s.capacity.charge(c.id, c.write, cc.CapacityUnits)
	var perIndex map[string]float64
	if indexed {
		var after map[string]json.RawMessage
		switch c.op {
		case "PutItem":
			after = c.in.Item
		case "UpdateItem":
			after = s.readItem(c.id.table, c.key)
		}
		perIndex = s.chargeIndexWrites(c.sc.indexWrites(c.id.table, before, after))
	}
	delete(outFields, "ConsumedCapacity")
	if member := consumedCapacity(c.in, c.id.table, cc.CapacityUnits, perIndex); member != nil {
		outFields["ConsumedCapacity"] = member
	}
	data, _ = json.Marshal(outFields)
	return data
}

// chargeConditionFailed charges a write whose condition failed: it still consumes write
// capacity, by the size of the item (read-write-operations, "Conditional writes");
// dynalite charges nothing for it, so the front reads the item and charges it here. It
// returns dynalite's error with the item when the caller asked for it.
func (s *Server) chargeConditionFailed(c meteredCall, data []byte) []byte {
	item := s.readItem(c.id.table, c.key)
	size := ItemSize(item)
	if c.op == "PutItem" {
		size = max(size, ItemSize(c.in.Item))
	}
	s.capacity.charge(c.id, true, WriteUnits(size, false))
	// ReturnValuesOnConditionCheckFailure=ALL_OLD returns the item with the error
	// (API_UpdateItem); dynalite ignores the option. The item read just now is the
	// one the condition failed on unless another write landed in between.
	if c.in.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && len(item) > 0 {
		var doc map[string]json.RawMessage
		if json.Unmarshal(data, &doc) == nil {
			doc["Item"], _ = json.Marshal(item)
			data, _ = json.Marshal(doc)
		}
	}
	return data
}

// keyRangeThrottled is the refusal of a request over a partition's ceiling. It is
// refused, not queued, and consumes nothing: ProvisionedThroughputExceededException
// with the throttling reason Table{Read,Write}KeyRangeThroughputExceeded, in both
// capacity modes (throttling-key-range-limit-exceeded-mitigation; API_ThrottlingReason).
func (s *Server) keyRangeThrottled(table string, write bool, region string) *APIError {
	return s.partitionThrottled(partitionID{table: table}, write, region)
}

// partitionThrottled is keyRangeThrottled for a partition of a table or of an index
// (reason Index{Read,Write}KeyRangeThroughputExceeded, the index's ARN as resource).
func (s *Server) partitionThrottled(id partitionID, write bool, region string) *APIError {
	kind, rw := "Table", "Read"
	if id.index != "" {
		kind = "Index"
	}
	if write {
		rw = "Write"
	}
	reason := kind + rw + "KeyRangeThroughputExceeded"
	resource := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", regionOr(region, s.defaultRegion), s.account, id.table)
	if id.index != "" {
		resource += "/index/" + id.index
	}
	return &APIError{Code: "ProvisionedThroughputExceededException", Status: http.StatusBadRequest,
		Message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
		Fields:  map[string]any{"ThrottlingReasons": []map[string]string{{"reason": reason, "resource": resource}}}}
}

// consumedCapacity is the ConsumedCapacity member the caller asked for: none unless
// ReturnConsumedCapacity is TOTAL or INDEXES (API_ConsumedCapacity).
func consumedCapacity(in meteredRequest, table string, units float64, perIndex map[string]float64) json.RawMessage {
	var c map[string]any
	total := units
	for _, u := range perIndex {
		total += u
	}
	switch in.ReturnConsumedCapacity {
	case "TOTAL":
		c = map[string]any{"TableName": table, "CapacityUnits": total}
	case "INDEXES":
		c = map[string]any{"TableName": table, "CapacityUnits": total, "Table": map[string]any{"CapacityUnits": units}}
		if len(perIndex) > 0 {
			gsi := map[string]any{}
			for n, u := range perIndex {
				gsi[n] = map[string]any{"CapacityUnits": u}
			}
			c["GlobalSecondaryIndexes"] = gsi
		}
	default:
		return nil
	}
	b, _ := json.Marshal(c)
	return b
}

func writeRaw(w http.ResponseWriter, resp *http.Response, data []byte) {
	// X-Amz-Crc32 is not copied: the body may have changed, and the SDK checks the
	// header when present.
	for _, h := range []string{"Content-Type", "X-Amzn-Requestid"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(data)
}

func partitionKeyString(v json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return string(v)
	}
	for t, val := range m {
		var s string
		if json.Unmarshal(val, &s) == nil {
			return t + ":" + s
		}
		return t + ":" + string(val)
	}
	return string(v)
}

func tableNameOf(name string) string {
	if i := strings.LastIndex(name, ":table/"); strings.HasPrefix(name, "arn:") && i >= 0 {
		return name[i+len(":table/"):]
	}
	return name
}

func regionOr(r, def string) string {
	if r != "" {
		return r
	}
	return def
}
