/** The columns of a row except the event's JSON, for queries that may not need to parse it. */
export const COLUMNS_WITHOUT_EVENT =
  'seq, id, idempotency_key, status, attempts, series_start, next_attempt_at, last_error, created_at, updated_at, completed_at, traceparent';

/** The event's JSON as column `event`, in a query on `deliveries d`. */
export const EVENT_OF_D = '(SELECT delivery_events.event FROM delivery_events WHERE delivery_events.seq = d.seq) AS event';
