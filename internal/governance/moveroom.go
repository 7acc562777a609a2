package governance

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MoveRoom moves headroom between the parts of rec's team (a strongly consistent read)
// so that slice `to` can admit `need`, in one transaction. It reports whether the slice
// should now have the room (the caller tries its reservation again).
//
// Escrow: the team's room is the sum of its parts' room; a part admits only on its own
// room, so the sum admitted can never pass the cap as long as no part is below zero.
// Without debt, MoveRoom takes from the parts with the most room (drained slices and the
// legacy part first count like any other), each conditional on still having what is
// taken, and gives the slice what it needs or, if more, its even share of the room. With
// debt (a part may be below zero: a budget cut, a late charge, a rollover with carried
// reservations, an override that ended), it writes every part: each is brought to zero
// or above, conditional on being where the plan found it, the surplus is shared over the
// slices, and the debt marks go; if the team's room is negative the marks stay and
// nothing moves.
func MoveRoom(ctx context.Context, db DynamoDB, table string, rec *CapRecord, to int, need Micros, now time.Time) (bool, error) {
	period := PeriodOf(now).Key()
	for _, p := range rec.Parts {
		if p.Period < period {
			if err := Rollover(ctx, db, table, rec.Team, period, now); err != nil {
				return false, err
			}
			return true, nil
		}
	}
	override := rec.OverrideActive(now)
	debt := false
	for _, p := range rec.Parts {
		if p.Debt || (!override && p.OverrideUsed) {
			debt = true
		}
	}
	taker := rec.Part(to)
	if taker == nil || to >= rec.Slices {
		return false, nil
	}
	var items []types.TransactWriteItem
	moved := false
	if debt {
		items, moved = settleDebt(table, rec, to, need, override, period)
	} else {
		items, moved = takeRoom(table, rec, to, need, override, period)
	}
	if len(items) == 0 {
		return moved, nil
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	switch {
	case err == nil:
		return moved, nil
	case IsTransactionCanceled(err) || isConflict(err) || isThrottle(err):
		return true, pause(ctx, 1) // the parts moved meanwhile: read them again
	}
	return false, err
}

// takeRoom plans a move without debt: donors by room, most first.
func takeRoom(table string, rec *CapRecord, to int, need Micros, override bool, period string) ([]types.TransactWriteItem, bool) {
	taker := rec.Part(to)
	short := need - taker.room(override)
	if short <= 0 {
		return nil, true // room came back meanwhile: try again
	}
	var donors []*Part
	total := max(taker.room(override), 0)
	for i := range rec.Parts {
		p := &rec.Parts[i]
		if p.Index != to && p.room(override) > 0 {
			donors = append(donors, p)
			total += p.room(override)
		}
	}
	sort.Slice(donors, func(a, b int) bool { return donors[a].room(override) > donors[b].room(override) })
	want := max(short, total/Micros(rec.Slices)-taker.room(override))
	var items []types.TransactWriteItem
	got := Micros(0)
	metric := "#hr"
	donorUpd := "SET #hr = #hr - :g, #ohr = #ohr - :g"
	if override {
		// The donor's own room on the cap may go below zero: mark it (AttrOverrideUsed).
		metric, donorUpd = "#ohr", donorUpd+", #ou = :t"
	}
	cond := "#per = :per AND " + metric + " >= :g"
	for _, d := range donors {
		if got >= want {
			break
		}
		g := min(d.room(override), want-got)
		got += g
		vals := map[string]types.AttributeValue{":per": sAV(period), ":g": nAV(int64(g))}
		if override {
			vals[":t"] = trueAV
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: partKey(rec.Team, d.Index),
			UpdateExpression: aws.String(donorUpd), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: exprNames(nil, donorUpd, cond), ExpressionAttributeValues: vals}})
		if len(items) == 98 {
			break
		}
	}
	if got < short {
		return nil, false
	}
	upd := "SET #hr = #hr + :m, #ohr = #ohr + :m"
	items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: partKey(rec.Team, to),
		UpdateExpression: aws.String(upd), ConditionExpression: aws.String("#per = :per"),
		ExpressionAttributeNames:  exprNames(nil, upd, "#per"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":per": sAV(period), ":m": nAV(int64(got))}}})
	return items, true
}

// settleDebt plans the all-parts write that ends a debt, if the team's room allows.
func settleDebt(table string, rec *CapRecord, to int, need Micros, override bool, period string) ([]types.TransactWriteItem, bool) {
	var sum Micros
	for _, p := range rec.Parts {
		sum += p.room(override)
	}
	if sum < 0 {
		return nil, false // out of room: the marks stay
	}
	// Every part to zero, then the surplus shared over the slices, the taker first.
	d := map[int]Micros{}
	surplus := sum
	for _, p := range rec.Parts {
		d[p.Index] = -p.room(override)
	}
	if give := min(max(need, 0), surplus); give > 0 {
		d[to] += give
		surplus -= give
	}
	for i := range rec.Slices {
		d[i] += share(surplus, rec.Slices, i)
	}
	metric := "#hr"
	if override {
		metric = "#ohr"
	}
	upd := "SET #hr = #hr + :d, #ohr = #ohr + :d REMOVE #debt"
	if !override {
		upd += ", #ou"
	}
	cond := "#per = :per AND " + metric + " >= :lo"
	var items []types.TransactWriteItem
	for _, p := range rec.Parts {
		vals := map[string]types.AttributeValue{":per": sAV(period), ":d": nAV(int64(d[p.Index])), ":lo": nAV(int64(-d[p.Index]))}
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: partKey(rec.Team, p.Index),
			UpdateExpression: aws.String(upd), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: exprNames(nil, upd, cond), ExpressionAttributeValues: vals}})
	}
	taker := rec.Part(to)
	return items, taker.room(override)+d[to] >= need
}
