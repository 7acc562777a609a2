package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsmodel"
)

// Plan-time validation that follows from AWS's API models (internal/awsmodel, the same
// extract the emulator validates requests against): a value is checked against the
// constraints of every AWS member it ends up in, so what AWS would refuse at apply
// fails at plan, with the attribute path and the service's own constraint.

// modelShape is one AWS shape a value is sent as.
type modelShape struct {
	service, shape string // model name (awsmodel.Load), shape id
}

// tagShapes are the tag key and value shapes of the services a team's or an enforcer's
// tags are sent to. Bedrock's are the strictest: ASCII letters, digits, spaces and
// ._:/=+@- only, where IAM also takes other Unicode letters.
var (
	teamTagServices     = []string{"bedrock", "iam", "sns", "budgets", "cloudwatch", "cost-explorer"}
	enforcerTagServices = []string{"iam", "cloudwatch-logs", "dynamodb", "lambda"}
	tagKeyShapes        = map[string]string{
		"bedrock": "TagKey", "iam": "tagKeyType", "cloudwatch-logs": "TagKey", "sns": "TagKey", "budgets": "ResourceTagKey",
		"cloudwatch": "TagKey", "cost-explorer": "ResourceTagKey", "dynamodb": "TagKeyString", "lambda": "TagKey",
	}
	tagValueShapes = map[string]string{
		"bedrock": "TagValue", "iam": "tagValueType", "cloudwatch-logs": "TagValue", "sns": "TagValue", "budgets": "ResourceTagValue",
		"cloudwatch": "TagValue", "cost-explorer": "ResourceTagValue", "dynamodb": "TagValueString", "lambda": "TagValue",
	}
)

func shapesFor(services []string, table map[string]string) []modelShape {
	out := make([]modelShape, 0, len(services))
	for _, s := range services {
		out = append(out, modelShape{service: s, shape: table[s]})
	}
	return out
}

// modelViolation returns why the first AWS service that would refuse v does, or "".
func modelViolation(shapes []modelShape, v string) string {
	for _, s := range shapes {
		m, err := awsmodel.Load(s.service)
		if err != nil {
			continue // TestModelValidatorShapesExist keeps the table honest
		}
		if vs := m.Validate(s.shape, v); len(vs) > 0 {
			return fmt.Sprintf("%s refuses it (%s: %s)", m.SDKID, s.shape, vs[0].Constraint)
		}
	}
	return ""
}

// modelString checks a string value against AWS shapes.
type modelString struct {
	what   string
	shapes []modelShape
}

func (v modelString) Description(context.Context) string {
	return "must be a " + v.what + " every AWS service it is sent to accepts"
}
func (v modelString) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v modelString) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if why := modelViolation(v.shapes, req.ConfigValue.ValueString()); why != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Value AWS would refuse",
			fmt.Sprintf("%s: %q is not a valid %s: %s.", req.Path, req.ConfigValue.ValueString(), v.what, why))
	}
}

// modelTags checks a tags map's keys and values against the tag shapes of the services
// the tags are sent to.
type modelTags struct{ services []string }

func (v modelTags) Description(context.Context) string {
	return "tag keys and values every AWS service the tags are sent to accepts (" + strings.Join(v.services, ", ") + ")"
}
func (v modelTags) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v modelTags) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m map[string]*string
	if d := req.ConfigValue.ElementsAs(ctx, &m, true); d.HasError() {
		return
	}
	keys, values := shapesFor(v.services, tagKeyShapes), shapesFor(v.services, tagValueShapes)
	for _, k := range sortedKeysOf(m) {
		p := req.Path.AtMapKey(k)
		if why := modelViolation(keys, k); why != "" {
			resp.Diagnostics.AddAttributeError(p, "Tag key AWS would refuse", fmt.Sprintf("%s: tag key %q: %s.", p, k, why))
		}
		if val := m[k]; val != nil {
			if why := modelViolation(values, *val); why != "" {
				resp.Diagnostics.AddAttributeError(p, "Tag value AWS would refuse", fmt.Sprintf("%s: tag value %q: %s.", p, *val, why))
			}
		}
	}
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// teamTagsValidator and enforcerTagsValidator are the tags attributes' model checks;
// costCenterValidator checks cost_center, the value of the team's cost-center tag.
func teamTagsValidator() validator.Map     { return modelTags{services: teamTagServices} }
func enforcerTagsValidator() validator.Map { return modelTags{services: enforcerTagServices} }
func costCenterValidator() validator.String {
	return modelString{what: "tag value", shapes: shapesFor(teamTagServices, tagValueShapes)}
}
