package governance_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

// The cap ledger's semantics are proven against dynalite, a real DynamoDB
// implementation, behind the emulator's DynamoDB front (which adds what dynalite lacks:
// transactions, consumed capacity, throttling, SigV4 and model validation), never
// against a fake.
func TestMain(m *testing.M) {
	p, err := dynalite.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynalite:", err)
		os.Exit(1)
	}
	front := httptest.NewServer(localaws.New(localaws.WithDynamoDB(p.Endpoint)))
	governance.SetTestDB(dynamodb.NewFromConfig(localaws.ClientConfig(front.URL, "us-east-1")))
	code := m.Run()
	front.Close()
	p.Stop()
	os.Exit(code)
}
