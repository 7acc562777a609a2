package enforcer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// The enforcer's side of the cap ledger (governance.Reserve and friends): which slice a
// request reserves on, what a refusal means to the client, and keeping the team's view
// fresh enough to route by.

// reserveDecided prices the request from the team's view (c.team) and makes its
// reservation. The request is priced and routed from one view of the team: the
// reservation is conditional on the configuration version the view has, and when the
// configuration changed (a model change within the view's lifetime) the request is
// decided again from the new record. It reports whether the path names the degrade
// profile; rec is nil when the ledger failed open.
func (h *Handler) reserveDecided(ctx context.Context, c *call, modelRef string, inBound, maxOut int64) (rec *governance.CapRecord, wantDegrade bool, now time.Time, ae *apiError) {
	slot := reservationSlot(c.id)
	for attempt := 0; ; attempt++ {
		if wantDegrade, ae = h.price(c.team, modelRef, c, inBound, maxOut); ae != nil {
			return nil, false, now, ae
		}
		now = h.now()
		c.expires = now.Add(h.cfg.ReservationTTL)
		var changed bool
		rec, changed, ae = h.reserve(ctx, c, slot, randomNonce(), now)
		if !changed {
			return rec, wantDegrade, now, ae
		}
		if attempt == 2 {
			return nil, false, now, errThrottled("the configuration of team " + c.team.rec.Team + " is changing; retry shortly")
		}
	}
}

// reserve makes the reservation (key slot, this attempt's nonce; kept in c.hold) on one
// of the team's slices, in turn (from a random start per instance), so that the team's
// requests spread evenly over them. changed reports a configuration newer than the
// view's: c.team is then the new view, and the request must be priced again.
func (h *Handler) reserve(ctx context.Context, c *call, slot, nonce string, now time.Time) (*governance.CapRecord, bool, *apiError) {
	view := c.team.rec
	c.hold = governance.Hold{Team: view.Team, Slot: slot, Slice: int(h.nextSlice.Add(1) % uint64(max(view.Slices, 1))), Amount: c.reserved,
		Expires: c.expires.Unix(), Nonce: nonce}
	err := h.ledger.Reserve(ctx, view, &c.hold, now, h.loggedCharge(now))
	if err == nil {
		return view, false, nil
	}
	var ref *governance.Refusal
	if !errors.As(err, &ref) {
		if errors.Is(err, governance.ErrNoCapRecord) {
			c.log.Decision = decDenied
			return nil, false, errDenied("team " + view.Team + " has no cap record")
		}
		rec, ae := h.ledgerDown(c, err)
		return rec, false, ae
	}
	if ref.Rec != nil {
		c.team = h.refreshView(ref.Rec)
	}
	cur := c.team.rec
	switch ref.Reason {
	case governance.RefusedConfigChanged, governance.RefusedStandingChanged:
		return nil, true, nil
	case governance.RefusedInFlight:
		c.log.Decision = decInFlight
		return nil, false, errThrottled("invocation " + c.id + " is already in flight; retry later")
	case governance.RefusedContended:
		c.log.Decision = decDeferred
		return nil, false, errThrottled(fmt.Sprintf("the monthly budget of team %s is contended by requests in flight; retry shortly", view.Team))
	}
	limit := cur.EffectiveLimit(now)
	c.log.SpendPercent = governance.Percent(cur.Spent, limit)
	c.log.Period = cur.Period
	// The team's state, as everywhere else: a request refused because its worst case
	// does not fit the room left does not make the team blocked.
	c.log.State = string(cur.StandingAt(now).State)
	if ref.Reason == governance.RefusedHeld {
		// Room that in-flight reservations hold comes back when they settle: a
		// retryable throttle, not the end of the budget.
		c.log.Decision = decDeferred
		return nil, false, errThrottled(fmt.Sprintf("the monthly budget of team %s is held by requests in flight; retry shortly", cur.Team))
	}
	h.notifyBlocked(ctx, cur, now)
	c.log.Decision = decBlocked
	return nil, false, h.blockedError(cur, c, limit, now)
}

// ledgerDown answers a ledger failure: 503, or, with fail_open, an uncounted pass.
func (h *Handler) ledgerDown(c *call, err error) (*governance.CapRecord, *apiError) {
	h.log.event(h.now(), "ERROR", "ledger unavailable", "team", c.team.rec.Team, "error", err.Error(), "fail_open", h.cfg.FailOpen)
	if h.cfg.FailOpen {
		c.failOpen = true
		return nil, nil
	}
	c.log.Decision = decFailedClosed
	return nil, errUnavailable("the budget ledger is unavailable; request refused (fail closed)")
}

func (h *Handler) blockedError(cur *governance.CapRecord, c *call, limit governance.Micros, now time.Time) *apiError {
	team := cur.Team
	var msg string
	if cur.Thresholds.StateFor(cur.Spent, limit) == governance.StateBlocked {
		msg = fmt.Sprintf("monthly budget of %s USD exceeded for team %s", limit.Cents(), team)
	} else {
		left := cur.Headroom
		if cur.OverrideActive(now) && cur.OverrideHdroom > left {
			left = cur.OverrideHdroom
		}
		left = max(left, 0)
		msg = fmt.Sprintf("monthly budget of %s USD for team %s has %s USD left, less than this request's worst-case cost of %s USD; lower maxTokens or raise the budget", limit.Cents(), team, left.Cents(), c.reserved.CentsUp())
	}
	return errBlocked(msg)
}

// settleLedger charges cost to the call's reservation (a settlement given up leaves the
// worst case reserved until it expires and is charged in full, so a failing one is
// retried with growing pauses for as long as ctx lasts), then refreshes the team's view
// and sends the notifications that became due.
func (h *Handler) settleLedger(ctx context.Context, c *call, cost governance.Micros, usage governance.Usage) {
	team := c.team.rec.Team
	var err error
	if c.failOpen {
		if cost > 0 {
			err = governance.LateCharge(ctx, h.db, h.cfg.Table, team, 0, cost, c.model, usage)
		}
	} else {
		for attempt := 0; ; attempt++ {
			var held bool
			if held, err = h.ledger.Settle(ctx, &c.hold, cost, c.model, usage, false); err == nil {
				// Not held: settled already (a retry whose first try had succeeded), or
				// charged in full as expired: then add only what the call cost beyond it.
				if !held && h.now().After(c.expires) && cost > c.reserved {
					err = governance.LateCharge(ctx, h.db, h.cfg.Table, team, c.hold.Slice, cost-c.reserved, c.model, usage)
				}
				break
			}
			pause := time.NewTimer(min(settleRetryPause<<min(attempt, 6), time.Second))
			select {
			case <-ctx.Done():
				pause.Stop()
			case <-pause.C:
				continue
			}
			break
		}
	}
	if err != nil {
		h.log.event(h.now(), "ERROR", "settlement failed; the reservation will expire and be charged", "team", team, "invocation_id", c.id, "cost_micros", int64(cost), "error", err.Error())
	}
	if rec := h.freshRecord(ctx, team, cost); rec != nil {
		h.notify(ctx, rec)
		h.sweepSoon(rec)
	}
}

// viewRefresh is how often settlements re-read a team's record (its spend, for the
// notifications and the state requests are routed by): at most once in this interval per
// instance, whatever the request rate, unless what this instance settled since the last
// read crosses a threshold.
const viewRefresh = 100 * time.Millisecond

// freshRecord re-reads team's record after a settlement of cost, unless the cached view
// is younger than viewRefresh and the spend it has not seen crosses no threshold.
func (h *Handler) freshRecord(ctx context.Context, team string, cost governance.Micros) *governance.CapRecord {
	if v, ok := h.teams.Load(team); ok && v.unseen != nil {
		unseen := governance.Micros(v.unseen.Add(int64(cost)))
		limit := v.rec.EffectiveLimit(h.now())
		if time.Since(v.fetched) < viewRefresh && len(v.rec.Thresholds.Crossed(v.rec.Spent+unseen, limit)) == len(v.rec.Thresholds.Crossed(v.rec.Spent, limit)) {
			return nil
		}
	}
	rec, err := governance.ReadCapRecordEventually(ctx, h.db, h.cfg.Table, team)
	if err != nil {
		return nil
	}
	h.refreshView(rec)
	return rec
}

// splitViewTTL bounds the age of the view a request of a team with several parts (slices,
// or a legacy part) is routed by: the reservation of such a team cannot check the team's
// standing (one slice's spend is not the team's), so its view is read again this often.
// A team of one slice is routed by a view the reservation checks (governance.Reserve).
const splitViewTTL = time.Second

func viewTTL(rec *governance.CapRecord, ttl time.Duration) time.Duration {
	if rec.SliceMax > 1 || rec.Part(governance.LegacyPart) != nil {
		return min(ttl, splitViewTTL)
	}
	return ttl
}

// sweepInterval is how often an instance looks for a team's expired reservations.
const sweepInterval = time.Minute

// sweepSoon charges, in the background, the team's reservations whose processes died
// (governance.Sweep), at most once per sweepInterval per instance.
func (h *Handler) sweepSoon(rec *governance.CapRecord) {
	now := h.now()
	if last, ok := h.sweeps.Load(rec.Team); ok && now.Sub(last) < sweepInterval {
		return
	}
	h.sweeps.Store(rec.Team, now)
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := governance.Sweep(ctx, h.db, h.cfg.Table, rec, now, h.loggedCharge(now)); err != nil {
			h.log.event(now, "ERROR", "sweep of expired reservations failed", "team", rec.Team, "error", err.Error())
		}
	}()
}

// loggedCharge logs an expired reservation charged in full.
func (h *Handler) loggedCharge(now time.Time) func(governance.Hold) {
	return func(e governance.Hold) {
		h.log.event(now, "WARN", "charged expired reservation in full", "team", e.Team, "reservation", e.Slot, "amount_micros", int64(e.Amount))
	}
}
