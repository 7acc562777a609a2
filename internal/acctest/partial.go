package acctest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// FailingCall is one AWS call a partial-create test makes fail: the Nth call (1-based;
// 0 means the first) of Service/Operation counted from the start of the create.
type FailingCall struct {
	Service, Operation string
	Nth                int
}

// Calls is a list of failing calls written "service:Operation", or
// "service:Operation#n" for the nth call.
func Calls(specs ...string) []FailingCall {
	out := make([]FailingCall, 0, len(specs))
	for _, spec := range specs {
		var f FailingCall
		call, nth, numbered := strings.Cut(spec, "#")
		f.Service, f.Operation, _ = strings.Cut(call, ":")
		if numbered {
			n, err := strconv.Atoi(nth)
			if err != nil || n < 1 {
				panic("acctest.Calls: bad call number in " + spec)
			}
			f.Nth = n
		}
		if f.Service == "" || f.Operation == "" {
			panic("acctest.Calls: want service:Operation, got " + spec)
		}
		out = append(out, f)
	}
	return out
}

// name is the subtest's name: service_operation, with _nth when Nth is given.
func (f FailingCall) name() string {
	if f.Nth == 0 {
		return f.Service + "_" + f.Operation
	}
	return fmt.Sprintf("%s_%s_%d", f.Service, f.Operation, f.Nth)
}

// PartialCreateRun is one subtest's configuration and checks.
type PartialCreateRun struct {
	Config string
	// Converged checks what the apply after the failure made.
	Converged resource.TestCheckFunc
	// CheckDestroy asks the API, not the state, that destroy removed everything.
	CheckDestroy resource.TestCheckFunc
}

// PartialCreate proves that a failure at any create step leaves nothing orphaned. For
// each call it runs a subtest in which that call fails during the create (the apply
// must report "injected failure"); the same configuration applied again must converge
// (Converged), and destroy must remove everything (CheckDestroy). setup runs inside
// each subtest, so it can make fresh names and prerequisites.
//
// Not parallel: an injected fault matches any caller.
func PartialCreate(t *testing.T, calls []FailingCall, setup func(t *testing.T) PartialCreateRun) {
	t.Helper()
	for _, call := range calls {
		t.Run(call.name(), func(t *testing.T) {
			run := setup(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: ProtoV6ProviderFactories,
				CheckDestroy:             run.CheckDestroy,
				Steps: []resource.TestStep{
					{
						PreConfig: func() {
							FailNextCall(t, call.Service, call.Operation, max(call.Nth, 1), "ValidationException", "injected failure")
						},
						Config:      run.Config,
						ExpectError: regexp.MustCompile(`injected failure`),
					},
					{Config: run.Config, Check: run.Converged},
				},
			})
		})
	}
}
