import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moveInlineEvents } from './inline-event-migration.js';
import { DATABASE_FILE, openDatabase } from './sqlite-database.js';
import type { ClaimedDelivery } from '../delivery-store.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';

/** The claim of a delivery by its id: all the SQLite adapter reads of it. */
const claimOf = (id: string) => ({ id, lease: id }) as ClaimedDelivery;

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

const eventJson = (uuid: string, type: string) => JSON.stringify({ type, format: 'openregister', occurredAt: '2026-06-01T00:00:00.000Z', object: { uuid, data: { title: uuid }, meta: {} } });

/**
 * The schema released before `delivery_events`: partial indexes, each event in its deliveries
 * row. One delivery of each finished state and one queued behind its object's dead letter.
 */
const INLINE_EVENTS_SCHEMA = `
CREATE TABLE deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL, object_key TEXT,
  event TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, series_start INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, completed_at INTEGER);
CREATE INDEX deliveries_queued ON deliveries (seq) WHERE status = 'queued';
CREATE INDEX deliveries_unfinished_by_object ON deliveries (object_key, seq) WHERE completed_at IS NULL;
CREATE INDEX deliveries_finished_by_age ON deliveries (status, updated_at) WHERE status IN ('succeeded', 'dead');
CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL, error TEXT, PRIMARY KEY (delivery_id, attempt));
INSERT INTO deliveries (id, idempotency_key, object_key, event, status, attempts, next_attempt_at, last_error, created_at, updated_at, completed_at) VALUES
  ('succeeded', 'k1', 'a', '${eventJson('a', 'object.created')}', 'succeeded', 1, ${NOW}, NULL, ${NOW}, ${NOW}, ${NOW}),
  ('dead', 'k2', 'b', '${eventJson('b', 'object.created')}', 'dead', 1, ${NOW}, 'boom', ${NOW}, ${NOW}, ${NOW}),
  ('queued', 'k3', 'b', '${eventJson('b', 'object.updated')}', 'queued', 0, ${NOW}, NULL, ${NOW}, ${NOW}, NULL);
INSERT INTO delivery_attempts VALUES ('succeeded', 1, ${NOW}, ${NOW}, 'succeeded', NULL), ('dead', 1, ${NOW}, ${NOW}, 'failed', 'boom');
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

  it('upgrades a database file of the first schema in place, keeping its deliveries', async () => {
    const old = new Database(join(dir, DATABASE_FILE));
    old.exec(FIRST_SCHEMA);
    old.close();
    const db = openDatabase(dir);
    expect(indexes(db)).toEqual(['deliveries_event_inline', 'deliveries_finished_by_age', 'deliveries_queued', 'deliveries_unfinished_by_object']);
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    expect(await store.counts()).toMatchObject({ queued: 1, succeeded: 1 });
    expect((await store.claimDue(10, NOW)).map((delivery) => delivery.id)).toEqual(['waiting']);
    // The traceparent column (tracing) is added; rows from before it have none.
    expect(db.prepare(`SELECT name FROM pragma_table_info('deliveries')`).pluck().all()).toContain('traceparent');
    expect(await store.get('done')).not.toHaveProperty('traceparent');
    await store.enqueue({ id: 'traced', idempotencyKey: 'k9', event: { type: 'object.created', object: { uuid: 'c' } } as never, acceptedAt: NOW, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(await store.get('traced')).toMatchObject({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await store.close();
  });

  it('moves the events of a file with events in its deliveries rows out of them, and the deliveries still run, list and replay', async () => {
    const old = new Database(join(dir, DATABASE_FILE));
    old.exec(INLINE_EVENTS_SCHEMA);
    old.close();
    const db = openDatabase(dir);
    expect(db.prepare(`SELECT DISTINCT event FROM deliveries`).pluck().all()).toEqual(['']);
    expect(db.prepare(`SELECT seq FROM delivery_events ORDER BY seq`).pluck().all()).toEqual([1, 2, 3]);
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    expect(await store.counts()).toMatchObject({ queued: 1, processing: 0, succeeded: 1, dead: 1 });
    expect((await store.list({ limit: 10, offset: 0 })).items.map(({ id, event }) => [id, event.type, event.object?.uuid])).toEqual([
      ['queued', 'object.updated', 'b'],
      ['dead', 'object.created', 'b'],
      ['succeeded', 'object.created', 'a'],
    ]);
    expect(await store.get('dead')).toMatchObject({ status: 'dead', lastError: 'boom', event: { type: 'object.created', object: { uuid: 'b' } }, history: [{ attempt: 1, error: 'boom' }] });
    // Nothing in the handoff after a restart: the claim reads each event from delivery_events.
    const [queued] = await store.claimDue(10, NOW);
    expect(queued).toMatchObject({ id: 'queued', event: { type: 'object.updated', object: { uuid: 'b', data: { title: 'b' } } } });
    await store.finishAttempt(claimOf('queued'), { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' });
    expect((await store.replay('dead', NOW + 2))).toBe(true);
    expect((await store.replay('succeeded', NOW + 2))).toBe(true);
    expect((await store.claimDue(10, NOW + 2)).map(({ id, event }) => [id, event.type, event.object?.uuid])).toEqual([
      ['succeeded', 'object.created', 'a'],
      ['dead', 'object.created', 'b'],
    ]);
    await store.close();
  });

  it('moves events once: opening again changes nothing, and rows an older version wrote since are moved too', async () => {
    const old = new Database(join(dir, DATABASE_FILE));
    old.exec(INLINE_EVENTS_SCHEMA);
    old.close();
    openDatabase(dir).close();
    const db = openDatabase(dir);
    const events = () => db.prepare(`SELECT seq, event FROM delivery_events ORDER BY seq`).all();
    const moved = events();
    expect(moveInlineEvents(db)).toBe(0);
    expect(events()).toEqual(moved);
    db.prepare(
      `INSERT INTO deliveries (id, idempotency_key, object_key, event, status, next_attempt_at, created_at, updated_at) VALUES ('later', 'k4', 'c', ?, 'queued', ?, ?, ?)`,
    ).run(eventJson('c', 'object.created'), NOW, NOW, NOW);
    expect(moveInlineEvents(db)).toBe(1);
    expect(events()).toEqual([...moved, { seq: 4, event: eventJson('c', 'object.created') }]);
    expect(db.prepare(`SELECT DISTINCT event FROM deliveries`).pluck().all()).toEqual(['']);
    db.close();
  });

  it('finds the claim, per-object order, retention, counts and events left to move on an index, never by scanning the table', async () => {
    const db = openDatabase(dir);
    const plan = (sql: string, ...params: number[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join('; ');
    const claimable = `NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.object_key = d.object_key AND e.seq < d.seq AND e.completed_at IS NULL)`;
    expect(plan(`SELECT seq FROM deliveries d WHERE d.status = 'queued' AND d.next_attempt_at <= ? AND ${claimable} ORDER BY d.seq LIMIT ?`, NOW, 64)).toBe(
      'SCAN d USING INDEX deliveries_queued; CORRELATED SCALAR SUBQUERY 1; SEARCH e USING INDEX deliveries_unfinished_by_object (object_key=? AND seq<?)',
    );
    // Covering: the index holds the status its trigger (delivery_totals) needs.
    expect(plan(`DELETE FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < ?`, NOW)).toMatch(/USING (COVERING )?INDEX deliveries_finished_by_age/);
    expect(plan(`SELECT COUNT(*) FROM deliveries WHERE completed_at IS NULL AND status = 'processing'`)).toContain(
      'USING INDEX deliveries_unfinished_by_object',
    );
    expect(plan(`SELECT seq, event FROM deliveries WHERE event != ''`)).toContain('USING INDEX deliveries_event_inline');
    expect(plan(`DELETE FROM delivery_events WHERE seq IN (SELECT seq FROM deliveries WHERE status IN ('succeeded', 'dead') AND updated_at < ?)`, NOW)).toContain(
      'USING COVERING INDEX deliveries_finished_by_age',
    );
    db.close();
  });
});
