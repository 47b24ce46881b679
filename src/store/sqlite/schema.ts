/**
 * Tables of the embedded store; `seq` orders deliveries, which per-object order relies on.
 *
 * Every index costs a b-tree write on each change of its columns, and a delivery changes status
 * three times in a second under load, so each index here serves a named query and the two busy
 * ones are partial: an index whose columns and WHERE are untouched by an UPDATE is not written
 * at all, and one whose WHERE excludes the row before and after costs only that check.
 * - id (UNIQUE): get, replay, finishAttempt.
 * - deliveries_queued: claimDue walks the queue in seq order and stops at its limit; nextDueAt;
 *   counts and the admin list of queued deliveries.
 * - deliveries_unfinished_by_object: per-object order (is an earlier delivery of this object
 *   unfinished?). Keyed on `completed_at IS NULL`, which holds exactly while a delivery is queued
 *   or processing, so claiming (queued -> processing) does not touch it; and it holds only
 *   unfinished rows, so the check never walks an object's finished history.
 * - deliveries_finished_by_age: retention, replay of dead letters (finished ones are counted in
 *   delivery_totals: delivery-totals-migration.ts).
 * - deliveries_event_inline: rows whose event is still in `deliveries.event` (written before
 *   `delivery_events` existed), for the upgrade at open (`moveInlineEvents`). Empty once that
 *   has run, and new rows store '' there, so it costs an insert only its WHERE check.
 * - object_states_expiry: the sweep of expired object states.
 * Queries must repeat a partial index's WHERE (e.g. `completed_at IS NULL AND status = ...`):
 * SQLite uses a partial index only when the query's WHERE visibly implies the index's.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL,
  object_key TEXT,
  -- '' since events live in delivery_events; kept because existing files declare it NOT NULL
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- attempts made before the latest replay: the retry budget counts from here
  series_start INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- set when the delivery succeeds or goes dead, NULL while queued or processing
  completed_at INTEGER,
  -- W3C traceparent of the request that brought it (tracing on), which its attempts link to
  traceparent TEXT
);
-- Indexes of earlier versions that every status change had to rewrite: replaced below.
DROP INDEX IF EXISTS deliveries_due;
DROP INDEX IF EXISTS deliveries_object;
DROP INDEX IF EXISTS deliveries_finished;
CREATE INDEX IF NOT EXISTS deliveries_queued ON deliveries (seq) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS deliveries_unfinished_by_object ON deliveries (object_key, seq) WHERE completed_at IS NULL;
CREATE INDEX IF NOT EXISTS deliveries_finished_by_age ON deliveries (status, updated_at) WHERE status IN ('succeeded', 'dead');
CREATE INDEX IF NOT EXISTS deliveries_event_inline ON deliveries (seq) WHERE event != '';
-- Each delivery's event JSON, written once at enqueue in the delivery's transaction. Not in its
-- deliveries row: SQLite rewrites a whole row (overflow pages included) on every UPDATE, and a
-- delivery's row is updated at claim and at finish. Keyed by deliveries.seq, which AUTOINCREMENT
-- never reuses.
CREATE TABLE IF NOT EXISTS delivery_events (
  seq INTEGER PRIMARY KEY,
  event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  -- the delivery that first carried the change (NULL in rows older than the column)
  delivery_id TEXT
);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency_keys (expires_at);
-- Catch-up: each source's checkpoint, and the one reader lease (a single row, id 1).
CREATE TABLE IF NOT EXISTS catchup_checkpoints (
  source TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS catchup_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
-- Each object's last seen state, as exact JSON (integers past 2^53 keep their digits).
CREATE TABLE IF NOT EXISTS object_states (
  object_uuid TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS object_states_expiry ON object_states (expires_at);
`;
