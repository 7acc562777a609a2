package enforcer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// Response headers that tell the client where its team stands.
const (
	HeaderTeam         = "X-Bedgov-Team"
	HeaderState        = "X-Bedgov-State"
	HeaderSpendPercent = "X-Bedgov-Spend-Percent"
	HeaderModel        = "X-Bedgov-Model"
	HeaderProfile      = "X-Bedgov-Profile-Arn"
)

// Notifier publishes a threshold notification (SNS in production).
type Notifier interface {
	Publish(ctx context.Context, topicARN, subject, message string) error
}

// PrincipalFunc returns the verified IAM principal ARN of a request (iam mode).
type PrincipalFunc func(*http.Request) (string, bool)

// Deps are the handler's collaborators.
type Deps struct {
	DB       governance.DynamoDB
	Notifier Notifier
	// Credentials sign the forwarded requests (the enforcer's own role).
	Credentials aws.CredentialsProvider
	// Transport for Bedrock; nil means a pooled default.
	Transport http.RoundTripper
	// Principal extracts the caller in iam mode. Nil means: the Lambda function URL
	// request context, else Config.TrustedPrincipalHeader.
	Principal PrincipalFunc
	Clock     governance.Clock
	Log       io.Writer
}

// Handler is the enforcer. It is an http.Handler, served by both entry points.
type Handler struct {
	cfg       Config
	db        governance.DynamoDB
	notifier  Notifier
	fwd       *forwarder
	now       governance.Clock
	log       *emitter
	principal PrincipalFunc

	// The request path's caches, each bounded (Config.CacheEntries): identities known
	// to belong to a team, identities that belong to none (kept apart, so that a flood
	// of unknown keys or principals cannot evict the known ones), and team views.
	ids     *boundedMap[*idEntry]
	unknown *boundedMap[*idEntry]
	teams   *boundedMap[*teamView]
	bg      sync.WaitGroup
	// sweeps: when this instance last swept a team's expired reservations (bounded like
	// the caches: an evicted team is only swept sooner).
	sweeps *boundedMap[time.Time]
	// ledger groups this instance's reservations and settlements on a slice into shared
	// transactions.
	ledger *governance.Committer
	// nextSlice turns requests over the slices.
	nextSlice atomic.Uint64
}

type idEntry struct {
	team    string
	expires time.Time
}

// teamView is an immutable snapshot of a team's configuration with its prices.
type teamView struct {
	rec    *governance.CapRecord
	loaded time.Time
	// fetched is when (real time) rec was read; unseen is what this instance has settled
	// since, shared by the copies refreshView makes of the view.
	fetched time.Time
	unseen  *atomic.Int64
	primary quote
	degrade quote
	// profileID is the last segment of the profile ARN (the id form clients may use).
	profileID, degradeProfileID string
	// sameFormat: an InvokeModel body written for the model reads the same to the
	// degrade model (governance.SameRequestFormat), so one can be degraded.
	sameFormat bool
}

type quote struct {
	mp governance.ModelPricing
	// ref is the resolved model and price group the request's rate is looked up with.
	ref governance.ModelRef
	err error
}

// New builds a handler. It makes no network call.
func New(cfg Config, d Deps) (*Handler, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if d.DB == nil {
		return nil, errors.New("enforcer: a DynamoDB client is required")
	}
	h := &Handler{cfg: cfg, db: d.DB, notifier: d.Notifier, now: d.Clock, principal: d.Principal,
		ids: newBoundedMap[*idEntry](cfg.CacheEntries), unknown: newBoundedMap[*idEntry](cfg.CacheEntries), teams: newBoundedMap[*teamView](cfg.CacheEntries), sweeps: newBoundedMap[time.Time](cfg.CacheEntries), ledger: &governance.Committer{DB: d.DB, Table: cfg.Table}}
	if h.now == nil {
		h.now = time.Now
	}
	h.nextSlice.Store(mrand.Uint64()) //nolint:gosec // where an instance starts turning over the slices: a spread, not a secret
	if d.Log == nil {
		d.Log = io.Discard
	}
	h.log = newEmitter(d.Log, cfg.MetricsNamespace)
	fwd, err := newForwarder(cfg.BedrockEndpoint, cfg.Region, d.Credentials, d.Transport, func() time.Time { return h.now() }, cfg.CacheEntries)
	if err != nil {
		return nil, fmt.Errorf("enforcer: %w", err)
	}
	h.fwd = fwd
	if h.principal == nil {
		h.principal = defaultPrincipal(cfg.TrustedPrincipalHeader)
	}
	return h, nil
}

// Wait blocks until detached settlements have finished (graceful shutdown, tests).
func (h *Handler) Wait() { h.bg.Wait() }

// call is the state of one request.
type call struct {
	start    time.Time
	op       operation
	team     *teamView
	id       string
	idOK     bool
	reserved governance.Micros
	expires  time.Time
	hold     governance.Hold // the reservation as made
	failOpen bool
	target   string
	model    string
	// primaryRate and degradeRate price the team's two profiles for this request's
	// billing dimensions; canDegrade says the degrade profile can be priced for it.
	primaryRate, degradeRate governance.Rate
	canDegrade               bool
	rate                     governance.Rate // the billing dimensions' rate of the model forwarded to
	dims                     governance.Dims
	inBound                  int64
	// chargeReserved: the request was sent to Bedrock and its answer lost, so the call
	// is charged its whole reservation.
	chargeReserved bool
	log            requestLog
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{start: h.now()}
	if e := h.serve(w, r, c); e != nil {
		if c.team != nil {
			w.Header().Set(HeaderTeam, c.team.rec.Team)
			if c.log.State != "" {
				w.Header().Set(HeaderState, c.log.State)
				w.Header().Set(HeaderSpendPercent, strconv.FormatInt(c.log.SpendPercent, 10))
			}
		}
		writeAPIError(w, e)
		c.log.Status, c.log.Error = e.status, e.message
		if c.log.Decision == "" {
			c.log.Decision = decRejected
		}
		h.finishLog(c)
	}
}

func (h *Handler) finishLog(c *call) {
	now := h.now()
	c.log.LatencyMs = float64(now.Sub(c.start).Microseconds()) / 1000
	c.log.Requests = 1
	if c.failOpen {
		c.log.FailOpen = true
		c.log.Level = "WARN"
	}
	h.log.request(&c.log, now)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	if r.Method != http.MethodPost {
		return errNotFound("unsupported operation " + r.Method + " " + r.URL.EscapedPath())
	}
	modelRef, op, err := parsePath(r.URL.EscapedPath())
	if err != nil {
		return errNotFound(err.Error() + ": want POST /model/{modelId}/converse, converse-stream, invoke or invoke-with-response-stream")
	}
	c.op = op
	c.log.Operation = op.String()

	// Identity first: nothing else is read for an unknown caller.
	view, ae := h.identify(r, c)
	if ae != nil {
		if c.log.Decision == "" {
			c.log.Decision = decDenied
		}
		return ae
	}
	c.team = view
	c.log.Team = view.rec.Team

	body, modelRef, maxOut, inBound, ae := h.readBody(r, c, modelRef)
	if ae != nil {
		return ae
	}

	// Idempotency.
	inv := r.Header.Get("Amz-Sdk-Invocation-Id")
	c.idOK = invocationIDOK(inv)
	if c.idOK {
		c.id = inv
	} else {
		c.id = randomID()
	}
	if c.idOK {
		c.log.InvocationID = inv
	}
	c.log.Attempt = attemptOf(r.Header.Get("Amz-Sdk-Request"))
	// The ledger's writes are not abandoned with the client: a reservation written but
	// thought failed would stay until it expired and then be charged in full.
	lctx, lcancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer lcancel()
	if c.idOK && c.log.Attempt > 1 {
		out, err := h.db.GetItem(lctx, governance.GetIdempotencyInput(h.cfg.Table, view.rec.Team, c.id))
		if err == nil && len(out.Item) > 0 {
			c.log.Decision = decReplay
			return errConflict(fmt.Sprintf("invocation %s was already served and billed; it is not sent to Bedrock again", c.id))
		}
	}

	rec, wantDegrade, now, ae := h.reserveDecided(lctx, c, modelRef, inBound, maxOut)
	if ae != nil {
		return ae
	}

	state, body := h.route(c, rec, now, wantDegrade, body)
	view = c.team

	// The five headers' values share one backing array (the names are canonical).
	vals := []string{view.rec.Team, string(state), strconv.FormatInt(c.log.SpendPercent, 10), c.model, c.target}
	hdr := w.Header()
	for i, k := range [...]string{HeaderTeam, HeaderState, HeaderSpendPercent, HeaderModel, HeaderProfile} {
		hdr[k] = vals[i : i+1 : i+1]
	}

	h.forwardAndSettle(w, r, c, body)
	return nil
}

// readBody reads the request body (at most MaxBodyBytes) and what the request is priced
// from: its model reference (from the body for Chat Completions), its output bound, its
// billing dimensions (c.dims) and its input bound. A request with a guardrail is refused.
func (h *Handler) readBody(r *http.Request, c *call, modelRef string) (body []byte, ref string, maxOut, inBound int64, ae *apiError) {
	if r.ContentLength > h.cfg.MaxBodyBytes {
		return nil, "", 0, 0, errTooLarge(fmt.Sprintf("request body exceeds %d bytes", h.cfg.MaxBodyBytes))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.MaxBodyBytes+1))
	if err != nil {
		return nil, "", 0, 0, errValidation("could not read the request body")
	}
	if int64(len(body)) > h.cfg.MaxBodyBytes {
		return nil, "", 0, 0, errTooLarge(fmt.Sprintf("request body exceeds %d bytes", h.cfg.MaxBodyBytes))
	}
	if c.op == opChat { // OpenAI-compatible: the model and "stream" are in the body
		var op operation
		if modelRef, op, err = chatRoute(body); err != nil {
			return nil, "", 0, 0, errValidation(err.Error())
		}
		c.op, c.log.Operation = op, op.String()
	}
	fields, err := decodeRequest(body)
	if err != nil {
		return nil, "", 0, 0, errValidation(err.Error())
	}
	maxOut, err = fields.maxOutputTokens(body)
	if err != nil {
		return nil, "", 0, 0, errValidation(err.Error())
	}
	if ae = fields.refuseGuardrail(r.Header); ae != nil {
		return nil, "", 0, 0, ae
	}
	tree := bodyTree(body)
	if c.dims, err = fields.requestDims(body, tree, r.Header); err != nil {
		return nil, "", 0, 0, errValidation(err.Error())
	}
	inBound, err = inputBoundOf(body, tree)
	if err != nil {
		return nil, "", 0, 0, errValidation(err.Error())
	}
	return body, modelRef, maxOut, inBound, nil
}

// route is the graduated response: it reads the team's standing from the record the
// reservation returned (rec, nil when failing open) and chooses the profile the request
// goes to (c.target, c.model, c.rate), fitting body to the degrade model when degraded.
func (h *Handler) route(c *call, rec *governance.CapRecord, now time.Time, wantDegrade bool, body []byte) (governance.State, []byte) {
	view := c.team
	state := governance.StateOK
	if rec != nil {
		standing := rec.StandingAt(now)
		state = standing.State
		c.log.SpendPercent = standing.Percent
		c.log.Period = standing.Period
		if rec.OverrideActive(now) {
			c.log.Override = fmt.Sprintf("limit %s USD until %s: %s", rec.Override.Limit.Cents(), rec.Override.Expires.Format(time.RFC3339), rec.Override.Reason)
		}
	}
	c.target, c.model, c.rate = view.rec.ProfileARN, view.rec.ModelID, c.primaryRate
	// InvokeModel bodies are model-native: one is degraded only to a model that reads the
	// same request format (governance.RequestFormat); Converse is model-agnostic.
	degradable := c.op == opConverse || c.op == opConverseStream || view.sameFormat
	degrade := c.canDegrade && (wantDegrade || (degradable && state.Rank() >= governance.StateDegraded.Rank()))
	if degrade {
		c.target, c.model, c.rate = view.rec.DegradeProfileARN, view.rec.DegradeModelID, c.degradeRate
		// Fit the request to the degrade model's maximum output, which Bedrock enforces.
		body = fitOutput(body, view.degrade.mp.MaxOutputTokens)
	}
	c.log.State, c.log.Model, c.log.Profile = string(state), c.model, c.target
	c.log.Decision = decAdmitted
	if degrade && !wantDegrade {
		c.log.Decision = decDegraded
	}
	if c.failOpen {
		c.log.Decision = decFailOpen
	}
	return state, body
}

// price checks that the path names one of the view's profiles and sets the request's
// reservation: its worst case (inBound input tokens, see inputBound) over every profile
// it may end up on. It reports whether
// the path names the degrade profile.
func (h *Handler) price(view *teamView, modelRef string, c *call, inBound, maxOut int64) (bool, *apiError) {
	wantDegrade, ok := view.allows(modelRef)
	if !ok {
		c.log.Decision = decDenied
		return false, errDenied(fmt.Sprintf("team %s may not invoke %q through bedgov: use its profile %s or model %s", view.rec.Team, modelRef, view.rec.ProfileARN, view.rec.ModelID))
	}
	if view.primary.err != nil {
		return false, errValidation(view.primary.err.Error())
	}
	if view.rec.DegradeProfileARN != "" && view.degrade.err != nil {
		return false, errValidation(view.degrade.err.Error())
	}
	// The request's billing dimensions; worst case over every profile it may end up on.
	// A dimension bedgov cannot price is refused, never charged at a cheaper rate.
	c.inBound = inBound
	var ae *apiError
	if c.primaryRate, c.degradeRate, c.canDegrade, ae = h.rates(view, c, wantDegrade); ae != nil {
		return false, ae
	}
	c.reserved = c.primaryRate.WorstCase(c.inBound, governance.MaxOutputFor(maxOut, view.primary.mp))
	if c.canDegrade {
		if d := c.degradeRate.WorstCase(c.inBound, governance.MaxOutputFor(maxOut, view.degrade.mp)); d > c.reserved {
			c.reserved = d
		}
	}
	c.log.Reserved = int64(c.reserved)
	c.log.Dims = c.dims.String()
	return wantDegrade, nil
}

// identify maps the caller to a team through the identity index, and checks the team's
// record still lists the identity.
func (h *Handler) identify(r *http.Request, c *call) (*teamView, *apiError) {
	indexKey, keyHash, principalKey, ae := h.credential(r, c)
	if ae != nil {
		return nil, ae
	}
	now := h.now()
	team, ae := h.teamOf(r.Context(), c, indexKey, now)
	if ae != nil {
		return nil, ae
	}
	if team == "" {
		return nil, errDenied("the caller belongs to no bedgov team")
	}
	view, ae := h.teamView(r.Context(), team, now)
	if ae != nil {
		return nil, ae
	}
	// The record is the authority: an identity removed from it stops working at once
	// for every enforcer that sees the new record. A cached record that does not list an
	// identity the index gives to the team may predate a rotation: read it once more.
	listed := func(v *teamView) bool {
		if keyHash != "" {
			return subtle.ConstantTimeCompare([]byte(keyHash), []byte(v.rec.APIKeyHash)) == 1
		}
		return slices.Contains(v.rec.PrincipalKeys, principalKey)
	}
	if !listed(view) && view.loaded.Before(now) {
		h.teams.Delete(team)
		if view, ae = h.teamView(r.Context(), team, now); ae != nil {
			return nil, ae
		}
	}
	if !listed(view) {
		h.ids.Delete(indexKey)
		return nil, errDenied("the caller belongs to no bedgov team")
	}
	return view, nil
}

// credential reads the caller's credential (the bearer API key, or the IAM principal)
// and returns its key in the identity index, with the key's hash or the principal's key
// the team's record must list.
func (h *Handler) credential(r *http.Request, c *call) (indexKey, keyHash, principalKey string, ae *apiError) {
	switch h.cfg.AuthMode {
	case AuthAPIKey:
		if len(r.Header.Values("Authorization")) > 1 {
			return "", "", "", errDenied("the Authorization header is repeated: send one bearer API key")
		}
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || key == "" {
			return "", "", "", errDenied("missing bearer API key")
		}
		keyHash = governance.HashAPIKey(key)
		indexKey = governance.APIKeyIndexKey(keyHash)
	default:
		if hn := h.cfg.TrustedPrincipalHeader; hn != "" && repeated(r.Header, hn) {
			return "", "", "", errDenied("the principal header " + hn + " has several values: the trusted front must replace it, never append to it")
		}
		arn, ok := h.principal(r)
		if !ok || arn == "" {
			return "", "", "", errDenied("no authenticated IAM principal")
		}
		pk, err := governance.PrincipalKey(arn)
		if err != nil {
			return "", "", "", errDenied(err.Error())
		}
		principalKey = pk
		c.log.Principal = pk
		indexKey = governance.PrincipalIndexKey(pk)
	}
	return indexKey, keyHash, principalKey, nil
}

// teamOf is the team the identity index gives indexKey ("" for none), from the cache
// while its entry lasts (and, failing open, while the index cannot be read).
func (h *Handler) teamOf(ctx context.Context, c *call, indexKey string, now time.Time) (team string, ae *apiError) {
	cached, hit := h.ids.Load(indexKey)
	if !hit {
		cached, hit = h.unknown.Load(indexKey)
	}
	if hit && now.Before(cached.expires) {
		team = cached.team
	} else {
		out, err := h.db.GetItem(ctx, governance.LookupIdentityInput(h.cfg.Table, indexKey))
		switch {
		case err != nil && hit && h.cfg.FailOpen:
			out = &dynamodb.GetItemOutput{Item: map[string]types.AttributeValue{governance.AttrTeam: &types.AttributeValueMemberS{Value: cached.team}}}
			c.failOpen = true
		case err != nil:
			c.log.Decision = decFailedClosed
			return "", errUnavailable("the budget ledger is unavailable")
		}
		team = governance.TeamOfIdentity(out.Item)
		if team == "" {
			h.ids.Delete(indexKey)
			h.unknown.Store(indexKey, &idEntry{expires: now.Add(min(h.cfg.IdentityCacheTTL, 5*time.Second))})
		} else {
			h.unknown.Delete(indexKey)
			h.ids.Store(indexKey, &idEntry{team: team, expires: now.Add(h.cfg.IdentityCacheTTL)})
		}
	}
	return team, nil
}

func (h *Handler) teamView(ctx context.Context, team string, now time.Time) (*teamView, *apiError) {
	if v, ok := h.teams.Load(team); ok && now.Sub(v.loaded) < viewTTL(v.rec, h.cfg.IdentityCacheTTL) {
		return v, nil
	}
	rec, err := governance.ReadCapRecord(ctx, h.db, h.cfg.Table, team)
	if errors.Is(err, governance.ErrNoCapRecord) {
		return nil, errDenied("team " + team + " has no cap record")
	}
	if err != nil {
		if v, ok := h.teams.Load(team); ok && h.cfg.FailOpen {
			return v, nil
		}
		return nil, errUnavailable("the budget ledger is unavailable")
	}
	return h.storeView(rec, now), nil
}

// refreshView replaces the cached view with the record a write returned; prices are
// recomputed only when the configuration changed.
func (h *Handler) refreshView(rec *governance.CapRecord) *teamView {
	now := h.now()
	if old, ok := h.teams.Load(rec.Team); ok {
		if old.rec.ConfigVersion > rec.ConfigVersion {
			return old // an eventually consistent read older than the view
		}
		if old.rec.ConfigVersion == rec.ConfigVersion {
			nv := *old
			nv.rec, nv.loaded, nv.fetched, nv.unseen = rec, now, time.Now(), new(atomic.Int64)
			h.teams.Store(rec.Team, &nv)
			return &nv
		}
	}
	return h.storeView(rec, now)
}

func (h *Handler) storeView(rec *governance.CapRecord, now time.Time) *teamView {
	v := &teamView{rec: rec, loaded: now, fetched: time.Now(), unseen: new(atomic.Int64), profileID: lastSegment(rec.ProfileARN), degradeProfileID: lastSegment(rec.DegradeProfileARN),
		sameFormat: governance.SameRequestFormat(rec.ModelID, rec.DegradeModelID)}
	v.primary = h.quote(rec.ModelID, rec.PriceGroup)
	if rec.DegradeModelID != "" {
		v.degrade = h.quote(rec.DegradeModelID, rec.PriceGroup)
	}
	h.teams.Store(rec.Team, v)
	return v
}

// quote prices a model for the team's views. A price of zero is an error too: a call
// the enforcer cannot charge is never forwarded.
func (h *Handler) quote(model, group string) quote {
	p, mp, ref, err := h.cfg.Pricing.Quote(model, nil, group)
	if err == nil && (p.Input <= 0 || p.Output <= 0) {
		err = fmt.Errorf("model %s is priced at zero; bedgov never forwards a call it cannot charge: give it a price in pricing_overrides", model)
	}
	return quote{mp, ref, err}
}

func lastSegment(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return ""
}

// allows reports whether ref names one of the team's profiles or models, and whether
// it names the degrade one.
func (v *teamView) allows(ref string) (degrade, ok bool) {
	rec := v.rec
	match := func(profileARN, profileID, model string) bool {
		if profileARN == "" {
			return false
		}
		if ref == profileARN || ref == profileID || ref == model {
			return true
		}
		if strings.HasPrefix(ref, "arn:") && strings.Contains(ref, "application-inference-profile/") {
			return false // another profile
		}
		r, err := governance.ResolveModel(ref, nil)
		return err == nil && r.ModelID == model
	}
	if match(rec.ProfileARN, v.profileID, rec.ModelID) {
		return false, true
	}
	if match(rec.DegradeProfileARN, v.degradeProfileID, rec.DegradeModelID) {
		return true, true
	}
	return false, false
}

func randomID() string {
	const prefix = "bedgov-"
	var b [16]byte
	_, _ = rand.Read(b[:])
	var id [len(prefix) + 2*len(b)]byte
	copy(id[:], prefix)
	hex.Encode(id[len(prefix):], b[:])
	return string(id[:])
}

// reservationSlot is the key of an invocation's reservation in the cap record's
// in-flight map: 16 characters of its id's SHA-256 (96 bits) instead of the id itself
// (36 or more). Every request in flight adds an entry to the one item that all of a
// team's requests write, and DynamoDB bills each write by that item's size.
func reservationSlot(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// randomNonce tells one reserving attempt from another of the same invocation (72
// random bits, 12 characters in the record).
func randomNonce() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Copy buffers: 32 KiB for whole responses; 8 KiB for streams, whose events are small
// and each read is flushed at once, and which a stream holds for as long as it lasts.
var (
	copyBufs   = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	streamBufs = sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}
)

// forwardAndSettle forwards, streams the response through and settles.
//
// Bedrock runs and bills a call once it has the whole request, whatever becomes of the
// client, so the forwarded call does not end with the client's: a non-streaming answer
// is read to its end for the usage it reports even when the client has gone or reset
// the connection. A stream is cancelled with its client (Bedrock then stops generating)
// and charged what was seen of it; one the client abandoned before Bedrock's response
// headers is charged its reservation. Only a call that was provably never sent (the
// request was not written) is free.
func (h *Handler) forwardAndSettle(w http.ResponseWriter, r *http.Request, c *call, body []byte) {
	meter := newUsageMeter(c.op)
	status := 0
	cancelled := false
	upCtx, upCancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.ReservationTTL)
	defer upCancel()
	if c.op.streaming() {
		stop := context.AfterFunc(r.Context(), upCancel)
		defer stop()
	}
	resp, sent, err := h.fwd.do(upCtx, c.target, c.op, body, r.Header)
	if err != nil {
		cancelled = r.Context().Err() != nil
		c.chargeReserved = sent
		e := errUnavailable("Bedrock could not be reached")
		if sent {
			e = errUnavailable("the response from Bedrock was lost")
		}
		writeAPIError(w, e)
		status = e.status
		c.log.Error = e.message
	} else {
		status = resp.StatusCode
		cancelled = h.relay(w, r, c, resp, meter)
	}
	c.log.Status = status
	c.log.Cancelled = cancelled
	if meter.streamErr != "" {
		c.log.Error = "in-stream " + meter.streamErr
	}

	h.settleAndLog(r, c, meter, status)
}

// relay streams Bedrock's response through to the client (its headers, then its body,
// metered), reading a non-streaming answer to its end even after the client has gone.
// It reports whether the client cancelled.
func (h *Handler) relay(w http.ResponseWriter, r *http.Request, c *call, resp *http.Response, meter *usageMeter) (cancelled bool) {
	hdr := w.Header()
	for k, vs := range resp.Header {
		switch k {
		case "Connection", "Keep-Alive", "Transfer-Encoding", "Proxy-Connection", "Upgrade", "Trailer":
			continue
		}
		hdr[k] = vs
	}
	meter.fromHeaders(resp.Header)
	w.WriteHeader(resp.StatusCode)
	flusher, _ := w.(http.Flusher)
	stream := c.op.streaming() && resp.StatusCode == http.StatusOK
	pool := &copyBufs
	if c.op.streaming() {
		pool = &streamBufs
	}
	bp := pool.Get().(*[]byte)
	buf := *bp
	clientGone := false
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			_, _ = meter.Write(buf[:n])
			if !clientGone {
				if _, werr := w.Write(buf[:n]); werr != nil {
					cancelled, clientGone = true, true
					if c.op.streaming() {
						break
					}
				} else if stream && flusher != nil {
					flusher.Flush()
				}
			}
		}
		if rerr == io.EOF {
			meter.complete = true
			break
		}
		if rerr != nil {
			cancelled = cancelled || r.Context().Err() != nil
			if !cancelled {
				c.log.Error = "upstream stream failed"
				// A stream cut at a message boundary would look complete to the
				// client: end it with an exception event the SDKs surface. (Cut
				// mid-message, the client's decoder already reports the truncation.)
				if stream && meter.atBoundary() && meter.streamErr == "" {
					_, _ = w.Write(appendMessage(nil, [][2]string{{":message-type", "exception"}, {":exception-type", "internalServerException"}, {":content-type", "application/json"}},
						[]byte(`{"message":"the response stream from Bedrock failed"}`)))
				}
			}
			break
		}
	}
	pool.Put(bp)
	_ = resp.Body.Close()
	if flusher != nil && !clientGone {
		flusher.Flush()
	}
	meter.finishBody()
	return cancelled
}

// settleAndLog settles the call and logs it: in the background with DetachSettle, and
// never abandoned with the client.
func (h *Handler) settleAndLog(r *http.Request, c *call, meter *usageMeter, status int) {
	settle := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		defer cancel()
		h.settle(ctx, c, meter, status)
		h.finishLog(c)
	}
	if h.cfg.DetachSettle {
		h.bg.Add(1)
		go func() { defer h.bg.Done(); settle() }()
		return
	}
	settle()
}

// settleRetryPause is the first pause before a settlement is retried; it doubles, up
// to a second.
const settleRetryPause = 25 * time.Millisecond

// settle charges what the call cost, releases the rest, records idempotency and
// sends due notifications.
func (h *Handler) settle(ctx context.Context, c *call, meter *usageMeter, status int) {
	usage, exact := meter.billed(status, c.inBound)
	if c.dims.CacheTTL1h && !meter.ttlSplit {
		// The request asked for a 1-hour TTL and Bedrock did not say which writes had
		// which: charge them all at the 1-hour rate, never the cheaper one.
		usage.CacheWrite1hTokens += usage.CacheWriteTokens
		usage.CacheWriteTokens = 0
	}
	cost := c.rate.Cost(usage)
	switch {
	case c.chargeReserved || (!exact && !c.op.streaming()):
		// Sent and its answer lost, or a non-streaming answer without readable usage:
		// Bedrock may have billed up to the worst case, so that is the charge.
		cost, exact = c.reserved, false
	case !exact && cost > c.reserved:
		cost = c.reserved // an estimate never exceeds the worst case
	}
	c.log.UsageExact = exact
	c.log.CostMicroUSD = int64(cost)
	c.log.InputTokens, c.log.OutputTokens = usage.InputTokens+usage.CacheReadTokens+usage.CacheWriteTokens, usage.OutputTokens
	team := c.team.rec.Team
	if !exact && status == http.StatusOK {
		h.log.event(h.now(), "WARN", "usage estimated", "team", team, "invocation_id", c.id, "cost_micros", int64(cost))
	}

	// The idempotency record is independent of the settlement: write it alongside.
	var idem sync.WaitGroup
	if c.idOK && cost > 0 {
		idem.Add(1)
		go func() {
			defer idem.Done()
			_, _ = h.db.PutItem(ctx, governance.PutIdempotencyInput(h.cfg.Table, team, c.id, cost, h.now()))
		}()
	}
	defer idem.Wait()

	h.settleLedger(ctx, c, cost, usage)
}

// notifyBlocked sends the block threshold's notification (once per period) when a
// request is refused: with reservations the spend itself may stop short of the block
// threshold, so the first refusal is the event the team must hear about.
func (h *Handler) notifyBlocked(ctx context.Context, rec *governance.CapRecord, now time.Time) {
	pct := rec.Thresholds.Block
	limit := rec.EffectiveLimit(now)
	// A refusal of one large request early in the month is not a blocked team: only
	// past the degrade threshold does a refusal mean the budget is running out.
	if governance.Percent(rec.Spent+rec.Reserved, limit) < rec.Thresholds.Degrade {
		return
	}
	if rec.Notified(pct) || !h.claimNotification(ctx, rec, pct) {
		return
	}
	left := max(rec.Headroom, 0)
	if rec.OverrideActive(now) {
		left = max(left, rec.OverrideHdroom)
	}
	h.publish(ctx, rec, pct, fmt.Sprintf("bedgov: team %s is blocked", rec.Team),
		fmt.Sprintf("Team %s has spent %s USD of its monthly budget of %s USD in %s (%d%%). Requests whose worst-case cost exceeds the %s USD left are refused until %s or an override raises the limit.",
			rec.Team, rec.Spent.Cents(), limit.Cents(), rec.Period, governance.Percent(rec.Spent, limit), left.Cents(), periodEnd(rec.Period)), governance.StateBlocked, now)
}

// claimNotification elects this request as the sender of threshold pct's notification
// for the record's period.
func (h *Handler) claimNotification(ctx context.Context, rec *governance.CapRecord, pct int64) bool {
	nonce := randomID()
	_, err := h.db.UpdateItem(ctx, governance.NotifyOnceInput(h.cfg.Table, rec.Team, pct, rec.Period, nonce))
	if err == nil {
		return true
	}
	if !governance.IsConditionFailed(err) {
		return false // the ledger is down: a later settlement tries again
	}
	// Another request won, unless our own write was applied and its answer lost.
	cur, err := governance.ReadCapRecord(ctx, h.db, h.cfg.Table, rec.Team)
	return err == nil && cur.NotifiedBy(pct, rec.Period, nonce)
}

func periodEnd(key string) string {
	p, err := governance.ParsePeriod(key)
	if err != nil {
		return "the next period"
	}
	return p.End().Format(time.RFC3339)
}

func (h *Handler) publish(ctx context.Context, rec *governance.CapRecord, pct int64, subject, msg string, state governance.State, now time.Time) {
	sent := false
	if h.notifier != nil && rec.SNSTopicARN != "" {
		for attempt := 0; attempt < 3 && !sent; attempt++ {
			sent = h.notifier.Publish(ctx, rec.SNSTopicARN, subject, msg) == nil
		}
	}
	h.log.event(now, "INFO", "threshold notification", "team", rec.Team, "threshold_pct", pct, "period", rec.Period, "state", string(state), "sns_topic_arn", rec.SNSTopicARN, "published", sent)
}

// notify sends each threshold notification due for rec's period, exactly once across
// all enforcers: the conditional flag write elects the sender.
func (h *Handler) notify(ctx context.Context, rec *governance.CapRecord) {
	now := h.now()
	limit := rec.EffectiveLimit(now)
	for _, pct := range rec.Thresholds.Crossed(rec.Spent, limit) {
		if rec.Notified(pct) || !h.claimNotification(ctx, rec, pct) {
			continue
		}
		state := rec.StateOf(limit*governance.Micros(pct)/100, limit)
		subject := fmt.Sprintf("bedgov: team %s reached %d%% of its monthly budget", rec.Team, pct)
		msg := fmt.Sprintf("Team %s has spent %s USD of its monthly budget of %s USD in %s (%d%%). Threshold %d%% reached: the team is now %s.",
			rec.Team, rec.Spent.Cents(), limit.Cents(), rec.Period, governance.Percent(rec.Spent, limit), pct, state)
		h.publish(ctx, rec, pct, subject, msg, state, now)
	}
}
