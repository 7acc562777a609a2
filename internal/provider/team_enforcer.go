package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bedgov/terraform-provider-bedgov/internal/awsclient"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// teamCap is what a team wired to an enforcer writes to its cap record. It is built from
// the team's planned or applied values; the enforcer owns everything else in the record.
type teamCap struct {
	Team              string
	Limit             governance.Micros
	Thresholds        governance.Thresholds
	SourceARN         string // what the primary profile was copied from
	ProfileARN        string
	DegradeSourceARN  string
	DegradeProfileARN string
	Principals        []string
	APIKeyHash        string
	TopicARN          string
	Override          *governance.Override
	Slices            int // cap_slices
}

// capConfig resolves the sources to the models that price them and returns the record's
// configuration, checked by governance before any write.
func (t teamCap) capConfig() (governance.CapConfig, error) {
	primary, err := governance.ResolveModel(t.SourceARN, nil)
	if err != nil {
		return governance.CapConfig{}, fmt.Errorf("team %s: %w", t.Team, err)
	}
	c := governance.CapConfig{
		Team: t.Team, Limit: t.Limit, Thresholds: t.Thresholds,
		ModelID: primary.ModelID, ProfileARN: t.ProfileARN, PriceGroup: primary.Group,
		Principals: t.Principals, APIKeyHash: t.APIKeyHash, SNSTopicARN: t.TopicARN, Override: t.Override,
		Slices: t.Slices,
	}
	if t.DegradeSourceARN != "" {
		degrade, err := governance.ResolveModel(t.DegradeSourceARN, nil)
		if err != nil {
			return governance.CapConfig{}, fmt.Errorf("team %s: degrade model: %w", t.Team, err)
		}
		c.DegradeModelID, c.DegradeProfileARN = degrade.ModelID, t.DegradeProfileARN
	}
	return c, c.Validate()
}

// budgetReview is the plan-time consequence of a budget, threshold or override change
// for a team that has already spent this month. It returns "" when the change does not
// make the team's state more restrictive.
func budgetReview(team string, rec *governance.CapRecord, planned governance.CapConfig, now time.Time) (governance.State, string) {
	current := rec.StateAt(now)
	projected := rec.ProjectedState(planned, now)
	if projected.Rank() <= current.Rank() {
		return projected, ""
	}
	period := governance.PeriodOf(now).Key()
	var changes []string
	if rec.Limit != planned.Limit {
		changes = append(changes, fmt.Sprintf("monthly_budget %s -> %s USD", trimCents(rec.Limit), trimCents(planned.Limit)))
	}
	if rec.Thresholds != planned.Thresholds {
		changes = append(changes, fmt.Sprintf("thresholds %d/%d/%d -> %d/%d/%d", rec.Thresholds.Notify, rec.Thresholds.Degrade, rec.Thresholds.Block,
			planned.Thresholds.Notify, planned.Thresholds.Degrade, planned.Thresholds.Block))
	}
	if rec.OverrideActive(now) && (planned.Override == nil || now.Unix() >= planned.Override.Expires.Unix()) {
		changes = append(changes, "emergency override removed")
	}
	if len(changes) == 0 {
		changes = append(changes, "configuration change")
	}
	return projected, fmt.Sprintf("team %s: %s; %s USD spent in %s; the team will be %s when this is applied",
		team, strings.Join(changes, ", "), rec.SpentIn(period).Cents(), period, strings.ToUpper(string(projected)))
}

// trimCents prints whole amounts without decimals (2000), others with cents (1999.50).
func trimCents(m governance.Micros) string {
	return strings.TrimSuffix(m.Cents(), ".00")
}

// enforcerInfo is what a team needs to know of the enforcer it goes through.
type enforcerInfo struct {
	Name        string
	FunctionARN string
	RoleName    string
	Table       string
	AuthMode    string // iam | api_key
}

// findEnforcer looks an enforcer up by name (its function carries the configuration).
// A missing enforcer is an error that names the resource to create first.
func findEnforcer(ctx context.Context, c *awsclient.Client, name string) (enforcerInfo, error) {
	n := namesFor(name)
	fn, err := awsops.FindFunction(ctx, c.Lambda, n.function)
	if awsops.IsNotFound(err) {
		return enforcerInfo{}, fmt.Errorf("enforcer %q not found in %s (no function %s): create the bedgov_enforcer first, or reference its id so Terraform orders them", name, c.Region, n.function)
	}
	if err != nil {
		return enforcerInfo{}, err
	}
	info := enforcerInfo{Name: name, FunctionARN: aws.ToString(fn.Configuration.FunctionArn), RoleName: n.role, Table: n.table, AuthMode: "iam"}
	if env := fn.Configuration.Environment; env != nil {
		if v := env.Variables["BEDGOV_AUTH_MODE"]; v != "" {
			info.AuthMode = v
		}
		if v := env.Variables["BEDGOV_TABLE"]; v != "" {
			info.Table = v
		}
	}
	return info, nil
}
