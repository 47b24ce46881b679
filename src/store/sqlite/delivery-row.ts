import { parseExactJson } from '../../events/exact-json.js';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import type { StoredDelivery, StoredDeliveryStatus } from '../delivery-store.js';

/**
 * A `deliveries` row with its event's JSON from `delivery_events` in `event` (never the legacy
 * `deliveries.event`, which holds ''); `event` is absent where a query leaves it out (claiming).
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
}

/** The columns of a row except the event's JSON, for queries that may not need to parse it. */
export const COLUMNS_WITHOUT_EVENT =
  'seq, id, idempotency_key, status, attempts, series_start, next_attempt_at, last_error, created_at, updated_at, completed_at';

/** The event's JSON as column `event`, in a query on `deliveries d`. */
export const EVENT_OF_D = '(SELECT delivery_events.event FROM delivery_events WHERE delivery_events.seq = d.seq) AS event';

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
  };
}
