package governance

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	haikuUS = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/business01"
	novaEU  = "arn:aws:bedrock:eu-central-1:111122223333:application-inference-profile/degrade01"
)

func modelARNs(model string, regions ...string) []string {
	var out []string
	for _, r := range regions {
		out = append(out, "arn:aws:bedrock:"+r+"::foundation-model/"+model)
	}
	return out
}

func TestInvokePolicyGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		routes []ProfileRoute
	}{
		{"single_region", []ProfileRoute{{haikuUS, modelARNs("anthropic.claude-3-haiku-20240307-v1:0", "us-east-1")}}},
		{"cross_region_with_degrade", []ProfileRoute{
			{haikuUS, modelARNs("anthropic.claude-3-5-sonnet-20241022-v2:0", "us-west-2", "us-east-1", "us-east-2", "us-east-1")},
			{novaEU, modelARNs("amazon.nova-lite-v1:0", "eu-central-1", "eu-west-1", "eu-west-3")},
		}},
	} {
		got, err := InvokePolicy("business", tc.routes)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		golden(t, tc.name, got)
		var doc map[string]any
		if err := json.Unmarshal([]byte(got), &doc); err != nil {
			t.Fatalf("%s: not JSON: %v", tc.name, err)
		}
		if strings.Count(got, "us-east-1::foundation-model") > 1 {
			t.Errorf("%s: duplicate resources", tc.name)
		}
	}
	got, err := EnforcerCallerPolicy("business", "arn:aws:lambda:us-east-1:111122223333:function:bedgov")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "enforcer_caller", got)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if strings.TrimSpace(string(want)) != got {
		t.Errorf("%s differs from %s:\n got %s\nwant %s", name, path, got, want)
	}
}

func TestInvokePolicyErrors(t *testing.T) {
	t.Parallel()
	if _, err := InvokePolicy("t", nil); err == nil {
		t.Error("empty accepted")
	}
	if _, err := InvokePolicy("t", []ProfileRoute{{"arn:aws:s3:::b", modelARNs("m", "us-east-1")}}); err == nil {
		t.Error("bad profile accepted")
	}
	if _, err := InvokePolicy("t", []ProfileRoute{{haikuUS, nil}}); err == nil {
		t.Error("no models accepted")
	}
	if _, err := InvokePolicy("t", []ProfileRoute{{haikuUS, []string{"arn:aws:bedrock:us-east-1::custom/x"}}}); err == nil {
		t.Error("bad model accepted")
	}
	// Too many Regions: the builder refuses before any API call would.
	var routes []ProfileRoute
	for i := 0; i < 8; i++ {
		var regions []string
		for j := 0; j < 12; j++ {
			regions = append(regions, fmt.Sprintf("us-region-%d", j))
		}
		routes = append(routes, ProfileRoute{fmt.Sprintf("%s%d", haikuUS, i), modelARNs(fmt.Sprintf("anthropic.model-%d-v1:0", i), regions...)})
	}
	_, err := InvokePolicy("t", routes)
	if !errors.Is(err, ErrPolicyTooLarge) || !strings.Contains(err.Error(), "of 6144 characters") {
		t.Errorf("oversize err = %v", err)
	}
	if _, err := EnforcerCallerPolicy("t", "arn:aws:iam::1:role/x"); err == nil {
		t.Error("bad function accepted")
	}
}

func TestPolicySize(t *testing.T) {
	t.Parallel()
	if n := PolicySize("{ \"a b\" : [ \"c\\\" d\" ] }\n"); n != len(`{"a b":["c\" d"]}`) {
		t.Errorf("size = %d", n)
	}
}
