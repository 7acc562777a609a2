package localaws

import (
	"context"
	"sync"
	"time"
)

// Fault is an injected failure or delay. It matches calls of Service, Operation and
// Region (empty matches any; services are the logical names: bedrock, bedrock-runtime,
// lambda, iam, sts, sns, budgets, ce, logs, cloudwatch, dynamodb). Tests that share one
// emulator can keep their faults apart by using a region of their own.
//
// Of the matching calls, the first Skip pass untouched; the next Times calls (every
// later call when Times is 0) get Latency added and, when Err is set, fail with Err
// instead of reaching the operation. "Fail the 3rd CreatePolicy once" is
// Fault{Service: "iam", Operation: "CreatePolicy", Skip: 2, Times: 1, Err: ErrThrottling()}.
type Fault struct {
	Service   string        `json:"service,omitempty"`
	Operation string        `json:"operation,omitempty"`
	Region    string        `json:"region,omitempty"`
	Skip      int           `json:"skip,omitempty"`
	Times     int           `json:"times,omitempty"`
	Latency   time.Duration `json:"latency,omitempty"`
	Err       *APIError     `json:"error,omitempty"`
}

type faultState struct {
	id      int
	f       Fault
	seen    int
	applied int
}

type faultSet struct {
	mu     sync.Mutex
	nextID int
	list   []*faultState
}

// InjectFault adds a fault and returns its id (for RemoveFault).
func (s *Server) InjectFault(f Fault) int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.nextID++
	s.faults.list = append(s.faults.list, &faultState{id: s.faults.nextID, f: f})
	return s.faults.nextID
}

// RemoveFault removes one fault.
func (s *Server) RemoveFault(id int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for i, st := range s.faults.list {
		if st.id == id {
			s.faults.list = append(s.faults.list[:i], s.faults.list[i+1:]...)
			return
		}
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.list = nil
	s.faults.mu.Unlock()
}

// FailNth fails the nth (1-based) call of service+operation, once, with err.
func (s *Server) FailNth(service, operation string, n int, err *APIError) int {
	return s.InjectFault(Fault{Service: service, Operation: operation, Skip: n - 1, Times: 1, Err: err})
}

// FailTimes fails the next n calls of service+operation with err.
func (s *Server) FailTimes(service, operation string, n int, err *APIError) int {
	return s.InjectFault(Fault{Service: service, Operation: operation, Times: n, Err: err})
}

// FailAlways fails every call of service+operation with err until removed.
func (s *Server) FailAlways(service, operation string, err *APIError) int {
	return s.InjectFault(Fault{Service: service, Operation: operation, Err: err})
}

// AddLatency delays every call of service+operation ("" for any) by d until removed.
func (s *Server) AddLatency(service, operation string, d time.Duration) int {
	return s.InjectFault(Fault{Service: service, Operation: operation, Latency: d})
}

// apply counts the call against every matching fault, sleeps the added latency and
// returns the error to answer with, if any.
func (fs *faultSet) apply(ctx context.Context, service, operation, region string) *APIError {
	var delay time.Duration
	var err *APIError
	fs.mu.Lock()
	for _, st := range fs.list {
		f := st.f
		if (f.Service != "" && f.Service != service) || (f.Operation != "" && f.Operation != operation) || (f.Region != "" && f.Region != region) {
			continue
		}
		st.seen++
		if st.seen <= f.Skip || (f.Times > 0 && st.applied >= f.Times) {
			continue
		}
		st.applied++
		delay += f.Latency
		if err == nil && f.Err != nil {
			e := *f.Err
			err = &e
		}
	}
	fs.mu.Unlock()
	sleepCtx(ctx, delay)
	return err
}
