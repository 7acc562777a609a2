package iamsim

import (
	"fmt"
	"testing"
)

const admin = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func TestDecide(t *testing.T) {
	s, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	r := Request{Principal: "arn:aws:iam::123456789012:role/r", Action: "bedrock:InvokeModel", Account: "123456789012",
		Resource: "arn:aws:bedrock:us-east-1::foundation-model/m"}
	if d, err := s.Decide(r); err != nil || d != ImplicitlyDenied {
		t.Fatalf("no policy: %s %v", d, err)
	}
	r.IdentityPolicies = []Policy{{Name: "admin", Policy: admin}}
	if d, err := s.Decide(r); err != nil || d != Allowed {
		t.Fatalf("admin: %s %v", d, err)
	}
}

// BenchmarkDecide measures one decision: evaluated by the process (distinct requests)
// and answered from the cache (a repeated request).
func BenchmarkDecide(b *testing.B) {
	s, err := Shared()
	if err != nil {
		b.Fatal(err)
	}
	base := Request{Principal: "arn:aws:iam::123456789012:role/r", Action: "bedrock:InvokeModel", Account: "123456789012",
		IdentityPolicies: []Policy{{Name: "admin", Policy: admin}}}
	b.Run("evaluated", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := base
			r.Resource = fmt.Sprintf("arn:aws:bedrock:us-east-1::foundation-model/bench-%d-%d", b.N, i)
			if _, err := s.Decide(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		r := base
		r.Resource = "arn:aws:bedrock:us-east-1::foundation-model/cached"
		for i := 0; i < b.N; i++ {
			if _, err := s.Decide(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
