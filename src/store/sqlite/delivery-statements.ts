import type Database from 'better-sqlite3';
import { INTERRUPTED_ATTEMPT_ERROR, type StoredDeliveryStatus } from '../delivery-store.js';
import { COLUMNS_WITHOUT_EVENT, EVENT_OF_D } from './delivery-columns.js';

/**
 * Per-object order: a delivery waits while an earlier one about the same object is unfinished
 * (`completed_at IS NULL`: queued or processing; see the schema for why not `status`).
 */
const CLAIMABLE = `(d.object_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM deliveries e WHERE e.object_key = d.object_key AND e.seq < d.seq AND e.completed_at IS NULL))`;

/** Each status's filter, worded so that SQLite matches it to the partial index that holds it. */
const STATUS_FILTERS: Record<StoredDeliveryStatus, string> = {
  queued: `status = 'queued'`,
  processing: `completed_at IS NULL AND status = 'processing'`,
  succeeded: `status IN ('succeeded', 'dead') AND status = 'succeeded'`,
  dead: `status IN ('succeeded', 'dead') AND status = 'dead'`,
};

export type DeliveryStatements = ReturnType<typeof prepareDeliveryStatements>;

/** The statements of the delivery store, prepared once per connection. */
export function prepareDeliveryStatements(db: Database.Database) {
  return {
    claimKey: db.prepare(
      `INSERT INTO idempotency_keys (key, state, expires_at, delivery_id) VALUES (?, 'done', ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = 'done', expires_at = excluded.expires_at, delivery_id = excluded.delivery_id
       WHERE idempotency_keys.expires_at <= ?`,
    ),
    keyOwner: db.prepare(`SELECT delivery_id FROM idempotency_keys WHERE key = ?`).pluck(),
    insert: db.prepare(
      `INSERT INTO deliveries (id, idempotency_key, object_key, event, status, next_attempt_at, created_at, updated_at, traceparent)
       VALUES (?, ?, ?, '', 'queued', ?, ?, ?, ?)`,
    ),
    insertEvent: db.prepare(`INSERT INTO delivery_events (seq, event) VALUES (?, ?)`),
    // Without the event: most claimed events are still in the handoff, and copying the JSON
    // out of SQLite only to drop it is not free.
    due: db.prepare(
      `SELECT ${COLUMNS_WITHOUT_EVENT} FROM deliveries d INDEXED BY deliveries_queued
       WHERE d.status = 'queued' AND d.next_attempt_at <= ? AND ${CLAIMABLE} ORDER BY d.seq LIMIT ?`,
    ),
    eventOf: db.prepare(`SELECT event FROM delivery_events WHERE seq = ?`).pluck(),
    markProcessing: db.prepare(`UPDATE deliveries SET status = 'processing', updated_at = ? WHERE seq = ?`),
    insertAttempt: db.prepare(
      `INSERT OR REPLACE INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    finish: db.prepare(
      `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?, completed_at = ? WHERE id = ?`,
    ),
    scrubEvent: db.prepare(`UPDATE delivery_events SET event = ? WHERE seq = (SELECT seq FROM deliveries WHERE id = ?)`),
    // The interrupted run counts as an attempt (a failed one in the history): the next run is the one after it.
    interruptedAttempts: db.prepare(
      `INSERT OR IGNORE INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, error)
       SELECT id, attempts + 1, updated_at, ?, 'failed', '${INTERRUPTED_ATTEMPT_ERROR}' FROM deliveries WHERE ${STATUS_FILTERS.processing}`,
    ),
    requeue: db.prepare(`UPDATE deliveries SET status = 'queued', attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE ${STATUS_FILTERS.processing}`),
    release: db.prepare(`UPDATE deliveries SET status = 'queued' WHERE id = ? AND status = 'processing'`),
    // Only deliveries that could be claimed: one blocked behind its object's earlier delivery
    // becomes due when that one finishes, and must not make the worker spin meanwhile.
    nextDue: db.prepare(`SELECT MIN(d.next_attempt_at) AS at FROM deliveries d WHERE d.status = 'queued' AND ${CLAIMABLE}`),
    get: db.prepare(`SELECT ${COLUMNS_WITHOUT_EVENT}, ${EVENT_OF_D} FROM deliveries d WHERE d.id = ?`),
    history: db.prepare(`SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt`),
    replay: db.prepare(
      `UPDATE deliveries SET status = 'queued', series_start = attempts, next_attempt_at = ?, updated_at = ?, completed_at = NULL
       WHERE id = ? AND status IN ('dead', 'succeeded')`,
    ),
    replayDead: db.prepare(
      `UPDATE deliveries SET status = 'queued', series_start = attempts, next_attempt_at = ?, updated_at = ?, completed_at = NULL WHERE ${STATUS_FILTERS.dead}`,
    ),
    deleteAttempts: db.prepare(
      `DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < ?)`,
    ),
    deleteEvents: db.prepare(
      `DELETE FROM delivery_events WHERE seq IN (SELECT seq FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < ?)`,
    ),
    deleteFinished: db.prepare(`DELETE FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < ?`),
    deleteExpiredKeys: db.prepare(`DELETE FROM idempotency_keys WHERE expires_at <= ?`),
    // One count per partial index for the unfinished ones; the finished ones from delivery_totals,
    // kept by triggers (delivery-totals-migration.ts): never a read of the finished rows.
    counts: db.prepare(
      `SELECT 'queued' AS status, COUNT(*) AS count FROM deliveries WHERE ${STATUS_FILTERS.queued}
       UNION ALL SELECT 'processing', COUNT(*) FROM deliveries WHERE ${STATUS_FILTERS.processing}
       UNION ALL SELECT 'succeeded', succeeded FROM delivery_totals
       UNION ALL SELECT 'dead', dead FROM delivery_totals`,
    ),
    health: db.prepare(`INSERT OR REPLACE INTO store_health (id, checked_at) VALUES (1, ?)`),
  };
}

export interface ListStatements {
  rows: Database.Statement;
  total: Database.Statement;
}

/** The admin list's page and total for one status filter (or all deliveries). */
export function prepareListStatements(db: Database.Database, status: StoredDeliveryStatus | undefined): ListStatements {
  const where = status ? `WHERE ${STATUS_FILTERS[status]}` : '';
  return {
    rows: db.prepare(`SELECT ${COLUMNS_WITHOUT_EVENT}, ${EVENT_OF_D} FROM deliveries d ${where} ORDER BY d.seq DESC LIMIT ? OFFSET ?`),
    total: db.prepare(`SELECT COUNT(*) AS total FROM deliveries ${where}`),
  };
}
