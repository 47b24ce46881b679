// Migration V4 of the PostgreSQL schema, listed in order in schema.ts. Released, so never
// edited: a database that applied it never applies it again, so an edit would reach only new
// databases; a later change is a new migration.

/**
 * Each delivery's `traceparent`: the W3C trace context of the request that brought it (with
 * tracing on), which its attempts' spans link to; NULL for older rows and with tracing off.
 * enqueue_batch gains the column as an overload: a replica of the previous version, still
 * running during a rolling upgrade, calls the seven-argument one, which stays as V3 left it.
 */
export const TRACEPARENT_MIGRATION = `
ALTER TABLE deliveries ADD COLUMN traceparent text;
CREATE FUNCTION enqueue_batch(ids text[], keys text[], object_keys text[], events text[], accepted_at bigint[], ttl_ms bigint, notify_payload text, traceparents text[])
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

  INSERT INTO deliveries (id, idempotency_key, object_key, event, status, next_attempt_at, created_at, updated_at, traceparent)
  SELECT t.id, t.key, t.o, t.e, 'queued', t.at, t.at, t.at, t.tp
  FROM unnest(ids, keys, object_keys, events, accepted_at, traceparents) WITH ORDINALITY AS t(id, key, o, e, at, tp, n)
  WHERE t.id = ANY (taken) ORDER BY t.n;

  IF cardinality(taken) > 0 THEN PERFORM pg_notify('openregister_webhooks_wake', notify_payload); END IF;

  -- The original of a resend only, each by its key (primary key): a join planned once per session
  -- (PL/pgSQL caches the plan) on a table never analysed read the whole table once per batch.
  RETURN QUERY SELECT t.id,
    CASE WHEN t.id = ANY (taken) THEN NULL ELSE (SELECT k.delivery_id FROM idempotency_keys k WHERE k.key = t.key) END,
    t.id = ANY (taken)
  FROM unnest(ids, keys) AS t(id, key);
END $$;
`;
