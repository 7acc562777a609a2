package governance

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// Layout is the record's layout (1: counters in the record; LayoutVersion: in
	// slices). SliceMax slices exist; reservations go to the first CapConfig.Slices.
	Layout   int
	SliceMax int
	// Parts are the counter items the figures above are summed from (ReadCapRecord):
	// the slices, and the record's own counters if it was first written in layout 1.
	Parts []Part
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
	return spentIn(p, r.Period, r.Spent, r.PrevPeriod, r.PrevSpent)
}

// spentIn is the spend in period p of counters that hold period's spend and prev's.
func spentIn(p, period string, spent Micros, prev string, prevSpent Micros) Micros {
	switch p {
	case period:
		return spent
	case prev:
		return prevSpent
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

// DecodeCapRecord decodes a cap record item (its own counters only: ReadCapRecord adds
// its slices'). It reads attributes by hand: the enforcer decodes records it reads.
func DecodeCapRecord(item map[string]types.AttributeValue) (*CapRecord, error) {
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
	r.ConfigVersion = num(item[AttrConfigVersion])
	r.Layout = max(int(num(item[AttrLayout])), 1)
	r.Slices = max(int(num(item[AttrSlices])), 1)
	r.SliceMax = max(int(num(item[AttrSliceMax])), r.Slices)
	// Derived from the configuration: a migrated record stores 0 (see MigrateInput).
	r.Cap, r.OverrideCap, _ = r.caps()
	if hasLegacyCounters(item) {
		r.Parts = []Part{decodePart(item, LegacyPart)}
		r.Parts[0].Base, r.Parts[0].OverrideBase = Micros(num(item[AttrCap])), Micros(num(item[AttrOverrideCap]))
	}
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
	r.mergeParts()
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
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
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
	return readCapRecord(ctx, db, table, team, true)
}

// ReadCapRecordEventually is ReadCapRecord with eventually consistent reads (half the
// read units: every settlement of a busy team may re-read the record, whose partition
// serves 3,000 read units a second); what it misses of the last second, the next read has.
func ReadCapRecordEventually(ctx context.Context, db DynamoDB, table, team string) (*CapRecord, error) {
	return readCapRecord(ctx, db, table, team, false)
}

func readCapRecord(ctx context.Context, db DynamoDB, table, team string, consistent bool) (*CapRecord, error) {
	in := GetCapRecordInput(table, team)
	in.ConsistentRead = aws.Bool(consistent)
	out, err := db.GetItem(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("read cap record of team %s: %w", team, err)
	}
	r, err := DecodeCapRecord(out.Item)
	if errors.Is(err, ErrNoCapRecord) {
		return nil, fmt.Errorf("team %s: %w", team, ErrNoCapRecord)
	}
	if err != nil || r.Layout < LayoutVersion {
		return r, err
	}
	parts, err := readParts(ctx, db, table, r.Team, r.SliceMax, consistent)
	if err != nil {
		return nil, err
	}
	r.Parts = append(r.Parts, parts...)
	r.mergeParts()
	return r, nil
}

// configValues are the configuration attributes of a record, set on create and update.
func (c CapConfig) configValues(now time.Time) (set map[string]types.AttributeValue, remove []string) {
	_, _, oexp := c.caps()
	set = map[string]types.AttributeValue{
		AttrTeam:            sAV(c.Team),
		AttrLimit:           nAV(int64(c.Limit)),
		AttrNotifyPct:       nAV(c.Thresholds.Notify),
		AttrDegradePct:      nAV(c.Thresholds.Degrade),
		AttrBlockPct:        nAV(c.Thresholds.Block),
		AttrModelID:         sAV(c.ModelID),
		AttrProfileARN:      sAV(c.ProfileARN),
		AttrPriceGroup:      sAV(c.PriceGroup),
		AttrOverrideLimit:   nAV(0),
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

// CreateCapRecordInput is the first write of a team's record: configuration, layout
// and notification flags, and its slices with the cap shared out and counters zeroed
// for the current period, all conditional on not existing.
func CreateCapRecordInput(table string, c CapConfig, now time.Time) *dynamodb.TransactWriteItemsInput {
	set, _ := c.configValues(now)
	capM, ocapM, oexp := c.caps()
	item := set
	n := c.sliceCount()
	item[AttrPK] = sAV(TeamKey(c.Team))
	item[AttrConfigVersion] = nAV(1)
	item[AttrLayout] = nAV(LayoutVersion)
	item[AttrSlices] = nAV(int64(n))
	item[AttrSliceMax] = nAV(int64(n))
	item[AttrNotified] = emptyMap
	notExists := aws.String("attribute_not_exists(#pk)")
	pkName := map[string]string{"#pk": AttrPK}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(table), Item: item,
		ConditionExpression: notExists, ExpressionAttributeNames: pkName}}}
	period := PeriodOf(now).Key()
	for i := range n {
		s := newSliceItem(c.Team, i, period, share(capM, n, i), share(ocapM, n, i), oexp, 1)
		s[AttrHeadroom], s[AttrOverrideHeadroom] = s[AttrBase], s[AttrOverrideBase]
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: s,
			ConditionExpression: notExists, ExpressionAttributeNames: pkName}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}
}

// newSliceItem is a slice with zeroed counters and no room (a rollover or a move gives
// it room).
func newSliceItem(team string, i int, period string, base, obase Micros, oexp, version int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: sAV(SliceKey(team, i)), AttrPeriod: sAV(period), AttrSpent: zeroAV, AttrReserved: zeroAV,
		AttrHeadroom: zeroAV, AttrOverrideHeadroom: zeroAV, AttrBase: nAV(int64(base)), AttrOverrideBase: nAV(int64(obase)),
		AttrOverrideExpires: nAV(oexp), AttrConfigVersion: nAV(version), AttrRequests: zeroAV,
		AttrInputTokens: emptyMap, AttrOutputTokens: emptyMap, AttrCacheReadTokens: emptyMap, AttrCacheWriteTokens: emptyMap,
	}
}

// UpdateCapConfigInput rewrites the configuration of an existing layout 2 record whose
// current state is cur, in one transaction with every slice. It is conditional on cur's
// config_version (optimistic locking against another Terraform run). Counters move only
// by the cap deltas (new cap - old cap, for the cap and the override cap), added to slice
// 0, so spend, reservations and the period are untouched: a config write never resets
// spend. Every slice gets the new config_version (a reservation priced from an older
// configuration fails its condition), override expiry and share of the cap (what a
// rollover restarts it from); new slices are created without room. A delta that takes
// room away marks every part in debt: no reservation is admitted until the enforcer has
// moved room so that no part is negative (see doc.go).
func UpdateCapConfigInput(table string, c CapConfig, cur *CapRecord, now time.Time) *dynamodb.TransactWriteItemsInput {
	set, remove := c.configValues(now)
	capM, ocapM, oexp := c.caps()
	oldCap, oldOcap, _ := cur.caps()
	dcap, docp := capM-oldCap, ocapM-oldOcap
	debt := dcap < 0 || docp < 0
	n := c.sliceCount()
	smax := max(n, cur.SliceMax)
	set[AttrSlices] = nAV(int64(n))
	set[AttrSliceMax] = nAV(int64(smax))
	names := map[string]string{"#ver": AttrConfigVersion}
	values := map[string]types.AttributeValue{":ver": nAV(cur.ConfigVersion), ":ver1": nAV(cur.ConfigVersion + 1)}
	expr := "SET #ver = :ver1"
	if cur.Part(LegacyPart) != nil && debt {
		set[AttrDebt] = trueAV
	}
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
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(table), Key: keyOf(TeamKey(c.Team)), UpdateExpression: aws.String(expr),
		ConditionExpression: aws.String("#ver = :ver"), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	period := cur.Period
	if period == "" {
		period = PeriodOf(now).Key()
	}
	for i := range smax {
		base, obase := Micros(0), Micros(0)
		if i < n {
			base, obase = share(capM, n, i), share(ocapM, n, i)
		}
		if cur.Part(i) == nil {
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
				Item:                newSliceItem(c.Team, i, period, base, obase, oexp, cur.ConfigVersion+1),
				ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}})
			continue
		}
		u := "SET #ver = :ver, #oexp = :oexp, #base = :base, #obase = :obase"
		sv := map[string]types.AttributeValue{":ver": nAV(cur.ConfigVersion + 1), ":oexp": nAV(oexp), ":base": nAV(int64(base)), ":obase": nAV(int64(obase))}
		if i == 0 {
			u += ", #hr = #hr + :dcap, #ohr = #ohr + :docp"
			sv[":dcap"], sv[":docp"] = nAV(int64(dcap)), nAV(int64(docp))
		}
		if debt {
			u += ", #debt = :t"
			sv[":t"] = trueAV
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(table), Key: keyOf(SliceKey(c.Team, i)), UpdateExpression: aws.String(u),
			ConditionExpression:      aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames: exprNames(nil, u, "#pk"), ExpressionAttributeValues: sv,
		}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}
}

// MigrateInput moves a layout 1 record (counters and reservations in the record) to
// layout 2 in one transaction, conditional on the record still being in layout 1 at
// config_version cur.ConfigVersion. It creates the slices (base shares of the cap, no
// room, the record's period) and marks the record's own counters as the team's legacy
// part: base 0 (cap_micros and override_cap_micros, which old enforcers' rollover
// restarts from, become 0 too), so that the sum of every part's headroom stays what the
// record had. Nothing else moves: spend and reservations in flight stay in the record,
// where enforcers of the old version still settle them during an upgrade, and room moves
// to the slices when the enforcer needs it (MoveRoom).
func MigrateInput(table string, cur *CapRecord, now time.Time) *dynamodb.TransactWriteItemsInput {
	capM, ocapM, oexp := cur.caps()
	n := cur.sliceCount()
	period := cur.Period
	if period == "" {
		period = PeriodOf(now).Key()
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(table), Key: keyOf(TeamKey(cur.Team)),
		UpdateExpression:    aws.String("SET #lay = :lay, #sl = :n, #smax = :n, #base = :z, #obase = :z, #cap = :z, #ocap = :z"),
		ConditionExpression: aws.String("attribute_not_exists(#lay) AND #ver = :ver"),
		ExpressionAttributeNames: map[string]string{"#lay": AttrLayout, "#sl": AttrSlices, "#smax": AttrSliceMax, "#base": AttrBase,
			"#obase": AttrOverrideBase, "#cap": AttrCap, "#ocap": AttrOverrideCap, "#ver": AttrConfigVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":lay": nAV(LayoutVersion), ":n": nAV(int64(n)), ":z": zeroAV,
			":ver": nAV(cur.ConfigVersion)},
	}}}
	for i := range n {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
			Item:                newSliceItem(cur.Team, i, period, share(capM, n, i), share(ocapM, n, i), oexp, cur.ConfigVersion),
			ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}
}

// Migrate moves team's record to layout 2 if it is still in layout 1 (MigrateInput);
// another writer doing it first is not an error. It returns the record as it stands.
func Migrate(ctx context.Context, db DynamoDB, table, team string, now time.Time) (*CapRecord, error) {
	for attempt := 0; ; attempt++ {
		cur, err := ReadCapRecord(ctx, db, table, team)
		if err != nil || cur.Layout >= LayoutVersion {
			return cur, err
		}
		_, err = db.TransactWriteItems(ctx, MigrateInput(table, cur, now))
		if err != nil && (!IsTransactionCanceled(err) || attempt >= 4) {
			return nil, fmt.Errorf("team %s: move the cap record to layout %d: %w", team, LayoutVersion, err)
		}
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
// holds one), (2) creates the record and its slices, or moves a layout 1 record to layout
// 2 and updates its configuration with optimistic locking, retrying on a concurrent
// write, and (3) releases identities the team no longer has. Counters are never reset.
// It returns the record as written.
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
	for attempt := 0; ; attempt++ {
		cur, err := Migrate(ctx, db, table, c.Team, now)
		switch {
		case errors.Is(err, ErrNoCapRecord):
			_, err = db.TransactWriteItems(ctx, CreateCapRecordInput(table, c, now))
		case err != nil:
			return nil, err
		default:
			if _, err = db.TransactWriteItems(ctx, UpdateCapConfigInput(table, c, cur, now)); err == nil {
				for _, k := range identityKeys(cur.PrincipalKeys, cur.APIKeyHash) {
					if !slices.Contains(want, k) {
						if _, err := db.DeleteItem(ctx, ReleaseIdentityInput(table, k, c.Team)); err != nil && !IsConditionFailed(err) {
							return nil, fmt.Errorf("team %s: release identity: %w", c.Team, err)
						}
					}
				}
			}
		}
		if err == nil {
			return ReadCapRecord(ctx, db, table, c.Team)
		}
		if !IsTransactionCanceled(err) || attempt >= 4 {
			return nil, fmt.Errorf("team %s: write cap record: %w", c.Team, err)
		}
	}
}

// DeleteCapRecord removes a team's identities, its reservations, slices and cap record
// (the provider calls it when the team is destroyed or leaves the enforcer). A missing
// record is not an error.
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
	rsv, err := QueryReservations(ctx, db, table, team, math.MaxInt64)
	if err != nil {
		return err
	}
	keys := []string{}
	for _, h := range rsv {
		keys = append(keys, ReservationKey(team, h.Slot))
	}
	for i := range cur.SliceMax {
		keys = append(keys, SliceKey(team, i))
	}
	for _, k := range append(keys, TeamKey(team)) {
		if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: keyOf(k)}); err != nil {
			return fmt.Errorf("team %s: delete %s: %w", team, k, err)
		}
	}
	return nil
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
