package provider_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/bedgov/terraform-provider-bedgov/internal/provider"
)

// BenchmarkGetProviderSchema measures what Terraform waits for before anything else: a
// new provider server answering GetProviderSchema (every resource and data source
// schema built and converted to the protocol). A new server per iteration, as each
// Terraform command starts a new provider process.
func BenchmarkGetProviderSchema(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		srv := providerserver.NewProtocol6(provider.New("bench")())()
		resp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		if err != nil || len(resp.ResourceSchemas) == 0 || len(resp.Diagnostics) > 0 {
			b.Fatalf("schema: %v %v", err, resp.Diagnostics)
		}
	}
}
