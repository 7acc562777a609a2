package localaws

import (
	"testing"
)

// Every operation the emulator routes is defined by AWS's model of its service, so
// every request it answers is validated (a new operation without a model fails here).
func TestEveryOperationHasModel(t *testing.T) {
	s := New()
	n := 0
	for _, name := range sortedKeys(s.services) {
		sv := s.services[name]
		ops := sortedKeys(sv.ops)
		m, err := ModelOf(name)
		if err != nil {
			// A service without a model passes only if every one of its operations is
			// named, with its reference, in newerThanModels.
			for _, op := range ops {
				n++
				if why, newer := NewerThanModels(name + "." + op); newer {
					t.Logf("%s.%s: no AWS model (%s)", name, op, why)
					continue
				}
				t.Errorf("service %s: %v, and %s is not listed in newerThanModels", name, err, op)
			}
			continue
		}
		for _, op := range ops {
			n++
			mo := m.Operation(op)
			if why, newer := NewerThanModels(name + "." + op); newer {
				if mo != nil {
					t.Errorf("%s.%s is listed as newer than the models (%s), but the model has it: validate it", name, op, why)
				}
				t.Logf("%s.%s: newer than AWS's models (%s)", name, op, why)
				continue
			}
			if mo == nil {
				t.Errorf("%s.%s: AWS's %s model has no such operation", name, op, m.SDKID)
				continue
			}
			o := sv.ops[op]
			if (sv.Protocol == RESTJSON1 || sv.Protocol == RESTXML) && mo.HTTP != nil && o.Method != mo.HTTP.Method {
				t.Errorf("%s.%s: routed as %s, AWS's model says %s %s", name, op, o.Method, mo.HTTP.Method, mo.HTTP.URI)
			}
		}
	}
	if n == 0 {
		t.Fatal("no operations registered")
	}
	t.Logf("%d emulated operations, each with its model", n)
}

// Every entry of newerThanModels names an operation the emulator routes: a stale entry
// would excuse nothing and hide that the exception list no longer matches the emulator.
// (That every emulated operation's responses went through the model's output shapes is
// judged after the whole package's tests, in checkEveryResponseWalked.)
func TestNewerThanModelsListsOnlyEmulatedOperations(t *testing.T) {
	emulated := map[string]bool{}
	for _, op := range EmulatedOperations() {
		emulated[op] = true
	}
	if len(newerThanModels) == 0 {
		t.Fatal("newerThanModels is empty: TestEveryOperationHasModel's exceptions were not exercised")
	}
	for _, op := range sortedKeys(newerThanModels) {
		if !emulated[op] {
			t.Errorf("newerThanModels lists %s (%s), which the emulator does not route", op, newerThanModels[op])
		}
	}
}
