import { DELIVERY_TOTALS_MIGRATION } from './delivery-totals-migration.js';
import { RESEND_LOOKUP_MIGRATION } from './resend-lookup-migration.js';
import { TRACEPARENT_MIGRATION } from './traceparent-migration.js';

/**
 * The PostgreSQL store's schema, as numbered migrations applied in order at start (see
 * `migrate.ts`). A migration, once released, never changes: later changes are new entries.
 * The schema as first released (V1, V2) is here; each later migration is a file named for what
 * it changes, as the SQLite store's are (sqlite/*-migration.ts).
 *
 * Times are ms since the epoch (bigint), as in the SQLite store. Lease times are the
 * database's clock (`NOW_MS`), so replicas with skewed clocks agree on when a lease lapses.
 *
 * Indexes, each for a named query:
 * - deliveries_unfinished: claimDue walks unfinished deliveries in `seq` order (queued ones and
 *   processing ones whose lease may have lapsed); small in a healthy system.
 * - deliveries_unfinished_by_object: per-object order (is an earlier delivery of this object
 *   unfinished?). `completed_at IS NULL` holds exactly while queued or processing.
 * - deliveries_finished_by_age: retention, replay of dead letters.
 * - deliveries_leases: lease renewal and the leases a closing process gives up.
 * The finished ones are not counted from their rows: see delivery_totals (V5, delivery-totals-migration.ts).
 */
const V1 = `
CREATE TABLE deliveries (
  -- acknowledgement order per object: assigned under the object's advisory lock (enqueue_batch)
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  idempotency_key text NOT NULL,
  object_key text,
  event text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  series_start integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  completed_at bigint,
  -- the claim: which process holds it, its fencing token, and until when (database clock)
  lease_owner text,
  lease_token uuid,
  lease_expires_at bigint
);
CREATE INDEX deliveries_unfinished ON deliveries (seq) WHERE completed_at IS NULL;
CREATE INDEX deliveries_unfinished_by_object ON deliveries (object_key, seq) WHERE completed_at IS NULL;
CREATE INDEX deliveries_finished_by_age ON deliveries (status, updated_at) WHERE status IN ('succeeded', 'dead');
CREATE INDEX deliveries_leases ON deliveries (lease_owner) WHERE status = 'processing';
CREATE TABLE delivery_attempts (
  delivery_id text NOT NULL,
  attempt integer NOT NULL,
  started_at bigint NOT NULL,
  finished_at bigint NOT NULL,
  outcome text NOT NULL,
  error text,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY,
  state text NOT NULL,
  expires_at bigint NOT NULL,
  delivery_id text
);
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);
CREATE TABLE store_health (id integer PRIMARY KEY CHECK (id = 1), checked_at bigint NOT NULL);

-- Stores a batch of deliveries in one transaction (the caller's statement): one round trip and
-- one commit for every delivery that arrived while the previous batch was committing. Keys are
-- unique within the batch (the caller answers in-batch resends itself).
-- Lock order, so that concurrent batches of several replicas never deadlock: idempotency keys in
-- key order, then the objects' advisory locks in lock order. The object lock is held to commit,
-- so a later batch for the same object takes its seq only after this one committed: seq order
-- is acknowledgement order for each object (a bare bigserial is not, across replicas).
CREATE FUNCTION enqueue_batch(ids text[], keys text[], object_keys text[], events text[], accepted_at bigint[], ttl_ms bigint, notify_payload text)
RETURNS TABLE (delivery_id text, original_delivery_id text, accepted boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  taken text[];
BEGIN
  WITH input AS (SELECT * FROM unnest(ids, keys, accepted_at) AS t(id, key, at) ORDER BY key),
  claimed AS (
    INSERT INTO idempotency_keys AS k (key, state, expires_at, delivery_id)
    SELECT key, 'done', at + ttl_ms, id FROM input ORDER BY key
    ON CONFLICT (key) DO UPDATE SET state = 'done', expires_at = excluded.expires_at, delivery_id = excluded.delivery_id
    WHERE k.expires_at <= excluded.expires_at - ttl_ms
    RETURNING k.delivery_id
  )
  SELECT coalesce(array_agg(claimed.delivery_id), '{}') INTO taken FROM claimed;

  PERFORM pg_advisory_xact_lock(1917, l.lock) FROM (
    SELECT DISTINCT hashtext(o) AS lock FROM unnest(ids, object_keys) AS t(id, o)
    WHERE o IS NOT NULL AND id = ANY (taken) ORDER BY 1) l;

  INSERT INTO deliveries (id, idempotency_key, object_key, event, status, next_attempt_at, created_at, updated_at)
  SELECT t.id, t.key, t.o, t.e, 'queued', t.at, t.at, t.at
  FROM unnest(ids, keys, object_keys, events, accepted_at) WITH ORDINALITY AS t(id, key, o, e, at, n)
  WHERE t.id = ANY (taken) ORDER BY t.n;

  IF cardinality(taken) > 0 THEN PERFORM pg_notify('openregister_webhooks_wake', notify_payload); END IF;

  RETURN QUERY SELECT t.id, CASE WHEN t.id = ANY (taken) THEN NULL ELSE k.delivery_id END, t.id = ANY (taken)
  FROM unnest(ids, keys) AS t(id, key) LEFT JOIN idempotency_keys k ON k.key = t.key;
END $$;
`;

/**
 * Catch-up's state: each source's checkpoint, the one reader lease (a single row; its expiry on
 * the database's clock), and each object's last seen state as exact JSON text (jsonb would give
 * integers past 2^53 back through JSON.parse, rounded). object_states_expiry: the expiry sweep.
 */
const V2 = `
CREATE TABLE catchup_checkpoints (source text PRIMARY KEY, value text NOT NULL);
CREATE TABLE catchup_lease (id integer PRIMARY KEY CHECK (id = 1), owner text NOT NULL, expires_at bigint NOT NULL);
CREATE TABLE object_states (object_uuid text PRIMARY KEY, state text NOT NULL, expires_at bigint NOT NULL);
CREATE INDEX object_states_expiry ON object_states (expires_at);
`;

/** The migrations, in order; the version of each is its position, counted from 1. */
export const MIGRATIONS: readonly string[] = [V1, V2, RESEND_LOOKUP_MIGRATION, TRACEPARENT_MIGRATION, DELIVERY_TOTALS_MIGRATION];

/** The channel on which replicas wake each other (payload: the waking process's owner id). */
export const WAKE_CHANNEL = 'openregister_webhooks_wake';

/** The database's clock in ms since the epoch: leases are measured on it. */
export const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Advisory lock keys (the one-key space; objects use the two-key space under class 1917). */
export const LOCKS = { migrate: 191_701, retention: 191_702 } as const;
