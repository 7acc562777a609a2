package clientsuite_test

import (
	"testing"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
)

func TestMain(m *testing.M) { acctest.MainSubset(m) }
