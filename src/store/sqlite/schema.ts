/** Tables of the embedded store; `seq` orders deliveries, which per-object order relies on. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL,
  object_key TEXT,
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- attempts made before the latest replay: the retry budget counts from here
  series_start INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at, seq);
-- Claiming walks the queue in seq order and stops at its limit, instead of sorting every queued row.
CREATE INDEX IF NOT EXISTS deliveries_queued ON deliveries (seq) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS deliveries_object ON deliveries (object_key, seq);
CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries (status, updated_at);

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
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency_keys (expires_at);
`;
