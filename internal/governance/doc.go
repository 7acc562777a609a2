// Package governance is bedgov's shared domain: the one definition of money, prices,
// periods, thresholds, the cap record in DynamoDB and the IAM policy documents, used by
// the Terraform provider (which writes configuration) and by the enforcer (which counts
// spend). Nothing here does I/O except the cap ledger (the record's reads and
// configuration writes, and the enforcer's Reserve, Settle, Sweep, Rollover, MoveRoom and
// Committer), whose functions take a DynamoDB client.
//
// # Money and prices
//
// Money is Micros, integer micro-US-dollars. ParseUSD/String/Cents convert to and from
// "2000.00". Prices (pricing.json, embedded; overridable with PriceOverride) are Micros
// per million tokens per model id and region group ("us", "eu", "apac", ... or "*"), with
// input, output, cache-read and cache-write rates, the date they were taken and their
// source. ResolveModel turns a model id, model ARN, system profile id/ARN (us./eu./...)
// or application profile ARN (whose model the cap record names) into the model id and
// group that price it; a model without a price is an error wrapping ErrUnknownModel and
// the enforcer refuses the request (fail closed).
//
// Cost = ceil(sum of tokens x price per million / 10^6): summed exactly, rounded once,
// up. A reservation is WorstCase(InputTokenBound(body bytes), MaxOutputFor(max tokens)):
// the body length (+1024) bounds the input tokens, priced at the dearest input rate, and
// the request's max tokens (else the model's maximum) at the output rate.
//
// # Periods and states
//
// A period is a calendar month in UTC, key "2026-11"; it changes at exactly 00:00 UTC on
// the 1st. Thresholds (default 50/80/100, 1 <= notify < degrade < block <= 100) map
// settled spend against the effective limit to ok | notified | degraded | blocked; all
// comparisons are exact integer arithmetic (spent*100 >= limit*pct).
//
// # The cap table
//
// One table per enforcer (CreateTableInput): hash key "pk" (S), on-demand, TTL on
// "expires_at" (idempotency records only), and a sparse global secondary index
// "reservations" (hash rsv_of, range rsv_x) over reservation items. Items (layout 2):
//
//	team#<team>              the cap record: configuration, notification flags, layout,
//	                         slices; on a record first written in layout 1 also its old
//	                         counters and in-flight map (the legacy part, below)
//	slice#<team>#<i>         a slice: counters only, about 300 bytes (≤ 1 KB with the
//	                         token counters of a few models)
//	rsv#<team>#<slot>        a reservation: amount, slice, nonce, rsv_of "<team>#<bucket>"
//	                         (16 buckets), rsv_x its expiry (unix s)
//	principal#<PrincipalKey> {team}: identity index for iam mode (role/user, path dropped;
//	                         an assumed-role caller ARN normalises to the same key)
//	apikey#<sha256 hex>      {team}: identity index for api_key mode
//	req#<team>#<invocation>  {cost_micros, expires_at}: idempotency record, 24 h TTL
//
// Identity index items are claimed with a condition (absent or already this team's), so
// no principal or key can belong to two teams; the enforcer resolves a caller to a team
// only through them, and double-checks against the principals / key hash in the record.
//
// # The cap record
//
// Configuration, owned by Terraform (CapConfig; written only by WriteCapConfig):
//
//	team, limit_micros, notify_pct, degrade_pct, block_pct, model_id, profile_arn,
//	degrade_model_id, degrade_profile_arn, price_group, principals (SS), api_key_hash,
//	sns_topic_arn, override_limit_micros, override_expires (unix s, 0 = none),
//	override_reason, config_version, config_updated_at, layout (2), slices, slice_max
//
// The cap is limit*block/100 (the override cap likewise), derived, never stored.
// Notification flags: notified, map "<pct>" -> "<period>#<nonce>" of its last notification.
//
// # Parts: slices and the legacy part
//
// A team's counters are split over parts with the same attributes: its slices (0 ..
// slice_max-1; reservations are made on 0 .. slices-1, the rest are drained) and, on a
// record first written in layout 1, the record itself (the legacy part, base 0). Each:
//
//	period                    the period its counters belong to
//	spent_micros              settled cost in the period
//	reserved_micros           sum of its reservations in flight
//	headroom_micros           base + room moved in - room moved out - spent - reserved
//	override_headroom_micros  the same against the override base
//	base_micros, override_base_micros  its share of the cap and override cap
//	override_expires, config_version   copies of the configuration's, for its conditions
//	debt, override_used       marks (below)
//	prev_period, prev_spent_micros, requests, *_tokens (map model -> N)
//
// The team's figures are the sums over its parts (ReadCapRecord: the record, then its
// slices with one BatchGetItem). The invariants, after every write below:
//
//  1. Sum of headroom = cap - spent - reserved, and sum of override headroom = override
//     cap - spent - reserved, over all parts of the period. Every write moves spent,
//     reserved and headroom of one part together, a configuration write adds the cap
//     deltas, a move of room subtracts from some parts what it adds to others, and a
//     rollover restarts each part from its base (bases sum to the cap).
//  2. Sum of reserved = sum of the reservation items (and legacy in-flight entries): a
//     reservation item is written and deleted only in the same transaction as the debit
//     or credit of its part.
//  3. Admission is per part: a reservation of r is written only if its slice has
//     headroom >= r (or the override is in force and override headroom >= r), is not in
//     debt, and is at the configuration version the request was priced from. So no part
//     admitted below zero; and while no part is negative, what a part admits is at most
//     what the team has: the sum admitted can never pass the cap.
//  4. A part may go below zero only by a write that marks every part in debt in the same
//     transaction (a cut of the budget, a charge beyond a reservation, a rollover whose
//     carried reservations exceed a part's base), or by admitting on the override's room
//     (override_used). A part in debt, or marked override_used once the override has
//     ended, admits nothing until MoveRoom has moved room so that every part is at or
//     above zero, conditional on each being where it was read, and lifted the marks; if
//     the team's room is negative the marks stay: the team is over its cap.
//
// Refusals: a reservation that does not fit its slice moves room from the other parts
// (most room first, at least the request's worst case or the slice's even share) and is
// tried again; only when the team as a whole lacks the room is it refused: blocked, or,
// when reservations in flight hold what it needs, a retryable throttle ("held"). Near the
// end of the budget the room is spread over the slices, so a refusal happens only after
// a consistent read of every part has found the sum too small; concurrent requests can
// still find the room just taken by another and be told to retry (measured in
// BENCHMARKS.md as false refusals).
//
// Provider: WriteCapConfig(ctx, db, table, cfg, now) claims identities, then creates the
// record and its slices (one transaction; the cap shared over the slices as headroom and
// base) or, on an existing record, moves a layout 1 record to layout 2 (MigrateInput) and
// writes UpdateCapConfigInput: one transaction of the record (conditional on
// config_version: optimistic locking, retried) and every slice (new config_version,
// override expiry and base shares; the cap deltas added to slice 0; debt marks when a
// delta takes room away; new slices created without room). It never sets spent,
// reserved or period: a budget change keeps spend, and a cut below spend leaves the team
// in debt, which blocks. Then it releases identities the team no longer has.
// DeleteCapRecord removes identities, reservations, slices and record. ReadCapRecord +
// CapRecord.ProjectedState give the plan-time review.
//
// Enforcer, per request (Reserve, Settle, Sweep, Rollover, MoveRoom):
//
//  1. ReserveInput: ONE transaction, on a slice chosen at random: the slice's debit
//     (conditions of invariant 3 and the period) and the reservation item (absent). Its
//     ClientRequestToken makes an SDK retry of a lost answer apply once. The request is
//     priced and routed from the enforcer's view of the record (refreshed after
//     settlements, at most every 100 ms per instance, and whenever what it settled
//     crosses a threshold); the configuration version condition makes a request priced
//     from an older configuration fail and be priced again.
//  2. On a cancelled transaction the slice's item comes back with it
//     (ReturnValuesOnConditionCheckFailure): an earlier period gets Rollover (every part
//     in one transaction, conditional on its period: one winner), a later one (clock skew)
//     is followed, a newer configuration is re-read, a missing slice means a layout 1
//     record (migrated, then re-read); otherwise room is moved (MoveRoom) or the team has
//     none. The reservation item existing means the same invocation is in flight.
//  3. SettleInput after the response body is flushed (also for cancelled, failed or
//     throttled calls, with the usage actually billed): one transaction crediting the
//     slice (actual cost into spent, reservation - actual back to both headrooms) and
//     deleting the reservation, conditional on its nonce: a settle can never count twice.
//  4. Reservations carry an expiry (the maximum request duration). Sweep finds those
//     expired more than a minute ago through the reservations index (only they are read,
//     however long the team's history) and charges each in full with ChargeExpiredInput
//     (conditional on the item seen: once); an instance sweeps a team at most once a
//     minute after settlements, and before a refusal when reservations hold room. A call
//     that outlives its reservation adds its cost beyond the reserved worst case with
//     LateCharge.
//  5. Notifications: for each threshold crossed, NotifyOnceInput sets notified[pct] =
//     "<period>#<nonce>" conditional on it not being set for this period yet; only the
//     winner publishes, so each threshold notifies exactly once per period however many
//     requests race. The block threshold is notified on the first refusal.
//  6. Idempotency: an SDK retry (same amz-sdk-invocation-id, attempt > 1) of a call that
//     was already billed finds its req# record and is not forwarded again.
//
// Overrides need no write when they expire: the reserve condition compares
// override_expires with the request time, and slices that admitted on the override's
// room are marked so that they admit on the cap again only after MoveRoom (invariant 4).
//
// Upgrade in place: a layout 1 record (counters and in-flight map in the record) is moved
// by the first enforcer request or configuration write that meets it, in one transaction
// (MigrateInput): slices are created without room, with base shares of the cap, and the
// record's counters become the legacy part (base 0; cap_micros set to 0 so that a layout 1
// enforcer still running during the upgrade restarts it from 0 at a rollover). Nothing
// else moves: spend, token counters and notification flags stay where they are and are
// summed; reservations in flight stay in the record's map, where layout 1 enforcers
// settle them and Sweep charges them when they expire; MoveRoom takes the record's room
// to the slices when they need it. The provider adds the reservations index to the table.
//
// Group commit (Committer): within one process, the reservations and settlements on a
// slice that arrive while a transaction on it is in flight go together in the next one:
// the slice updated once with their summed deltas, conditional on its room before them
// covering all their reservations, and their reservation items put and deleted; a
// cancelled batch is split so that each operation gets its own answer. The invariants
// hold for a batch as for one operation (it is one transaction).
//
// Cost: a request writes its slice twice (reserve, settle), in transactions (2 write
// units per KB each), so 4 write units on its slice whatever the calls in flight, and
// under group commit a fraction of that: DynamoDB's 1,000 write units a second per
// partition key allow about 250 requests a second per slice where each transaction holds
// one request (a Lambda environment serves one at a time), N times that for N slices.
// BENCHMARKS.md has the figures metered by the emulator.
//
// # IAM
//
// InvokePolicy builds a team's invoke policy (bedrock:InvokeModel and
// bedrock:InvokeModelWithResponseStream — the actions Converse and ConverseStream are
// authorised as — on the team's profile ARNs, and on the foundation-model ARNs of every
// routed Region conditioned on bedrock:InferenceProfileArn); EnforcerCallerPolicy is the
// callers' policy when an enforcer fronts the team. Both are deterministic and refuse a
// document over IAM's 6,144-character managed policy limit.
package governance
