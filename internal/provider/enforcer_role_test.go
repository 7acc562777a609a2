package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/localaws/iamsim"
)

// lambdaPlatformActions are granted to the enforcer's role for the Lambda service to
// write the function's logs; the enforcer's code does not call them.
var lambdaPlatformActions = map[string]bool{"logs:CreateLogStream": true, "logs:PutLogEvents": true}

// The enforcer role is granted exactly what its code uses: the actions of every Allow
// statement of its policies (its role policy and the teams' invoke policies) equal the
// actions the emulator authorized for the enforcer's calls, statement by statement on
// the statement's resources, apart from the Lambda platform's logging.
func TestAccEnforcer_roleLeastPrivilege(t *testing.T) {
	t.Parallel()
	enf, teamA, teamB := acctest.RandomName(), acctest.RandomName(), acctest.RandomName()
	roleA, roleB := createRole(t, teamA+"-app"), createRole(t, teamB+"-app")
	ctx := context.Background()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, enf),
		Steps: []resource.TestStep{{
			Config: wiredConfig(enf, teamA, teamB, roleA, roleB, "2000", ""),
			Check: func(s *terraform.State) error {
				url := attrOf(s, "bedgov_enforcer.test", "function_url")
				profileA, profileB := attrOf(s, "bedgov_team.a", "inference_profile_arn"), attrOf(s, "bedgov_team.b", "inference_profile_arn")
				a, b := teamClient(t, roleA, url), teamClient(t, roleB, url)
				for _, c := range []struct {
					client  *bedrockruntime.Client
					profile string
				}{{b, profileB}, {a, profileA}} {
					if err := converseStream(ctx, c.client, c.profile); err != nil {
						return fmt.Errorf("stream: %w", err)
					}
					if err := converse(ctx, c.client, c.profile); err != nil {
						return fmt.Errorf("converse: %w", err)
					}
				}
				// Team A through notify and degrade to blocked.
				for i := 0; i < 25; i++ {
					if converse(ctx, a, profileA) != nil {
						break
					}
				}
				return checkRoleLeastPrivilege(t, enf)
			},
		}},
	})
}

func converseStream(ctx context.Context, c *bedrockruntime.Client, profileARN string) error {
	out, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String(profileARN),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser,
			Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "stream it [[tokens:10]]"}}}},
		InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(10)},
	})
	if err != nil {
		return err
	}
	st := out.GetStream()
	for range st.Events() {
	}
	return st.Close()
}

type policyStatement struct {
	Effect   string
	Action   any
	Resource any
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// globMatch matches an IAM resource pattern (* any run, ? one character).
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

func checkRoleLeastPrivilege(t *testing.T, enf string) error {
	emu := acctest.Emulator(t)
	roleARN := "arn:aws:iam::" + acctest.AccountID + ":role/bedgov/" + enf + "-enforcer"
	session := "arn:aws:sts::" + acctest.AccountID + ":assumed-role/" + enf + "-enforcer/"
	used := map[string][]string{} // action -> resources the enforcer's calls used, allowed
	for _, a := range emu.Authorizations() {
		if !strings.HasPrefix(a.Principal, session) {
			continue
		}
		if a.Decision != iamsim.Allowed {
			return fmt.Errorf("the enforcer's call %s on %s was %s", a.Action, a.Resource, a.Decision)
		}
		used[a.Action] = append(used[a.Action], a.Resource)
	}
	granted := map[string]bool{}
	var problems []string
	for _, p := range emu.IdentityPolicies(roleARN) {
		var doc struct{ Statement []policyStatement }
		if err := json.Unmarshal([]byte(fmt.Sprint(p.Policy)), &doc); err != nil {
			return fmt.Errorf("policy %s: %v", p.Name, err)
		}
		for _, st := range doc.Statement {
			if st.Effect != "Allow" {
				continue
			}
			for _, action := range strs(st.Action) {
				granted[action] = true
				if lambdaPlatformActions[action] {
					continue
				}
				ok := false
				for _, r := range used[action] {
					for _, pat := range strs(st.Resource) {
						ok = ok || globMatch(pat, r)
					}
				}
				if !ok {
					problems = append(problems, fmt.Sprintf("%s grants %s on %v, which the enforcer never used", p.Name, action, strs(st.Resource)))
				}
			}
		}
	}
	for action := range used {
		if !granted[action] {
			problems = append(problems, "the enforcer used "+action+", which no policy grants")
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("enforcer role is not least privilege:\n  %s", strings.Join(problems, "\n  "))
	}
	if len(used) == 0 {
		return fmt.Errorf("no call of the enforcer was authorized")
	}
	return nil
}
