package localaws_test

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

// checkEveryResponseWalked runs after the whole package's tests: every emulated
// operation must have answered at least one call whose response went through the
// model's output shape (localaws checks every response it sends). A run narrowed with
// -run is not the whole suite and is not judged.
func checkEveryResponseWalked() int {
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		return 0
	}
	walked := map[string]bool{}
	for _, op := range localaws.ModelCheckedOperations() {
		walked[op] = true
	}
	var missing []string
	all := localaws.EmulatedOperations()
	for _, op := range all {
		if _, newer := localaws.NewerThanModels(op); newer {
			continue // no model to walk it through
		}
		if !walked[op] {
			missing = append(missing, op)
		}
	}
	sort.Strings(missing)
	st := localaws.ModelCheckStats()
	fmt.Printf("localaws model checks: %d of %d emulated operations' responses walked through their output shapes; %d requests and %d responses checked, %d requests refused\n",
		len(all)-len(missing), len(all), st.Requests, st.Responses, st.Refused)
	if d := localaws.ModelDefects(); len(d) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: streamed responses broke AWS's model: %v\n", d)
		return 1
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: no test made these emulated operations answer, so their responses were never checked against AWS's model: %v\n", missing)
		return 1
	}
	return 0
}
