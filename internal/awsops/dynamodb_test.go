package awsops_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/dynalite"
)

func TestCapTableLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dyn, err := dynalite.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dyn.Stop)
	ts := httptest.NewServer(localaws.New(localaws.WithDynamoDB(dyn.Endpoint)))
	t.Cleanup(ts.Close)
	c := dynamodb.NewFromConfig(localaws.ClientConfig(ts.URL, "us-east-1"))

	arn, err := awsops.CreateCapTable(ctx, c, "bedgov-caps", map[string]string{"team": "platform"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := awsops.FindCapTable(ctx, c, "bedgov-caps")
	if err != nil {
		t.Fatal(err)
	}
	if st.ARN != arn || !st.TTL || !st.PITR {
		t.Fatalf("table state = %+v, want TTL and PITR on", st)
	}
	if err := awsops.SyncTags(ctx, awsops.TableTagger(c), arn, map[string]string{"env": "prod"}); err != nil {
		t.Fatal(err)
	}
	if err := awsops.DeleteTable(ctx, c, "bedgov-caps"); err != nil {
		t.Fatal(err)
	}
	if err := awsops.DeleteTable(ctx, c, "bedgov-caps"); err != nil {
		t.Fatalf("second delete must be done: %v", err)
	}
	if _, err := awsops.FindCapTable(ctx, c, "bedgov-caps"); !awsops.IsNotFound(err) {
		t.Fatalf("find deleted table = %v", err)
	}
}
