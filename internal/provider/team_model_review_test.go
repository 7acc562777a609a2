package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

func TestReviewModel(t *testing.T) {
	t.Parallel()
	prices := governance.DefaultPricing()
	dec4 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	fm := func(id string) string { return "arn:aws:bedrock:us-east-1::foundation-model/" + id }
	for _, tc := range []struct {
		name, source string
		enforced     bool
		on           time.Time
		errs, warns  int
		says         []string
	}{
		{"current model", "arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.anthropic.claude-sonnet-4-6", true, dec4, 0, 0, nil},
		{"unpriced with enforcer", fm("openai.gpt-oss-120b-1:0"), true, dec4, 1, 0,
			[]string{"no confirmed price", "Closest priced models: ", "pricing_overrides = { \"openai.gpt-oss-120b-1:0\" = { input_per_mtok"}},
		{"unpriced without enforcer", fm("openai.gpt-oss-120b-1:0"), false, dec4, 0, 1, []string{"cannot price"}},
		{"unknown model", fm("acme.model-v1:0"), true, dec4, 1, 0, []string{"not in bedgov's pricing catalog"}},
		{"image model", fm("amazon.nova-canvas-v1:0"), true, dec4, 1, 0, []string{"image generation model", "cannot meter"}},
		{"past end of life", fm("amazon.nova-premier-v1:0"), true, dec4, 1, 0, []string{"reached end of life on Amazon Bedrock on 2026-09-14", "successor is amazon.nova-2-lite-v1:0"}},
		{"within 30 days", fm("anthropic.claude-3-5-haiku-20241022-v1:0"), true, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 0, 1,
			[]string{"2026-06-19 (in 18 days)", "successor is anthropic.claude-haiku-4-5-20251001-v1:0"}},
		{"legacy", fm("anthropic.claude-3-5-sonnet-20240620-v1:0"), true, dec4, 0, 1, []string{"legacy since 2025-08-13"}},
	} {
		var d diag.Diagnostics
		reviewModel(path.Root("model"), tc.source, prices, tc.enforced, tc.on, &d)
		if d.ErrorsCount() != tc.errs || d.WarningsCount() != tc.warns {
			t.Errorf("%s: %d errors, %d warnings: %v", tc.name, d.ErrorsCount(), d.WarningsCount(), d)
			continue
		}
		text := ""
		for _, x := range d {
			text += x.Summary() + ": " + x.Detail() + "\n"
		}
		for _, s := range tc.says {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q not in %s", tc.name, s, text)
			}
		}
	}
}
