package governance

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Committer groups the reservations and settlements one process makes on the same slice
// into shared transactions (group commit): while a transaction on a slice is in flight,
// the operations that arrive for it wait, and go together in the next one, which writes
// the slice once with their summed deltas, and puts and deletes their reservation items
// (at most 99 a transaction). Alone, an operation is the same transaction as without
// it; under load the slice is written once for many requests, so a slice's write units
// per request, and with them its ceiling, no longer bound a busy process. (An enforcer
// Lambda environment serves one request at a time: there, every transaction holds one
// operation, and slices are what scales a team.)
//
// A shared transaction is all or nothing, and its room condition is the sum of its
// reservations against the slice's room before any of its settlements: so it admits
// only what the same reservations one by one would have. If it is cancelled, each
// operation falls back to its own path (Reserve's diagnosis, Settle's retries).
type Committer struct {
	DB    DynamoDB
	Table string

	mu     sync.Mutex
	queues map[string]*sliceQueue
}

type sliceQueue struct {
	ops     []*batchOp
	running bool
}

type batchOp struct {
	h *Hold
	// A reservation (settle false): priced at version, in period, on the override's room
	// or not, at now.
	reserve  bool
	version  int64
	period   string
	override bool
	edge     Micros
	now      time.Time
	attempt  int // the reservation's tries so far (each try's token is its own)
	// A settlement: its cost, model and usage; release counts nothing.
	actual  Micros
	model   string
	usage   Usage
	release bool

	// done carries the operation's own answer: nil when a transaction applied it, else
	// the error of the transaction that held it alone (ReserveInput's for a reservation),
	// which the caller diagnoses as if it had sent it itself.
	done chan error
}

// maxBatch is the operations of one transaction: the slice's update and one item each.
const maxBatch = 99

// submit queues op on its slice and returns its answer. It waits for it even past ctx:
// a reservation applied after its caller stopped waiting would be held until it expired.
func (c *Committer) submit(ctx context.Context, op *batchOp) error {
	op.done = make(chan error, 1)
	key := op.h.Team + "\x00" + strconv.Itoa(op.h.Slice)
	c.mu.Lock()
	if c.queues == nil {
		c.queues = map[string]*sliceQueue{}
	}
	q := c.queues[key]
	if q == nil {
		q = &sliceQueue{}
		c.queues[key] = q
	}
	q.ops = append(q.ops, op)
	if !q.running {
		q.running = true
		c.mu.Unlock()
		c.drain(context.WithoutCancel(ctx), q)
	} else {
		c.mu.Unlock()
	}
	return <-op.done
}

// drain commits q's operations batch by batch until the queue is empty.
func (c *Committer) drain(ctx context.Context, q *sliceQueue) {
	for {
		c.mu.Lock()
		if len(q.ops) == 0 {
			q.running = false
			c.mu.Unlock()
			return
		}
		batch, rest := takeBatch(q.ops)
		q.ops = rest
		c.mu.Unlock()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		errs := c.commitSplit(tctx, batch)
		cancel()
		for i, op := range batch {
			op.done <- errs[i]
		}
	}
}

// commitSplit commits batch and returns each operation's answer. A shared transaction
// that a condition cancelled is split: its settlements again together, then each
// reservation alone, so that every operation gets the answer it would have got alone
// (and a reservation that fits is not refused for the others of its batch).
func (c *Committer) commitSplit(ctx context.Context, batch []*batchOp) []error {
	errs := make([]error, len(batch))
	err := c.commit(ctx, batch)
	if err == nil || len(batch) == 1 || !IsTransactionCanceled(err) || isConflict(err) {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	var settles []*batchOp
	var at []int
	for i, op := range batch {
		if !op.reserve {
			settles, at = append(settles, op), append(at, i)
		}
	}
	if len(settles) > 0 {
		if len(settles) == len(batch) { // settlements only: each alone
			for i, op := range batch {
				errs[i] = c.commit(ctx, []*batchOp{op})
			}
			return errs
		}
		for k, e := range c.commitSplit(ctx, settles) {
			errs[at[k]] = e
		}
	}
	for i, op := range batch {
		if op.reserve {
			errs[i] = c.commit(ctx, []*batchOp{op})
		}
	}
	return errs
}

// takeBatch splits the batch to commit now from the operations left queued: settlements,
// and the reservations priced like the first one (configuration version, period, room
// counter), in arrival order, at most maxBatch.
func takeBatch(ops []*batchOp) (batch, rest []*batchOp) {
	var like *batchOp
	for _, op := range ops {
		fits := len(batch) < maxBatch
		if fits && op.reserve {
			if like == nil {
				like = op
			}
			fits = op.version == like.version && op.period == like.period && op.override == like.override && op.edge == like.edge
		}
		if fits {
			batch = append(batch, op)
		} else {
			rest = append(rest, op)
		}
	}
	return batch, rest
}

// commit writes batch as one transaction (a reservation alone: ReserveInput's), retrying
// conflicts and throttles a few times.
func (c *Committer) commit(ctx context.Context, batch []*batchOp) error {
	in := batchInput(c.Table, batch)
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if _, err = c.DB.TransactWriteItems(ctx, in); err == nil || (!isConflict(err) && !isThrottle(err)) {
			return err
		}
		if perr := pause(ctx, attempt); perr != nil {
			return perr
		}
	}
	return err
}

// batchInput is the ledger's transaction on a slice: the slice updated once with the
// summed deltas of the operations (all on this slice of this team), conditional on its
// room before them covering their reservations, each reservation's item put and each
// settled one's deleted. ReserveInput and SettleInput are batches of one. The slice and
// the reservation items return what a failed condition found (ReturnValuesOnConditionCheckFailure),
// which Reserve diagnoses.
func batchInput(table string, batch []*batchOp) *dynamodb.TransactWriteItemsInput {
	first := batch[0]
	var reserved, released, spent Micros
	var requests int64
	usage := map[string]Usage{}
	var first0 *batchOp
	var latest time.Time
	items := []types.TransactWriteItem{{}}
	tok := []string{"batch", table, first.h.Team, strconv.Itoa(first.h.Slice)}
	for _, op := range batch {
		tok = append(tok, strconv.FormatBool(op.reserve), op.h.Slot, op.h.Nonce, op.h.Amount.String(), op.actual.String(), strconv.Itoa(op.attempt))
		if op.reserve {
			if first0 == nil {
				first0 = op
			}
			if op.now.After(latest) {
				latest = op.now // the override must last past every reservation's time
			}
			reserved += op.h.Amount
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: op.h.item(),
				ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: exprNames(nil, "#pk"),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}})
			continue
		}
		released += op.h.Amount
		if !op.release {
			spent += op.actual
			requests++
			usage[op.model] = usage[op.model].Add(op.usage)
		}
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(table), Key: op.h.key(),
			ConditionExpression: aws.String("#nonce = :n"), ExpressionAttributeNames: exprNames(nil, "#nonce"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": sAV(op.h.Nonce)}}})
	}
	names := map[string]string{}
	vals := map[string]types.AttributeValue{
		":dh": nAV(int64(released - spent - reserved)), ":dr": nAV(int64(reserved - released)),
		":ds": nAV(int64(spent)), ":n": nAV(requests),
	}
	upd := "SET #hr = #hr + :dh, #ohr = #ohr + :dh, #rsv = #rsv + :dr, #sp = #sp + :ds, #req = #req + :n"
	models := make([]string, 0, len(usage))
	for m := range usage {
		models = append(models, m)
	}
	sort.Strings(models)
	for k, m := range models {
		upd += tokenSets(m, usage[m], names, vals, strconv.Itoa(k))
	}
	u := &types.Update{TableName: aws.String(table), Key: partKey(first.h.Team, first.h.Slice)}
	if first0 != nil {
		cond := reserveCond
		vals[":per"], vals[":ver"], vals[":r"] = sAV(first0.period), nAV(first0.version), nAV(int64(reserved))
		if first0.override {
			cond = reserveOverrideCond
			upd += ", #ou = :t"
			vals[":now"], vals[":t"] = nAV(latest.Unix()), trueAV
		}
		if first0.edge > 0 {
			cond += " AND #sp < :edge"
			vals[":edge"] = nAV(int64(first0.edge))
		}
		u.ConditionExpression = aws.String(cond)
		u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	u.UpdateExpression = aws.String(upd)
	u.ExpressionAttributeNames = exprNames(names, upd, aws.ToString(u.ConditionExpression))
	u.ExpressionAttributeValues = vals
	items[0] = types.TransactWriteItem{Update: u}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: requestToken(tok...)}
}

// tokenSets adds the per-model token counters of model's usage to an update, its names
// and values suffixed by k (several models in one update).
func tokenSets(model string, u Usage, names map[string]string, values map[string]types.AttributeValue, k string) string {
	var expr strings.Builder
	// 1-hour cache writes count with the cache writes (the cost already priced them).
	for i, n := range [...]int64{u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheWriteTokens + u.CacheWrite1hTokens} {
		if n <= 0 {
			continue
		}
		nm, v, mdl := tokenNames[i], tokenValues[i]+"_"+k, "#mdl"+k
		names[nm], values[v] = tokenAttrs[i], nAV(n)
		names[mdl], values[":z"] = model, zeroAV
		expr.WriteString(", " + nm + "." + mdl + " = if_not_exists(" + nm + "." + mdl + ", :z) + " + v)
	}
	return expr.String()
}

// Reserve is governance.Reserve through the committer: a shared transaction first, and
// Reserve's own path if that did not apply it. Reservations of one batch share the
// batch's override decision and period; one that differs from the batch it meets is
// simply applied on its own.
func (c *Committer) Reserve(ctx context.Context, view *CapRecord, h *Hold, now time.Time, charged ...func(Hold)) error {
	attempt := 0
	send := func(period string) error {
		attempt++
		return c.submit(ctx, &batchOp{h: h, reserve: true, version: view.ConfigVersion, period: period,
			override: view.OverrideActive(now), edge: view.routingEdge(now), now: now, attempt: attempt})
	}
	return reserveFrom(ctx, c.DB, c.Table, view, h, now, send, charged...)
}

// Settle is governance.Settle through the committer (a cost above the reservation goes
// the way Settle takes it).
func (c *Committer) Settle(ctx context.Context, h *Hold, actual Micros, model string, u Usage, release bool) (bool, error) {
	if actual <= h.Amount {
		err := c.submit(ctx, &batchOp{h: h, actual: actual, model: model, usage: u, release: release})
		if err == nil {
			return true, nil
		}
		if _, ok := failedItem(err, 1); ok {
			return false, nil // settled already, or charged in full as expired
		}
	}
	return Settle(ctx, c.DB, c.Table, h, actual, model, u, release)
}
