// Package governance is bedgov's shared domain: the one definition of money, prices,
// periods, thresholds, the cap record in DynamoDB and the IAM policy documents, used by
// the Terraform provider (which writes configuration) and by the enforcer (which counts
// spend). Nothing here does I/O except the small cap-record helpers that take a
// DynamoDB client.
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
// "expires_at". Items:
//
//	team#<team>              the cap record (below)
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
//	override_reason, config_version, config_updated_at,
//	cap_micros = limit*block/100, override_cap_micros = override_limit*block/100 (derived)
//
// Counters, owned by the enforcer:
//
//	period                    the period the counters belong to ("2026-11")
//	spent_micros              settled cost in the period
//	reserved_micros           sum of in-flight reservations
//	headroom_micros           cap - spent - reserved
//	override_headroom_micros  override cap - spent - reserved
//	inflight                  map reservation key -> {a: amount, x: expiry unix s, n: nonce}; the enforcer keys
//	                          a reservation by 16 characters of its invocation id's SHA-256
//	notified                  map "<pct>" -> "<period>#<nonce>" of its last notification
//	prev_period, prev_spent_micros, requests,
//	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens  (map model -> N)
//
// The invariants headroom = cap - spent - reserved and override headroom = override cap -
// spent - reserved hold after every write below; they are what lets one conditional
// write decide admission without arithmetic in the condition (DynamoDB refuses it).
//
// Provider: WriteCapConfig(ctx, db, table, cfg, now) claims identities, then creates the
// record (PutItem if absent, counters zeroed for the current period) or updates it with
// UpdateCapConfigInput: conditional on config_version (optimistic locking, retried), it
// sets the configuration fields and ADDS the cap deltas (new cap - old cap) to the two
// headrooms. It never sets spent, reserved, period or inflight: a budget change keeps
// spend, and a cut below spend leaves headroom negative, which blocks. Then it releases
// identities the team no longer has. DeleteCapRecord removes identities and record.
// ReadCapRecord + CapRecord.ProjectedState give the plan-time review.
//
// Enforcer, per request:
//
//  1. ReserveInput: ONE UpdateItem. Condition: period = current AND the invocation id is
//     not in flight AND (headroom >= r OR (override_expires > now AND override headroom
//     >= r)). Update: both headrooms -= r, reserved += r, inflight[id] = {r, expiry}.
//     ALL_NEW returns the record, so state, percent and the degrade decision come from
//     the same round trip. Concurrent reservations serialise on the item: the sum
//     admitted never exceeds the headroom.
//  2. On a failed condition (off the fast path) the enforcer reads the record to learn
//     why: a record in an earlier period gets RolloverInput (conditional on the old
//     period: one winner; spend archived to prev_*, zeroed, headrooms recomputed from the
//     caps minus the carried-over reservations, notification flags and token counters
//     cleared) and the reservation is retried; a record in a later period (clock skew
//     between instances) is followed; the same id in flight with our nonce is our own
//     write whose answer was lost (an SDK retry), with another nonce a duplicate;
//     otherwise the team is over its cap: blocked.
//  3. SettleInput after the response body is flushed (also for cancelled, failed or
//     throttled calls, with the usage actually billed): conditional on the reservation
//     still being in flight (so a settle can never count twice), it removes it, adds the
//     actual cost to spent and returns r - actual to both headrooms.
//  4. Reservations carry an expiry (the maximum request duration). A reservation past
//     its expiry belongs to a dead process whose call may have been billed: any enforcer
//     that sees it in a returned record charges it in full with ChargeExpiredInput
//     (conditional on the expiry it saw: charged once), so spend never misses a call.
//     A call that outlives its reservation adds only its cost beyond the reserved worst
//     case, with LateChargeInput.
//  5. Notifications: for each threshold crossed, NotifyOnceInput sets notified[pct] =
//     "<period>#<nonce>" conditional on it not being set for this period yet; only the
//     winner publishes, so each threshold notifies exactly once per period however many
//     requests race. The block threshold is notified on the first refusal (reservations
//     stop spend short of it).
//  6. Idempotency: an SDK retry (same amz-sdk-invocation-id, attempt > 1) of a call that
//     was already billed finds its req# record and is not forwarded again.
//
// Overrides need no write when they expire: the reserve condition compares
// override_expires with the request time.
//
// Cost: every request writes the record twice (reserve, settle), and DynamoDB bills a
// write by the item's size in 1 KB steps with at most 1,000 write units a second on one
// partition key. The inflight map keeps an entry (about 47 bytes) per call in flight, so
// a write's cost, and with it the team's ceiling, depends on the calls in flight: 1 unit
// per write under about 5 in flight (about 500 requests/s), about 40 at 850 (about 12).
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
