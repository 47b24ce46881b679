import { INTERRUPTED_ATTEMPT_ERROR, type StoredDeliveryStatus } from '../delivery-store.js';
import { NOW_MS, WAKE_CHANNEL } from './schema.js';

/**
 * The store's statements, as named queries: each is parsed once per connection, and planned once
 * per connection after its fifth run when the generic plan is no dearer than the custom ones (a
 * plan that then stays, whatever the table grows to): a statement whose plan must follow the table
 * has no name.
 * Lease times compare with the database's clock (`NOW_MS`); delivery times with the caller's.
 */

const COLUMNS = 'd.seq, d.id, d.idempotency_key, d.event, d.status, d.attempts, d.series_start, d.next_attempt_at, d.last_error, d.created_at, d.updated_at, d.completed_at, d.traceparent';

/** Per-object order: an earlier unfinished (queued or processing) delivery of its object holds it back. */
const CLAIMABLE = `(d.object_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM deliveries e WHERE e.object_key = d.object_key AND e.seq < d.seq AND e.completed_at IS NULL))`;

const LAPSED = `coalesce(d.lease_expires_at, 0) <= ${NOW_MS}`;

/**
 * Records the run of each taken-over delivery in `source` (id, attempts already counting it,
 * claimed_at) as a failed attempt, from its claim until `$1` (now).
 */
const interruptedAttempts = (source: string) => `interrupted AS (
      INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, error)
      SELECT s.id, s.attempts, s.claimed_at, $1, 'failed', '${INTERRUPTED_ATTEMPT_ERROR}' FROM ${source} s
      ON CONFLICT (delivery_id, attempt) DO NOTHING)`;

/**
 * Makes the statement's transaction commit without waiting for its WAL flush (`SET LOCAL
 * synchronous_commit = off`), for the worker's bookkeeping only: a claim or a finish lost in a
 * database crash means the delivery runs again (at-least-once), as the SQLite store, which syncs
 * only acknowledgements, does. Visibility to other replicas is immediate either way. Without it
 * the worker waited for one disk flush per claim and per batch of finishes and fell behind the
 * acknowledgements under load (bench/README.md).
 */
const RELAXED = `relaxed AS (SELECT set_config('synchronous_commit', 'off', true))`;

/** `update` (an UPDATE without RETURNING) that also wakes the other replicas when it changed rows; param `$owner` names this one. */
function waking(update: string, owner: string): string {
  return `WITH changed AS (${update} RETURNING 1), total AS (SELECT count(*) AS n FROM changed)
    SELECT n, (SELECT count(*) FROM (SELECT pg_notify('${WAKE_CHANNEL}', ${owner}) FROM total WHERE n > 0) woke) AS woke FROM total`;
}

export const QUERIES = {
  enqueue: {
    name: 'enqueue',
    text: `SELECT delivery_id, original_delivery_id, accepted FROM enqueue_batch($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint, $7::text, $8::text[])`,
  },
  // A lapsed 'processing' delivery's run never recorded its outcome: it counts as an attempt
  // (interruptedAttempts), so the new run is the next one, in the history as in the log.
  // $1 now, $2 limit, $3 owner, $4 lease in ms, $5 the last seq a previous window of this claim
  // covered (0 at first), $6 the window. Walks unfinished deliveries in order; a `processing` one is
  // due again when its lease lapsed (its process died or froze).
  // The walk is a window of at most $6 unfinished deliveries read from deliveries_unfinished in seq
  // order with nothing but the index's own predicate, so no plan can scan or sort the backlog
  // whatever the statistics say (a never-analysed table made the single query of before sort all
  // of it, and stale statistics made its per-object check walk the index from its start once per
  // candidate: docs/adr/0006-worker-drain-rate.md). The first window ($5 = 0) starts at the oldest
  // unfinished delivery, so every earlier unfinished delivery of a candidate's object is in the
  // window: per-object order is checked there, on at most $6 rows. A later window (the caller's
  // continuation when a full window held fewer due deliveries than wanted) checks the table as well.
  // The rows are then locked through the primary key: \`due\` names no \`completed_at IS NULL\` (the
  // status test implies it), so no partial index, whose order the planner might prefer, matches it.
  // Always returns one row at least: `window_end` and `window_size` tell the caller where to go on;
  // the claimed columns are NULL on that row when nothing was claimed.
  claim: {
    name: 'claim',
    text: `WITH ${RELAXED},
    win AS MATERIALIZED (
      SELECT w.seq, w.object_key, min(w.seq) OVER (PARTITION BY w.object_key) AS first_of_object
      FROM (SELECT c.seq, c.object_key FROM deliveries c WHERE c.completed_at IS NULL AND c.seq > $5::bigint ORDER BY c.seq LIMIT $6) w),
    due AS (
      SELECT d.seq, d.status AS was, d.updated_at AS claimed_at FROM deliveries d
      WHERE d.seq = ANY (ARRAY(SELECT w.seq FROM win w WHERE w.object_key IS NULL OR w.seq = w.first_of_object))
        AND ((d.status = 'queued' AND d.next_attempt_at <= $1) OR (d.status = 'processing' AND ${LAPSED}))
        AND ($5::bigint = 0 OR ${CLAIMABLE})
      ORDER BY d.seq LIMIT $2 FOR UPDATE OF d SKIP LOCKED),
    claimed AS (
      UPDATE deliveries d SET status = 'processing', updated_at = $1, lease_owner = $3, lease_token = gen_random_uuid(), lease_expires_at = ${NOW_MS} + $4::bigint,
        attempts = d.attempts + (due.was = 'processing')::int
      FROM due, relaxed WHERE d.seq = due.seq
      RETURNING ${COLUMNS}, d.lease_token, due.was = 'processing' AS taken_over, due.claimed_at),
    ${interruptedAttempts('(SELECT * FROM claimed WHERE taken_over)')}
    SELECT claimed.*, (SELECT max(w.seq) FROM win w) AS window_end, (SELECT count(*) FROM win w)::int AS window_size
    FROM (SELECT 1) one LEFT JOIN claimed ON true`,
  },
  // Arrays of: id, lease token, status, attempt, next attempt at, error, finished at, completed at, started at, outcome,
  // scrubbed event (NULL: keep the stored one), so the redacted event lands in the same statement as the outcome.
  // Fenced: only where the claim's token still holds the delivery. Found by id (unique index):
  // lease_token has no index, and matching on it alone scanned the table once per batch. The status
  // test is worded so that it does not imply deliveries_leases' predicate: with `d.status =
  // 'processing'` the planner (never-analysed table) walked that index instead, which until a vacuum
  // holds an entry for every delivery ever claimed: thousands of entries per finish in a burst
  // (docs/adr/0006-worker-drain-rate.md).
  // Unnamed, so planned at every execution with its arrays' values and the table's size of the
  // moment: as a named statement, each connection fixed a generic plan at its sixth finish, while the
  // table was still small, and some of those plans scanned the whole table to join the batch
  // (a hash join) for the rest of the connection's life: the drain's slow mode
  // (docs/adr/0006-worker-drain-rate.md, "The slow mode").
  finish: {
    text: `WITH ${RELAXED}, input AS (
      SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::text[])
        AS t(id, token, status, attempt, next_at, error, finished_at, completed_at, started_at, outcome, scrubbed)),
    finished AS (
      UPDATE deliveries d SET event = COALESCE(i.scrubbed, d.event), status = i.status, attempts = i.attempt, next_attempt_at = i.next_at, last_error = i.error,
        updated_at = i.finished_at, completed_at = i.completed_at, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
      FROM input i, relaxed WHERE d.id = i.id AND d.lease_token = i.token AND coalesce(d.status, '') = 'processing'
      RETURNING d.id)
    INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, error)
    SELECT i.id, i.attempt, i.started_at, i.finished_at, i.outcome, i.error FROM input i JOIN finished f ON f.id = i.id
    ON CONFLICT (delivery_id, attempt) DO UPDATE
      SET started_at = excluded.started_at, finished_at = excluded.finished_at, outcome = excluded.outcome, error = excluded.error
    RETURNING delivery_id`,
  },
  release: {
    name: 'release',
    text: waking(
      `UPDATE deliveries SET status = 'queued', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
       WHERE lease_token = ANY ($1::uuid[]) AND lease_owner = $2 AND status = 'processing'`,
      '$2',
    ),
  },
  // At close: this process's leases lapse now, so that other replicas take them over at once.
  lapse: {
    name: 'lapse',
    text: waking(`UPDATE deliveries SET lease_expires_at = 0 WHERE lease_owner = $1 AND status = 'processing'`, '$1'),
  },
  // As a claim taking over: the interrupted run counts as an attempt. Returns n.
  requeue: {
    name: 'requeue',
    text: `WITH gone AS (
      SELECT d.seq, d.updated_at AS claimed_at FROM deliveries d WHERE d.completed_at IS NULL AND d.status = 'processing' AND ${LAPSED} FOR UPDATE SKIP LOCKED),
    requeued AS (
      UPDATE deliveries d SET status = 'queued', attempts = d.attempts + 1, next_attempt_at = $1, updated_at = $1, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
      FROM gone WHERE d.seq = gone.seq RETURNING d.id, d.attempts, gone.claimed_at),
    ${interruptedAttempts('requeued')}
    SELECT count(*)::int AS n FROM requeued`,
  },
  // Only deliveries that could be claimed (one held back by its object's earlier delivery comes
  // due when that one finishes), and leases of other processes, which lapse unless renewed.
  nextDue: {
    name: 'next-due',
    text: `SELECT LEAST(
      (SELECT MIN(d.next_attempt_at) FROM deliveries d WHERE d.completed_at IS NULL AND d.status = 'queued' AND ${CLAIMABLE}),
      (SELECT MIN(d.lease_expires_at) FROM deliveries d WHERE d.status = 'processing' AND d.lease_owner IS DISTINCT FROM $1)) AS at`,
  },
  get: {
    name: 'get',
    text: `SELECT ${COLUMNS}, (SELECT json_agg(a ORDER BY a.attempt) FROM delivery_attempts a WHERE a.delivery_id = d.id) AS history
      FROM deliveries d WHERE d.id = $1`,
  },
  replay: {
    name: 'replay',
    text: waking(
      `UPDATE deliveries SET status = 'queued', series_start = attempts, next_attempt_at = $2, updated_at = $2, completed_at = NULL
       WHERE id = $1 AND status IN ('dead', 'succeeded')`,
      '$3',
    ),
  },
  replayDead: {
    name: 'replay-dead',
    text: waking(
      `UPDATE deliveries SET status = 'queued', series_start = attempts, next_attempt_at = $1, updated_at = $1, completed_at = NULL
       WHERE status IN ('succeeded', 'dead') AND status = 'dead'`,
      '$2',
    ),
  },
  deleteFinished: {
    name: 'delete-finished',
    text: `WITH gone AS (DELETE FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < $1 RETURNING id),
      attempts AS (DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM gone))
      SELECT count(*) AS n FROM gone`,
  },
  deleteExpiredKeys: { name: 'delete-expired-keys', text: `DELETE FROM idempotency_keys WHERE expires_at <= $1` },
  // Unfinished ones from their rows (deliveries_unfinished: as many as the backlog), finished ones
  // from delivery_totals, kept as they change (schema V5): never a read of the finished rows.
  counts: {
    name: 'counts',
    text: `SELECT status, count(*)::bigint AS n FROM deliveries WHERE completed_at IS NULL GROUP BY status
      UNION ALL SELECT 'succeeded', coalesce(sum(succeeded), 0)::bigint FROM delivery_totals
      UNION ALL SELECT 'dead', coalesce(sum(dead), 0)::bigint FROM delivery_totals`,
  },
  // Retention's last step: every connection's row of delivery_totals added to shard 0.
  foldTotals: {
    name: 'fold-totals',
    text: `WITH folded AS (DELETE FROM delivery_totals WHERE shard <> 0 RETURNING succeeded, dead)
      INSERT INTO delivery_totals AS t (shard, succeeded, dead) SELECT 0, coalesce(sum(succeeded), 0), coalesce(sum(dead), 0) FROM folded
      ON CONFLICT (shard) DO UPDATE SET succeeded = t.succeeded + excluded.succeeded, dead = t.dead + excluded.dead`,
  },
  health: {
    name: 'health',
    text: `INSERT INTO store_health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
  },
} as const;

/** Each status's filter, worded to match the partial index that holds it. */
const STATUS_FILTERS: Record<StoredDeliveryStatus, string> = {
  queued: `completed_at IS NULL AND status = 'queued'`,
  processing: `completed_at IS NULL AND status = 'processing'`,
  succeeded: `status IN ('succeeded', 'dead') AND status = 'succeeded'`,
  dead: `status IN ('succeeded', 'dead') AND status = 'dead'`,
};

/** The admin list's page ($1 limit, $2 offset; newest first) and total, for one status or all. */
export function listQueries(status: StoredDeliveryStatus | undefined) {
  const where = status ? `WHERE ${STATUS_FILTERS[status]}` : '';
  const key = status ?? 'all';
  return {
    rows: { name: `list-${key}`, text: `SELECT ${COLUMNS} FROM deliveries d ${where} ORDER BY d.seq DESC LIMIT $1 OFFSET $2` },
    total: { name: `total-${key}`, text: `SELECT count(*) AS total FROM deliveries ${where}` },
  };
}
