package localaws

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// transactTokenWindow is how long a ClientRequestToken stays valid after its call.
const transactTokenWindow = 10 * time.Minute

type transactToken struct {
	sum [32]byte // of the call without its token, canonical JSON
	at  time.Time
}

// tokenCheck looks a call's token up: replay (a repeat of a successful call), mismatch
// (another call with the token), or neither.
func (m *capacityMeter) tokenCheck(token string, sum [32]byte) (replay, mismatch bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	// Tokens are recorded in time order: the expired ones are at the front.
	for len(m.tokenOrder) > 0 {
		k := m.tokenOrder[0]
		if t, ok := m.tokens[k]; ok && now.Sub(t.at) <= transactTokenWindow {
			break
		}
		delete(m.tokens, k)
		m.tokenOrder = m.tokenOrder[1:]
	}
	t, ok := m.tokens[token]
	if !ok {
		return false, false
	}
	return t.sum == sum, t.sum != sum
}

func (m *capacityMeter) tokenDone(token string, sum [32]byte) {
	m.mu.Lock()
	m.tokens[token] = transactToken{sum: sum, at: m.now()}
	m.tokenOrder = append(m.tokenOrder, token)
	m.mu.Unlock()
}

// callSum is the digest of a call without its ClientRequestToken, in canonical JSON
// (map keys sorted), so that the same call serialised twice digests the same.
func callSum(body []byte) [32]byte {
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	delete(v, "ClientRequestToken")
	b, _ := json.Marshal(v)
	return sha256.Sum256(b)
}

// TransactWriteItems, which dynalite 4.0 lacks, is served by the front on top of
// dynalite's single-item writes: every item a transaction touches is held (see
// itemLocks: a transaction or write meeting a held item fails with DynamoDB's conflict
// errors, a read waits, so nothing going through the emulator sees a transaction half
// done), its actions are applied in order as conditional writes that
// return the item before, and if any condition fails every applied action is undone from
// those images and the call fails with TransactionCanceledException, one cancellation
// reason per action (API_TransactWriteItems). Each item is charged twice the write
// units of a plain write ("transactional ... two write request units", read-write-
// operations), ConditionCheck included. A ClientRequestToken seen on a successful call
// in the last 10 minutes makes a repeat of that call change nothing, and a different call
// with it fail with IdempotentParameterMismatchException (API_TransactWriteItems); the
// SDK sends one with every call and keeps it across retries.

// itemLocks hold the items calls are working on: a transaction holds every item it
// touches until it is done; a single-item call holds its item. A transaction never waits
// for another one: an item held by a transaction in progress cancels a transaction that
// touches it (reason TransactionConflict) and fails a PutItem, UpdateItem or DeleteItem
// with TransactionConflictException ("Transaction conflict handling in DynamoDB",
// transaction-apis). Anything else waits for a single-item call's short hold: a GetItem
// waits for a transaction to finish, so it never sees one half done (reads are
// read-committed, transaction-apis "Isolation levels").
type itemLocks struct {
	mu   sync.Mutex
	held map[string]*itemHold
}

type itemHold struct {
	transaction bool
	done        chan struct{}
}

// itemLockKey is the lock key of an item: its table and canonical primary key.
func itemLockKey(table string, keys []string, key map[string]json.RawMessage) string {
	return table + "\x00" + itemKeyString(keys, key)
}

// acquire takes all of items, or none. With conflictOnTransaction, an item held by a
// transaction is not waited for: acquire returns at once with the indexes of every such
// item (and takes nothing). Otherwise it waits until the items are free.
func (l *itemLocks) acquire(items []string, transaction, conflictOnTransaction bool) (release func(), conflicts []int) {
	for {
		l.mu.Lock()
		if l.held == nil {
			l.held = map[string]*itemHold{}
		}
		var wait chan struct{}
		conflicts = nil
		for i, k := range items {
			h := l.held[k]
			switch {
			case h == nil:
			case h.transaction && conflictOnTransaction:
				conflicts = append(conflicts, i)
			case wait == nil:
				wait = h.done
			}
		}
		if len(conflicts) > 0 {
			l.mu.Unlock()
			return nil, conflicts
		}
		if wait != nil {
			l.mu.Unlock()
			<-wait
			continue
		}
		h := &itemHold{transaction: transaction, done: make(chan struct{})}
		for _, k := range items {
			l.held[k] = h
		}
		l.mu.Unlock()
		return func() {
			l.mu.Lock()
			for _, k := range items {
				delete(l.held, k)
			}
			l.mu.Unlock()
			close(h.done)
		}, nil
	}
}

// itemKeyString is the canonical primary key of an item of a table with key schema keys.
func itemKeyString(keys []string, item map[string]json.RawMessage) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = partitionKeyString(item[k])
	}
	return strings.Join(parts, "\x00")
}

type transactAction struct {
	TableName                           string
	Key                                 map[string]json.RawMessage
	Item                                map[string]json.RawMessage
	ConditionExpression                 *string
	UpdateExpression                    *string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]json.RawMessage
	ReturnValuesOnConditionCheckFailure string
}

type transactWriteItem struct {
	ConditionCheck, Put, Update, Delete *transactAction
}

type transactWriteInput struct {
	TransactItems          []transactWriteItem
	ReturnConsumedCapacity string
	ClientRequestToken     string
}

// applied is an action done, and how to undo it.
type applied struct {
	table string
	key   map[string]json.RawMessage
	old   map[string]json.RawMessage // nil: the item did not exist
}

// transactStep is one action of a TransactWriteItems, as the front reads it.
type transactStep struct {
	kind  string // ConditionCheck, Put, Update or Delete
	a     *transactAction
	table string
	key   map[string]json.RawMessage // the item's primary key
	id    partitionID
	lock  string // itemLockKey
	sc    tableSchema
}

// transactOutcome is what applying a transaction's actions did.
type transactOutcome struct {
	done  []applied
	units []float64 // each action's write units
	// The items before and after each write, for the index writes (tables with GSIs).
	befores, afters []map[string]json.RawMessage
	reasons         []map[string]any // each action's cancellation reason
	canceled        bool
}

func (s *Server) serveTransactWrite(w http.ResponseWriter, r *http.Request, rec *CallRecord) {
	codec := jsonCodec{version: "1.0"}
	fail := func(e *APIError) {
		rec.ErrorCode = e.Code
		codec.writeError(w, nil, "TransactWriteItems", e)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody))
	if err != nil {
		fail(Errorf("SerializationException", "reading the request body: %v", err))
		return
	}
	in, steps, e := s.readTransactWrite(body)
	if e == nil {
		e = s.admitTransactWrite(steps, rec.Region)
	}
	if e != nil {
		fail(e)
		return
	}
	items := make([]string, len(steps))
	for i, st := range steps {
		items[i] = st.lock
	}
	unlock, conflicts := s.capacity.locks.acquire(items, true, true)
	if len(conflicts) > 0 {
		fail(transactConflicted(len(steps), conflicts))
		return
	}
	defer unlock()
	sum := callSum(body)
	if in.ClientRequestToken != "" {
		switch replay, mismatch := s.capacity.tokenCheck(in.ClientRequestToken, sum); {
		case mismatch:
			fail(Errorf("IdempotentParameterMismatchException", "ClientRequestToken %s was used with other parameters in the last 10 minutes", in.ClientRequestToken))
			return
		case replay:
			// Already done: nothing changes (DynamoDB then reports read units for
			// reading the items; the emulator reports none).
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("{}"))
			return
		}
	}

	o := s.applyTransactWrite(steps)
	for i, st := range steps {
		if o.units[i] > 0 {
			s.capacity.charge(st.id, true, o.units[i])
		}
	}
	if o.canceled {
		s.undoTransactWrite(o.done)
		fail(transactCanceled(o.reasons))
		return
	}
	if in.ClientRequestToken != "" {
		s.capacity.tokenDone(in.ClientRequestToken, sum)
	}
	for i, st := range steps {
		if len(st.sc.indexes) > 0 && st.kind != "ConditionCheck" {
			for _, u := range s.chargeIndexWrites(st.sc.indexWrites(st.table, o.befores[i], o.afters[i])) {
				o.units[i] += u
			}
		}
	}
	resp := map[string]any{}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		resp["ConsumedCapacity"] = transactConsumed(steps, o.units)
	}
	data, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// readTransactWrite reads and validates a TransactWriteItems: one action per item, each
// on a table that exists, no item twice.
func (s *Server) readTransactWrite(body []byte) (transactWriteInput, []transactStep, *APIError) {
	var in transactWriteInput
	if err := json.Unmarshal(body, &in); err != nil {
		return in, nil, Errorf("SerializationException", "%v", err)
	}
	if n := len(in.TransactItems); n < 1 || n > 100 {
		return in, nil, dynamoValidation("transactItems", fmt.Sprint(n), "Member must have length less than or equal to 100 and greater than or equal to 1")
	}
	steps := make([]transactStep, len(in.TransactItems))
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		st := transactStep{}
		n := 0
		for kind, a := range map[string]*transactAction{"ConditionCheck": ti.ConditionCheck, "Put": ti.Put, "Update": ti.Update, "Delete": ti.Delete} {
			if a != nil {
				st.kind, st.a = kind, a
				n++
			}
		}
		if n != 1 {
			return in, nil, ErrValidation("TransactItems[%d] must have exactly one of ConditionCheck, Put, Update, Delete", i)
		}
		st.table = tableNameOf(st.a.TableName)
		sc, err := s.tableSchema(st.table)
		if err != nil {
			return in, nil, Errorf("ResourceNotFoundException", "Requested resource not found")
		}
		keys := sc.keys
		st.sc = sc
		st.key = st.a.Key
		if st.kind == "Put" {
			st.key = map[string]json.RawMessage{}
			for _, k := range keys {
				st.key[k] = st.a.Item[k]
			}
		}
		if st.kind == "ConditionCheck" && st.a.ConditionExpression == nil {
			return in, nil, ErrValidation("TransactItems[%d].ConditionCheck needs a ConditionExpression", i)
		}
		st.lock = itemLockKey(st.table, keys, st.key)
		if seen[st.lock] {
			return in, nil, ErrValidation("Transaction request cannot include multiple operations on one item")
		}
		seen[st.lock] = true
		st.id = partitionID{table: st.table, key: partitionKeyString(st.key[keys[0]])}
		steps[i] = st
	}
	return in, steps, nil
}

// admitTransactWrite admits every action's partition, and the index partitions its Put
// items would be written to: the refusal of the first one over its ceiling, if any.
func (s *Server) admitTransactWrite(steps []transactStep, region string) *APIError {
	for _, st := range steps {
		if !s.capacity.admit(st.id, true) {
			return s.keyRangeThrottled(st.table, true, region)
		}
	}
	for _, st := range steps {
		if st.kind == "Put" && len(st.sc.indexes) > 0 {
			if ix, ok := s.admitIndexPuts(st.sc, st.table, st.a.Item); !ok {
				return s.partitionThrottled(ix, true, region)
			}
		}
	}
	return nil
}

// transactConflicted is the cancellation of a transaction some of whose items another
// transaction is working on: TransactionConflict for those items and None for the rest
// (API_CancellationReason). The Go SDK retries neither this nor
// TransactionConflictException (neither is in aws/retry's retryable or throttle codes):
// the caller must.
func transactConflicted(n int, conflicts []int) *APIError {
	reasons := make([]map[string]any, n)
	for i := range reasons {
		reasons[i] = map[string]any{"Code": "None"}
	}
	for _, i := range conflicts {
		reasons[i] = map[string]any{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
	}
	return transactCanceled(reasons)
}

// transactCanceled is TransactionCanceledException with one reason per action.
func transactCanceled(reasons []map[string]any) *APIError {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r["Code"].(string)
	}
	return &APIError{Code: "TransactionCanceledException", Status: http.StatusBadRequest,
		Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		Fields:  map[string]any{"CancellationReasons": reasons}}
}

// transactRequest is the dynalite call that applies an action: a conditional write that
// returns the item before.
func transactRequest(st transactStep) (op string, req map[string]any) {
	req = map[string]any{"TableName": st.table, "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "TOTAL"}
	if st.a.ConditionExpression != nil {
		req["ConditionExpression"] = *st.a.ConditionExpression
	}
	if len(st.a.ExpressionAttributeNames) > 0 {
		req["ExpressionAttributeNames"] = st.a.ExpressionAttributeNames
	}
	if len(st.a.ExpressionAttributeValues) > 0 {
		req["ExpressionAttributeValues"] = st.a.ExpressionAttributeValues
	}
	switch st.kind {
	case "Put":
		op, req["Item"] = "PutItem", st.a.Item
	case "Update":
		op, req["Key"], req["UpdateExpression"] = "UpdateItem", st.key, deref(st.a.UpdateExpression)
	case "Delete":
		op, req["Key"] = "DeleteItem", st.key
	case "ConditionCheck":
		// A conditional update that changes nothing: removing an attribute no item
		// has. On an absent item it creates the bare key, undone by applyTransactWrite.
		names := map[string]string{"#bedgovNoSuchAttr": "bedgov:transact:none"}
		for k, v := range st.a.ExpressionAttributeNames {
			names[k] = v
		}
		op, req["Key"], req["UpdateExpression"], req["ExpressionAttributeNames"] = "UpdateItem", st.key, "REMOVE #bedgovNoSuchAttr", names
	}
	return op, req
}

// applyTransactWrite applies the actions in order until one fails; the actions after it
// are not applied, but their conditions are still evaluated: DynamoDB's cancellation
// reasons give an error for each item that caused the cancellation and None for the
// others (API reference, CancellationReason).
func (s *Server) applyTransactWrite(steps []transactStep) transactOutcome {
	o := transactOutcome{
		units:   make([]float64, len(steps)),
		befores: make([]map[string]json.RawMessage, len(steps)),
		afters:  make([]map[string]json.RawMessage, len(steps)),
		reasons: make([]map[string]any, len(steps)),
	}
	for i, st := range steps {
		o.reasons[i] = map[string]any{"Code": "None"}
		if o.canceled {
			if st.a.ConditionExpression != nil {
				s.checkOnly(st, &o, i)
			}
			continue
		}
		op, req := transactRequest(st)
		var out struct {
			Attributes       map[string]json.RawMessage
			ConsumedCapacity struct{ CapacityUnits float64 }
		}
		err := s.dynaliteCall(op, req, &out)
		switch {
		case err == nil:
			o.done = append(o.done, applied{table: st.table, key: st.key, old: out.Attributes})
			o.units[i] = 2 * out.ConsumedCapacity.CapacityUnits
			if len(st.sc.indexes) > 0 && st.kind != "ConditionCheck" {
				o.befores[i] = out.Attributes
				switch st.kind {
				case "Put":
					o.afters[i] = st.a.Item
				case "Update":
					o.afters[i] = s.readItem(st.table, st.key)
				}
			}
			if st.kind == "ConditionCheck" && out.Attributes == nil {
				// undo the bare key at once: the check wrote nothing
				_ = s.dynaliteCall("DeleteItem", map[string]any{"TableName": st.table, "Key": st.key}, &struct{}{})
				o.done = o.done[:len(o.done)-1]
			}
		case strings.Contains(err.Error(), "ConditionalCheckFailedException"):
			o.canceled = true
			s.conditionFailed(st, &o, i)
		default:
			o.canceled = true
			o.reasons[i] = map[string]any{"Code": "ValidationError", "Message": err.Error()}
		}
	}
	return o
}

// conditionFailed records action i's failed condition: its reason, with the item if
// asked, and the units the failed write consumed.
func (s *Server) conditionFailed(st transactStep, o *transactOutcome, i int) {
	reason := map[string]any{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
	item := s.readItem(st.table, st.key)
	if st.a.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && len(item) > 0 {
		reason["Item"] = item
	}
	o.reasons[i] = reason
	o.units[i] = 2 * WriteUnits(ItemSize(item), false)
}

// checkOnly evaluates the condition of action i of a cancelled transaction without
// applying it (as a ConditionCheck, with only the names and values the condition uses,
// which DynamoDB requires of an expression).
func (s *Server) checkOnly(st transactStep, o *transactOutcome, i int) {
	cond := *st.a.ConditionExpression
	check := *st.a
	check.ExpressionAttributeNames, check.ExpressionAttributeValues = nil, nil
	for k, v := range st.a.ExpressionAttributeNames {
		if usesPlaceholder(cond, k) {
			if check.ExpressionAttributeNames == nil {
				check.ExpressionAttributeNames = map[string]string{}
			}
			check.ExpressionAttributeNames[k] = v
		}
	}
	for k, v := range st.a.ExpressionAttributeValues {
		if usesPlaceholder(cond, k) {
			if check.ExpressionAttributeValues == nil {
				check.ExpressionAttributeValues = map[string]json.RawMessage{}
			}
			check.ExpressionAttributeValues[k] = v
		}
	}
	cs := st
	cs.kind, cs.a = "ConditionCheck", &check
	op, req := transactRequest(cs)
	var out struct{ Attributes map[string]json.RawMessage }
	err := s.dynaliteCall(op, req, &out)
	switch {
	case err == nil && out.Attributes == nil:
		_ = s.dynaliteCall("DeleteItem", map[string]any{"TableName": st.table, "Key": st.key}, &struct{}{}) // the bare key the check made
	case err != nil && strings.Contains(err.Error(), "ConditionalCheckFailedException"):
		s.conditionFailed(st, o, i)
	}
}

// usesPlaceholder reports whether expression expr uses placeholder p (#name or :value)
// as a whole token.
func usesPlaceholder(expr, p string) bool {
	for i := strings.Index(expr, p); i >= 0; {
		end := i + len(p)
		if end == len(expr) || !isWordByte(expr[end]) {
			return true
		}
		next := strings.Index(expr[end:], p)
		if next < 0 {
			return false
		}
		i = end + next
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// undoTransactWrite undoes applied actions, last first, from the items before them.
func (s *Server) undoTransactWrite(done []applied) {
	for i := len(done) - 1; i >= 0; i-- {
		d := done[i]
		if d.old == nil {
			_ = s.dynaliteCall("DeleteItem", map[string]any{"TableName": d.table, "Key": d.key}, &struct{}{})
		} else {
			_ = s.dynaliteCall("PutItem", map[string]any{"TableName": d.table, "Item": d.old}, &struct{}{})
		}
	}
}

// transactConsumed is a transaction's ConsumedCapacity: the units per table, in the
// order the tables first appear.
func transactConsumed(steps []transactStep, units []float64) []map[string]any {
	per := map[string]float64{}
	var order []string
	for i, st := range steps {
		if _, ok := per[st.table]; !ok {
			order = append(order, st.table)
		}
		per[st.table] += units[i]
	}
	var cc []map[string]any
	for _, t := range order {
		cc = append(cc, map[string]any{"TableName": t, "CapacityUnits": per[t]})
	}
	return cc
}
