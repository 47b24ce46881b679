import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE, openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';

const NOW = 1_780_000_000_000;

/** The deliveries table and indexes as the first released schema created them. */
const FIRST_SCHEMA = `
CREATE TABLE deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL, object_key TEXT,
  event TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, series_start INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, completed_at INTEGER);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at, seq);
CREATE INDEX deliveries_queued ON deliveries (seq) WHERE status = 'queued';
CREATE INDEX deliveries_object ON deliveries (object_key, seq);
CREATE INDEX deliveries_finished ON deliveries (status, updated_at);
INSERT INTO deliveries (id, idempotency_key, object_key, event, status, attempts, next_attempt_at, created_at, updated_at, completed_at) VALUES
  ('done', 'k1', 'a', '{"type":"object.created","object":{"uuid":"a"}}', 'succeeded', 1, ${NOW}, ${NOW}, ${NOW}, ${NOW}),
  ('waiting', 'k2', 'a', '{"type":"object.updated","object":{"uuid":"a"}}', 'queued', 0, ${NOW}, ${NOW}, ${NOW}, NULL);
`;

describe('schema', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-schema-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const indexes = (db: Database.Database) =>
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL ORDER BY name`).all() as { name: string }[]).map(
      ({ name }) => name,
    );

  it('upgrades a database file of the first schema in place, keeping its deliveries', () => {
    const old = new Database(join(dir, DATABASE_FILE));
    old.exec(FIRST_SCHEMA);
    old.close();
    const db = openDatabase(dir);
    expect(indexes(db)).toEqual(['deliveries_finished_by_age', 'deliveries_queued', 'deliveries_unfinished_by_object']);
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    expect(store.counts()).toMatchObject({ queued: 1, succeeded: 1 });
    expect(store.claimDue(10, NOW).map((delivery) => delivery.id)).toEqual(['waiting']);
    store.close();
  });

  it('finds the claim, per-object order, retention and counts on an index, never by scanning the table', () => {
    const db = openDatabase(dir);
    const plan = (sql: string, ...params: number[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join('; ');
    const claimable = `NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.object_key = d.object_key AND e.seq < d.seq AND e.completed_at IS NULL)`;
    expect(plan(`SELECT seq FROM deliveries d WHERE d.status = 'queued' AND d.next_attempt_at <= ? AND ${claimable} ORDER BY d.seq LIMIT ?`, NOW, 64)).toBe(
      'SCAN d USING INDEX deliveries_queued; CORRELATED SCALAR SUBQUERY 1; SEARCH e USING INDEX deliveries_unfinished_by_object (object_key=? AND seq<?)',
    );
    expect(plan(`DELETE FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < ?`, NOW)).toContain('USING INDEX deliveries_finished_by_age');
    expect(plan(`SELECT COUNT(*) FROM deliveries WHERE completed_at IS NULL AND status = 'processing'`)).toContain(
      'USING INDEX deliveries_unfinished_by_object',
    );
    db.close();
  });
});
