package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
)

// What AWS's models say a service refuses fails at plan, with the attribute path: a tag
// value with a letter Bedrock's tag pattern does not take (IAM's does: the old check
// let it through to a ValidationException from CreateInferenceProfile at apply).
func TestAccTeam_modelValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, config, want string
	}{
		{"tag value", teamConfig("valid", attr("model", sonnet), attr("tags", map[string]string{"owner": "Zoë"})),
			`tags["owner"]: tag value "Zoë": Bedrock refuses it (TagValue: Member must satisfy regular expression pattern`},
		{"tag key", teamConfig("valid", attr("model", sonnet), attr("tags", map[string]string{"a,b": "x"})),
			`tags["a,b"]: tag key "a,b": Bedrock refuses it (TagKey`},
		{"cost center", teamConfig("valid", attr("model", sonnet), attr("cost_center", "Zürich")),
			`cost_center: "Zürich" is not a valid tag value: Bedrock refuses it`},
		{"enforcer tag", enforcerConfig("valid", `tags = { "owner" = "a,b" }`),
			`tags["owner"]: tag value "a,b": IAM refuses it (tagValueType`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: tc.config, PlanOnly: true, ExpectError: regexp.MustCompile(regexp.QuoteMeta(tc.want[:20]) + `(.|\s)*` + regexp.QuoteMeta(tc.want[len(tc.want)-12:])),
				}},
			})
		})
	}
}
