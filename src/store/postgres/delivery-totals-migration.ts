// Migration V5 of the PostgreSQL schema, listed in order in schema.ts. Released, so never
// edited: a database that applied it never applies it again, so an edit would reach only new
// databases; a later change is a new migration.

/**
 * Finished deliveries counted as they change, so the queue gauges never read the finished rows
 * (a count of them grows with retention: docs/operations.md, "Metrics"). Statement triggers add
 * each statement's change to the row of its connection (`shard`: the backend's pid), so writers
 * never wait on one another; retention folds the rows into shard 0. They count the writes of any
 * client, a replica of an earlier version during a rolling upgrade included. The triggers come
 * before the first count: they lock out writers until this migration commits.
 */
export const DELIVERY_TOTALS_MIGRATION = `
CREATE TABLE delivery_totals (shard integer PRIMARY KEY, succeeded bigint NOT NULL DEFAULT 0, dead bigint NOT NULL DEFAULT 0);
-- PL/pgSQL, not SQL: its statement is planned once per connection, not at every call.
CREATE FUNCTION add_delivery_totals(more_succeeded bigint, more_dead bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF more_succeeded <> 0 OR more_dead <> 0 THEN
    INSERT INTO delivery_totals AS t (shard, succeeded, dead) VALUES (pg_backend_pid(), more_succeeded, more_dead)
    ON CONFLICT (shard) DO UPDATE SET succeeded = t.succeeded + excluded.succeeded, dead = t.dead + excluded.dead;
  END IF;
END $$;
CREATE FUNCTION delivery_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_delivery_totals(count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'dead')) FROM new_rows;
  RETURN NULL;
END $$;
CREATE FUNCTION delivery_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_delivery_totals(coalesce(sum(s), 0)::bigint, coalesce(sum(d), 0)::bigint) FROM (
    SELECT (status = 'succeeded')::int AS s, (status = 'dead')::int AS d FROM new_rows
    UNION ALL SELECT -(status = 'succeeded')::int, -(status = 'dead')::int FROM old_rows) change;
  RETURN NULL;
END $$;
CREATE FUNCTION delivery_totals_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_delivery_totals(-count(*) FILTER (WHERE status = 'succeeded'), -count(*) FILTER (WHERE status = 'dead')) FROM old_rows;
  RETURN NULL;
END $$;
CREATE TRIGGER delivery_totals_inserted AFTER INSERT ON deliveries REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_inserted();
CREATE TRIGGER delivery_totals_updated AFTER UPDATE ON deliveries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_updated();
CREATE TRIGGER delivery_totals_deleted AFTER DELETE ON deliveries REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_deleted();
CREATE FUNCTION delivery_totals_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM delivery_totals;
  RETURN NULL;
END $$;
CREATE TRIGGER delivery_totals_truncated AFTER TRUNCATE ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION delivery_totals_truncated();
INSERT INTO delivery_totals (shard, succeeded, dead)
SELECT 0, count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'dead') FROM deliveries WHERE status IN ('succeeded', 'dead');
`;
