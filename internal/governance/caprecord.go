package governance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table layout: one DynamoDB table per enforcer, hash key "pk" (S), no sort key,
// on-demand, TTL on "expires_at".
const (
	AttrPK  = "pk"
	AttrTTL = "expires_at"

	teamPrefix      = "team#"
	principalPrefix = "principal#"
	apiKeyPrefix    = "apikey#"
)

// Cap record attributes written by Terraform (the configuration).
const (
	AttrTeam              = "team"
	AttrLimit             = "limit_micros"
	AttrCap               = "cap_micros" // limit * block / 100, derived
	AttrNotifyPct         = "notify_pct"
	AttrDegradePct        = "degrade_pct"
	AttrBlockPct          = "block_pct"
	AttrModelID           = "model_id"
	AttrProfileARN        = "profile_arn"
	AttrDegradeModelID    = "degrade_model_id"
	AttrDegradeProfileARN = "degrade_profile_arn"
	AttrPriceGroup        = "price_group"
	AttrPrincipals        = "principals"
	AttrAPIKeyHash        = "api_key_hash" //nolint:gosec // an attribute name, not a credential
	AttrSNSTopicARN       = "sns_topic_arn"
	AttrOverrideLimit     = "override_limit_micros"
	AttrOverrideCap       = "override_cap_micros" // override limit * block / 100, derived
	AttrOverrideExpires   = "override_expires"    // unix seconds, 0 = none
	AttrOverrideReason    = "override_reason"
	AttrConfigVersion     = "config_version"
	AttrConfigUpdatedAt   = "config_updated_at"
)

// Cap record attributes owned by the enforcer (the counters). A configuration write
// only ever adds the limit delta to the two headroom counters; it never sets them.
const (
	AttrPeriod           = "period"
	AttrSpent            = "spent_micros"
	AttrReserved         = "reserved_micros"
	AttrHeadroom         = "headroom_micros"          // cap - spent - reserved
	AttrOverrideHeadroom = "override_headroom_micros" // override cap - spent - reserved
	AttrInflight         = "inflight"                 // map reservation key -> {a: amount, x: expiry unix, n: nonce}
	AttrNotified         = "notified"                 // map "<pct>" -> period key
	AttrPrevPeriod       = "prev_period"
	AttrPrevSpent        = "prev_spent_micros"
	AttrRequests         = "requests"
	AttrInputTokens      = "input_tokens"       // map model id -> N
	AttrOutputTokens     = "output_tokens"      // map model id -> N
	AttrCacheReadTokens  = "cache_read_tokens"  // map model id -> N
	AttrCacheWriteTokens = "cache_write_tokens" //nolint:gosec // an attribute name, not a credential
)

// TeamKey is the cap record's key for a team.
func TeamKey(team string) string { return teamPrefix + team }

// PrincipalIndexKey is the identity index item for a (normalised) principal.
func PrincipalIndexKey(principalKey string) string { return principalPrefix + principalKey }

// APIKeyIndexKey is the identity index item for an API key hash.
func APIKeyIndexKey(hash string) string { return apiKeyPrefix + hash }

// Override is an admin's temporary higher limit.
type Override struct {
	Limit   Micros
	Expires time.Time
	Reason  string
}

// CapConfig is the part of a cap record Terraform owns.
type CapConfig struct {
	Team       string
	Limit      Micros
	Thresholds Thresholds
	// ModelID is the foundation model the team's profile was copied from (for system
	// profiles, the model id without the geography prefix); ProfileARN the team's
	// application inference profile. Same for the optional degrade pair.
	ModelID           string
	ProfileARN        string
	DegradeModelID    string
	DegradeProfileARN string
	// PriceGroup is the pricing region group of the profile (RegionGroup(region), or
	// the geography of a system profile).
	PriceGroup  string
	Principals  []string // role/user ARNs, any form PrincipalKey accepts
	APIKeyHash  string   // HashAPIKey(key); the key itself is never stored
	SNSTopicARN string
	Override    *Override
	// Slices is the number of items the team's headroom is split over (escrow; 0 or 1:
	// one). More slices, more requests a second, see doc.go.
	Slices int
}

// Validate checks the configuration before any write.
func (c CapConfig) Validate() error {
	if err := ValidateTeamName(c.Team); err != nil {
		return err
	}
	if c.Limit <= 0 {
		return fmt.Errorf("team %s: limit must be positive", c.Team)
	}
	if err := c.Thresholds.Validate(); err != nil {
		return fmt.Errorf("team %s: %w", c.Team, err)
	}
	if c.ModelID == "" || c.ProfileARN == "" || c.PriceGroup == "" {
		return fmt.Errorf("team %s: model id, profile ARN and price group are required", c.Team)
	}
	if (c.DegradeModelID == "") != (c.DegradeProfileARN == "") {
		return fmt.Errorf("team %s: degrade model id and degrade profile ARN go together", c.Team)
	}
	for _, p := range c.Principals {
		if isGroupARN(p) {
			continue // attached for direct use; a group is never a caller the enforcer sees
		}
		if _, err := PrincipalKey(p); err != nil {
			return fmt.Errorf("team %s: %w", c.Team, err)
		}
	}
	if c.Slices < 0 || c.Slices > MaxSlices {
		return fmt.Errorf("team %s: cap_slices must be between 1 and %d, not %d", c.Team, MaxSlices, c.Slices)
	}
	if c.Override != nil {
		if c.Override.Limit <= c.Limit {
			return fmt.Errorf("team %s: override limit %s must be above the limit %s", c.Team, c.Override.Limit.Cents(), c.Limit.Cents())
		}
		if c.Override.Reason == "" {
			return fmt.Errorf("team %s: override needs a reason", c.Team)
		}
		if c.Override.Expires.IsZero() {
			return fmt.Errorf("team %s: override needs an expiry", c.Team)
		}
	}
	return nil
}

func (c CapConfig) caps() (capM, ocapM Micros, oexp int64) {
	capM = c.Thresholds.Cap(c.Limit)
	if c.Override != nil {
		ocapM = c.Thresholds.Cap(c.Override.Limit)
		oexp = c.Override.Expires.Unix()
	}
	return
}

func isGroupARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[2] == "iam" && strings.HasPrefix(parts[5], "group/")
}

// principalKeys are the identity index keys of the configured principals. Groups are
// skipped: requests are made by roles and users, so in iam mode a group's members must
// be listed themselves to reach the enforcer.
func (c CapConfig) principalKeys() []string {
	var out []string
	for _, p := range c.Principals {
		if k, err := PrincipalKey(p); err == nil && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Reservation is one in-flight request's reservation inside a cap record.
type Reservation struct {
	ID      string
	Amount  Micros
	Expires int64  // unix seconds
	Nonce   string // unique per reserving attempt
}

// CapRecord is a decoded cap record: configuration and counters.
type CapRecord struct {
	CapConfig
	// PrincipalKeys are the normalised principals stored in the record (PrincipalKey
	// form; CapConfig.Principals of a decoded record holds the same). Compare a
	// configuration's principals with them after normalising, not as written.
	PrincipalKeys  []string
	Cap            Micros
	OverrideCap    Micros
	ConfigVersion  int64
	Period         string
	Spent          Micros
	Reserved       Micros
	Headroom       Micros
	OverrideHdroom Micros
	Inflight       []Reservation
	// NotifiedFlags maps a threshold ("80") to "<period>#<nonce>" of its last
	// notification; see Notified.
	NotifiedFlags map[string]string
	PrevPeriod    string
	PrevSpent     Micros
	Requests      int64
	// Token counters of the current period by model id.
	InputTokens      map[string]int64
	OutputTokens     map[string]int64
	CacheReadTokens  map[string]int64
	CacheWriteTokens map[string]int64
}

// OverrideActive reports whether the override is in force at now.
func (r *CapRecord) OverrideActive(now time.Time) bool {
	return r.Override != nil && now.Unix() < r.Override.Expires.Unix()
}

// EffectiveLimit is the limit in force at now: the override's while it lasts.
func (r *CapRecord) EffectiveLimit(now time.Time) Micros {
	if r.OverrideActive(now) && r.Override.Limit > r.Limit {
		return r.Override.Limit
	}
	return r.Limit
}

// SpentIn is the spend of period p as far as this record knows it: the current
// counter, the previous period's archived spend, or 0.
func (r *CapRecord) SpentIn(p string) Micros {
	switch p {
	case r.Period:
		return r.Spent
	case r.PrevPeriod:
		return r.PrevSpent
	}
	return 0
}

// StateAt is the team's state at now, counting only settled spend of the current period.
func (r *CapRecord) StateAt(now time.Time) State {
	return r.StandingAt(now).State
}

// ProjectedState is the state the team would be in at now if cfg were written: the
// plan-time review's answer.
func (r *CapRecord) ProjectedState(cfg CapConfig, now time.Time) State {
	return r.ProjectedStanding(cfg, now).State
}

// ProjectedStanding is the standing the record's current spend would have under cfg.
func (r *CapRecord) ProjectedStanding(cfg CapConfig, now time.Time) Standing {
	p := *r
	p.CapConfig = cfg
	return p.StandingAt(now)
}

// ErrNoCapRecord is returned when a team has no cap record.
var ErrNoCapRecord = errors.New("no cap record")

// DecodeCapRecord decodes a cap record item. It reads attributes by hand: it is on the
// enforcer's request path.
func DecodeCapRecord(item map[string]types.AttributeValue) (*CapRecord, error) {
	return decodeCapRecord(item, true)
}

// DecodeLedger decodes what the enforcer needs of a cap record: everything except the
// per-model token counters (left nil), which only reports read.
func DecodeLedger(item map[string]types.AttributeValue) (*CapRecord, error) {
	return decodeCapRecord(item, false)
}

func decodeCapRecord(item map[string]types.AttributeValue, tokens bool) (*CapRecord, error) {
	if len(item) == 0 {
		return nil, ErrNoCapRecord
	}
	r := &CapRecord{}
	r.Team = str(item[AttrTeam])
	if r.Team == "" {
		return nil, errors.New("cap record without team")
	}
	r.Limit = Micros(num(item[AttrLimit]))
	r.Cap = Micros(num(item[AttrCap]))
	r.Thresholds = Thresholds{num(item[AttrNotifyPct]), num(item[AttrDegradePct]), num(item[AttrBlockPct])}
	r.ModelID = str(item[AttrModelID])
	r.ProfileARN = str(item[AttrProfileARN])
	r.DegradeModelID = str(item[AttrDegradeModelID])
	r.DegradeProfileARN = str(item[AttrDegradeProfileARN])
	r.PriceGroup = str(item[AttrPriceGroup])
	if ss, ok := item[AttrPrincipals].(*types.AttributeValueMemberSS); ok {
		r.PrincipalKeys = ss.Value
		r.Principals = ss.Value
	}
	r.APIKeyHash = str(item[AttrAPIKeyHash])
	r.SNSTopicARN = str(item[AttrSNSTopicARN])
	if ol := num(item[AttrOverrideLimit]); ol > 0 {
		r.Override = &Override{Limit: Micros(ol), Expires: time.Unix(num(item[AttrOverrideExpires]), 0).UTC(), Reason: str(item[AttrOverrideReason])}
	}
	r.OverrideCap = Micros(num(item[AttrOverrideCap]))
	r.ConfigVersion = num(item[AttrConfigVersion])
	r.Period = str(item[AttrPeriod])
	r.Spent = Micros(num(item[AttrSpent]))
	r.Reserved = Micros(num(item[AttrReserved]))
	r.Headroom = Micros(num(item[AttrHeadroom]))
	r.OverrideHdroom = Micros(num(item[AttrOverrideHeadroom]))
	r.PrevPeriod = str(item[AttrPrevPeriod])
	r.PrevSpent = Micros(num(item[AttrPrevSpent]))
	r.Requests = num(item[AttrRequests])
	if m, ok := item[AttrInflight].(*types.AttributeValueMemberM); ok {
		for id, v := range m.Value {
			e, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				continue
			}
			r.Inflight = append(r.Inflight, Reservation{ID: id, Amount: Micros(num(e.Value["a"])), Expires: num(e.Value["x"]), Nonce: str(e.Value["n"])})
		}
	}
	r.NotifiedFlags = strMap(item[AttrNotified])
	if tokens {
		r.InputTokens = numMap(item[AttrInputTokens])
		r.OutputTokens = numMap(item[AttrOutputTokens])
		r.CacheReadTokens = numMap(item[AttrCacheReadTokens])
		r.CacheWriteTokens = numMap(item[AttrCacheWriteTokens])
	}
	return r, nil
}

func str(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func num(av types.AttributeValue) int64 {
	if n, ok := av.(*types.AttributeValueMemberN); ok {
		v, _ := strconv.ParseInt(n.Value, 10, 64)
		return v
	}
	return 0
}

func strMap(av types.AttributeValue) map[string]string {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m.Value))
	for k, v := range m.Value {
		out[k] = str(v)
	}
	return out
}

func numMap(av types.AttributeValue) map[string]int64 {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return nil
	}
	out := make(map[string]int64, len(m.Value))
	for k, v := range m.Value {
		out[k] = num(v)
	}
	return out
}

func nAV(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func sAV(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func keyOf(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: sAV(pk)}
}

var emptyMap types.AttributeValue = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}

// ---------------------------------------------------------------------------------
// Provider side: configuration writes.

// DynamoDB is the subset of the DynamoDB client the cap record code calls.
type DynamoDB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// IsConditionFailed reports whether err is DynamoDB's ConditionalCheckFailedException.
func IsConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// GetCapRecordInput is a strongly consistent read of a team's cap record.
func GetCapRecordInput(table, team string) *dynamodb.GetItemInput {
	return &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf(TeamKey(team)), ConsistentRead: aws.Bool(true)}
}

// ReadCapRecord reads a team's cap record; ErrNoCapRecord when there is none.
func ReadCapRecord(ctx context.Context, db DynamoDB, table, team string) (*CapRecord, error) {
	out, err := db.GetItem(ctx, GetCapRecordInput(table, team))
	if err != nil {
		return nil, fmt.Errorf("read cap record of team %s: %w", team, err)
	}
	r, err := DecodeCapRecord(out.Item)
	if errors.Is(err, ErrNoCapRecord) {
		return nil, fmt.Errorf("team %s: %w", team, ErrNoCapRecord)
	}
	return r, err
}

// configValues are the configuration attributes of a record, set on create and update.
func (c CapConfig) configValues(now time.Time) (set map[string]types.AttributeValue, remove []string) {
	capM, ocapM, oexp := c.caps()
	set = map[string]types.AttributeValue{
		AttrTeam:            sAV(c.Team),
		AttrLimit:           nAV(int64(c.Limit)),
		AttrCap:             nAV(int64(capM)),
		AttrNotifyPct:       nAV(c.Thresholds.Notify),
		AttrDegradePct:      nAV(c.Thresholds.Degrade),
		AttrBlockPct:        nAV(c.Thresholds.Block),
		AttrModelID:         sAV(c.ModelID),
		AttrProfileARN:      sAV(c.ProfileARN),
		AttrPriceGroup:      sAV(c.PriceGroup),
		AttrOverrideLimit:   nAV(0),
		AttrOverrideCap:     nAV(int64(ocapM)),
		AttrOverrideExpires: nAV(oexp),
		AttrConfigUpdatedAt: sAV(now.UTC().Format(time.RFC3339)),
	}
	opt := func(name, v string) {
		if v == "" {
			remove = append(remove, name)
		} else {
			set[name] = sAV(v)
		}
	}
	opt(AttrDegradeModelID, c.DegradeModelID)
	opt(AttrDegradeProfileARN, c.DegradeProfileARN)
	opt(AttrAPIKeyHash, c.APIKeyHash)
	opt(AttrSNSTopicARN, c.SNSTopicARN)
	if c.Override != nil {
		set[AttrOverrideLimit] = nAV(int64(c.Override.Limit))
		set[AttrOverrideReason] = sAV(c.Override.Reason)
	} else {
		remove = append(remove, AttrOverrideReason)
	}
	if pk := c.principalKeys(); len(pk) > 0 {
		set[AttrPrincipals] = &types.AttributeValueMemberSS{Value: pk}
	} else {
		remove = append(remove, AttrPrincipals)
	}
	return set, remove
}

// CreateCapRecordInput is the first write of a team's record: configuration plus zeroed
// counters for the current period, conditional on the record not existing.
func CreateCapRecordInput(table string, c CapConfig, now time.Time) *dynamodb.PutItemInput {
	set, _ := c.configValues(now)
	capM, ocapM, _ := c.caps()
	item := set
	item[AttrPK] = sAV(TeamKey(c.Team))
	item[AttrConfigVersion] = nAV(1)
	item[AttrPeriod] = sAV(PeriodOf(now).Key())
	item[AttrSpent] = nAV(0)
	item[AttrReserved] = nAV(0)
	item[AttrHeadroom] = nAV(int64(capM))
	item[AttrOverrideHeadroom] = nAV(int64(ocapM))
	item[AttrRequests] = nAV(0)
	for _, m := range []string{AttrInflight, AttrNotified, AttrInputTokens, AttrOutputTokens, AttrCacheReadTokens, AttrCacheWriteTokens} {
		item[m] = emptyMap
	}
	return &dynamodb.PutItemInput{
		TableName:                aws.String(table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}
}

// UpdateCapConfigInput rewrites the configuration of an existing record whose current
// state is cur. It is conditional on cur's config_version (optimistic locking against
// another Terraform run) and moves the two headroom counters by the cap deltas, so that
// spend, reservations and the period are untouched: a config write never resets spend.
func UpdateCapConfigInput(table string, c CapConfig, cur *CapRecord, now time.Time) *dynamodb.UpdateItemInput {
	set, remove := c.configValues(now)
	capM, ocapM, _ := c.caps()
	names := map[string]string{"#ver": AttrConfigVersion, "#hr": AttrHeadroom, "#ohr": AttrOverrideHeadroom}
	values := map[string]types.AttributeValue{
		":ver":  nAV(cur.ConfigVersion),
		":ver1": nAV(cur.ConfigVersion + 1),
		":dcap": nAV(int64(capM - cur.Cap)),
		":docp": nAV(int64(ocapM - cur.OverrideCap)),
	}
	expr := "SET #ver = :ver1, #hr = #hr + :dcap, #ohr = #ohr + :docp"
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		n, v := "#c"+strconv.Itoa(i), ":c"+strconv.Itoa(i)
		names[n], values[v] = k, set[k]
		expr += ", " + n + " = " + v
	}
	// Maps an older record may lack.
	for i, m := range []string{AttrInflight, AttrNotified, AttrInputTokens, AttrOutputTokens, AttrCacheReadTokens, AttrCacheWriteTokens} {
		n := "#m" + strconv.Itoa(i)
		names[n] = m
		expr += ", " + n + " = if_not_exists(" + n + ", :em)"
	}
	values[":em"] = emptyMap
	if len(remove) > 0 {
		expr += " REMOVE "
		for i, k := range remove {
			n := "#r" + strconv.Itoa(i)
			names[n] = k
			if i > 0 {
				expr += ", "
			}
			expr += n
		}
	}
	return &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       keyOf(TeamKey(c.Team)),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#ver = :ver"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	}
}

// ClaimIdentityInput writes an identity index item (principal or API-key hash -> team),
// refusing to take an identity another team holds.
func ClaimIdentityInput(table, indexKey, team string) *dynamodb.PutItemInput {
	return &dynamodb.PutItemInput{
		TableName:                 aws.String(table),
		Item:                      map[string]types.AttributeValue{AttrPK: sAV(indexKey), AttrTeam: sAV(team)},
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #team = :team"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#team": AttrTeam},
		ExpressionAttributeValues: map[string]types.AttributeValue{":team": sAV(team)},
	}
}

// ReleaseIdentityInput deletes an identity index item if it still belongs to team.
func ReleaseIdentityInput(table, indexKey, team string) *dynamodb.DeleteItemInput {
	return &dynamodb.DeleteItemInput{
		TableName:                 aws.String(table),
		Key:                       keyOf(indexKey),
		ConditionExpression:       aws.String("#team = :team"),
		ExpressionAttributeNames:  map[string]string{"#team": AttrTeam},
		ExpressionAttributeValues: map[string]types.AttributeValue{":team": sAV(team)},
	}
}

func identityKeys(principalKeys []string, apiKeyHash string) []string {
	var out []string
	for _, p := range principalKeys {
		out = append(out, PrincipalIndexKey(p))
	}
	if apiKeyHash != "" {
		out = append(out, APIKeyIndexKey(apiKeyHash))
	}
	return out
}

// WriteCapConfig is what the provider calls on create and update of a team with an
// enforcer. It (1) claims the team's identities in the index (failing if another team
// holds one), (2) creates the record or updates its configuration with optimistic
// locking, retrying on a concurrent config write, and (3) releases identities the team
// no longer has. Counters are never reset. It returns the record as written.
func WriteCapConfig(ctx context.Context, db DynamoDB, table string, c CapConfig, now time.Time) (*CapRecord, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	want := identityKeys(c.principalKeys(), c.APIKeyHash)
	for _, k := range want {
		if _, err := db.PutItem(ctx, ClaimIdentityInput(table, k, c.Team)); err != nil {
			if IsConditionFailed(err) {
				return nil, fmt.Errorf("team %s: identity %s already belongs to another team", c.Team, redactIdentity(k))
			}
			return nil, fmt.Errorf("team %s: claim identity: %w", c.Team, err)
		}
	}
	var rec *CapRecord
	for attempt := 0; ; attempt++ {
		cur, err := ReadCapRecord(ctx, db, table, c.Team)
		switch {
		case errors.Is(err, ErrNoCapRecord):
			_, err = db.PutItem(ctx, CreateCapRecordInput(table, c, now))
			if err == nil {
				rec, _ = DecodeCapRecord(CreateCapRecordInput(table, c, now).Item)
			}
		case err != nil:
			return nil, err
		default:
			var out *dynamodb.UpdateItemOutput
			out, err = db.UpdateItem(ctx, UpdateCapConfigInput(table, c, cur, now))
			if err == nil {
				rec, err = DecodeCapRecord(out.Attributes)
				if err == nil {
					for _, k := range identityKeys(cur.PrincipalKeys, cur.APIKeyHash) {
						if !slices.Contains(want, k) {
							if _, err := db.DeleteItem(ctx, ReleaseIdentityInput(table, k, c.Team)); err != nil && !IsConditionFailed(err) {
								return nil, fmt.Errorf("team %s: release identity: %w", c.Team, err)
							}
						}
					}
				}
			}
		}
		if err == nil {
			return rec, nil
		}
		if !IsConditionFailed(err) || attempt >= 4 {
			return nil, fmt.Errorf("team %s: write cap record: %w", c.Team, err)
		}
	}
}

// DeleteCapRecord removes a team's identities and its cap record (the provider calls it
// when the team is destroyed or leaves the enforcer). A missing record is not an error.
func DeleteCapRecord(ctx context.Context, db DynamoDB, table, team string) error {
	cur, err := ReadCapRecord(ctx, db, table, team)
	if errors.Is(err, ErrNoCapRecord) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range identityKeys(cur.PrincipalKeys, cur.APIKeyHash) {
		if _, err := db.DeleteItem(ctx, ReleaseIdentityInput(table, k, team)); err != nil && !IsConditionFailed(err) {
			return fmt.Errorf("team %s: release identity: %w", team, err)
		}
	}
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: keyOf(TeamKey(team))})
	return err
}

func redactIdentity(k string) string {
	if len(k) > len(apiKeyPrefix) && k[:len(apiKeyPrefix)] == apiKeyPrefix {
		return "api key"
	}
	return k[len(principalPrefix):]
}

// LookupIdentityInput reads an identity index item.
func LookupIdentityInput(table, indexKey string) *dynamodb.GetItemInput {
	return &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf(indexKey), ProjectionExpression: aws.String("#team"), ExpressionAttributeNames: map[string]string{"#team": AttrTeam}}
}

// TeamOfIdentity decodes a LookupIdentityInput result ("" when absent).
func TeamOfIdentity(item map[string]types.AttributeValue) string { return str(item[AttrTeam]) }

// CreateTableInput is the cap table's definition: hash key pk (S), on-demand. The
// enforcer resource also enables TTL on AttrTTL (idempotency records) and
// point-in-time recovery.
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:              aws.String(name),
		BillingMode:            types.BillingModePayPerRequest,
		AttributeDefinitions:   append([]types.AttributeDefinition{{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS}}, reservationIndexAttributes()...),
		KeySchema:              []types.KeySchemaElement{{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{ReservationIndexDefinition()},
	}
}
