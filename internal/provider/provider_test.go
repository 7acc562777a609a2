package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
)

func TestMain(m *testing.M) {
	acctest.Main(m)
}

// Bad provider configuration fails at plan with a message that names the value.
func TestAccProvider_invalidConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"region", `provider "bedgov" { region = "useast1" }`, `must be an AWS region name such as us-east-1`},
		{"endpoint", `provider "bedgov" {
  region = "us-east-1"
  endpoints { sts = "localhost:4566" }
}`, `is not an absolute http\(s\) URL`},
		{"role_arn", `provider "bedgov" {
  region = "us-east-1"
  assume_role { role_arn = "arn:aws:iam::123456789012:user/bob" }
}`, `is not an IAM role\s+ARN`},
		{"duration", `provider "bedgov" {
  region = "us-east-1"
  assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer"
    duration = "13h"
  }
}`, `must be between 15m0s and 12h0m0s`},
		{"missing role_arn", `provider "bedgov" {
  region = "us-east-1"
  assume_role { session_name = "ci" }
}`, `The assume_role block needs role_arn`},
		{"max_retries", `provider "bedgov" {
  region      = "us-east-1"
  max_retries = -1
}`, `max_retries value must be between 0 and 100`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config + "\ndata \"bedgov_caller_identity\" \"current\" {}\n",
					ExpectError: regexp.MustCompile(tc.want),
					PlanOnly:    true,
				}},
			})
		})
	}
}
