import { parseExactJson } from '../events/exact-json.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { DeliveryAttempt, StoredDelivery, StoredDeliveryStatus } from './delivery-store.js';

/**
 * A `deliveries` row as either adapter's queries select it, with the event's JSON in `event`
 * (absent where a query leaves it out: SQLite's claim, which takes the event from memory).
 */
export interface DeliveryRow {
  seq: number;
  id: string;
  idempotency_key: string;
  event?: string;
  status: StoredDeliveryStatus;
  attempts: number;
  series_start: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  traceparent: string | null;
}

/** A `delivery_attempts` row (PostgreSQL: as `json_agg` gives it). */
export interface AttemptRow {
  attempt: number;
  started_at: number;
  finished_at: number;
  outcome: 'succeeded' | 'failed';
  error: string | null;
}

export function toDelivery(row: DeliveryRow, event: OpenRegisterEvent = parseExactJson(row.event!) as OpenRegisterEvent): StoredDelivery {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    event,
    status: row.status,
    attempts: row.attempts,
    seriesStart: row.series_start,
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error ? { lastError: row.last_error } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.completed_at ? { completedAt: row.completed_at } : {}),
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
  };
}

export function toAttempt(row: AttemptRow): DeliveryAttempt {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    ...(row.error ? { error: row.error } : {}),
  };
}
