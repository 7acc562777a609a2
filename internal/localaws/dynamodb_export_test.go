package localaws

import "encoding/json"

// HoldForTransaction holds a DynamoDB item as a transaction in progress does, until
// release is called, so that tests can meet a transaction mid-flight without racing.
// pk is the item's partition key, a string (tables keyed by one S attribute).
func (s *Server) HoldForTransaction(table, pk string) (release func()) {
	sc, err := s.tableSchema(table)
	if err != nil {
		panic(err)
	}
	keys := sc.keys
	v, _ := json.Marshal(map[string]string{"S": pk})
	release, conflicts := s.capacity.locks.acquire([]string{itemLockKey(table, keys, map[string]json.RawMessage{keys[0]: v})}, true, true)
	if conflicts != nil {
		panic("item already held")
	}
	return release
}
