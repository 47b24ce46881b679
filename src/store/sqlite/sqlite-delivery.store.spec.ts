import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDeliveryStoreContract, event } from '../delivery-store.contract.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';

const NOW = 1_780_000_000_000;

describeDeliveryStoreContract('sqlite', {
  durable: true,
  async open({ idempotencyTtlInSeconds }) {
    const dir = mkdtempSync(join(tmpdir(), 'orw-contract-'));
    let store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds });
    const reopen = async () => {
      await store.close();
      return (store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds }));
    };
    return {
      store,
      reopen,
      // One process per file: the next process opens it once the crashed one is gone. Its claims
      // are on disk (claims are written at once); closing here writes nothing more of them.
      crash: reopen,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describeDeliveryStoreContract('memory', {
  durable: false,
  async open({ idempotencyTtlInSeconds }) {
    const store = new SqliteDeliveryStore(openDatabase(':memory:'), { idempotencyTtlInSeconds });
    return { store, dispose: () => store.close() };
  },
});

/** What the SQLite adapter does beyond the contract: where it keeps events. */
describe('SqliteDeliveryStore', () => {
  let dir: string;
  let db: Database.Database;
  let store: SqliteDeliveryStore;
  let seq = 0;
  const enqueue = (uuid: string) => store.enqueue({ id: `d-${++seq}`, idempotencyKey: `key-${seq}`, event: event(uuid), acceptedAt: NOW });
  const succeeded = { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'succeeded' } as const;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-store-'));
    db = openDatabase(dir);
    store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes the events of the deliveries it prunes, and no other', async () => {
    for (const uuid of ['a', 'b', 'c', 'd']) await enqueue(uuid);
    const [done, dead, late] = await store.claimDue(3, NOW);
    await store.finishAttempt(done, succeeded, { status: 'succeeded' });
    await store.finishAttempt(dead, { ...succeeded, outcome: 'failed', error: 'x' }, { status: 'dead' });
    await store.finishAttempt(late, { ...succeeded, finishedAt: NOW + 5 }, { status: 'succeeded' });
    expect(await store.deleteFinishedBefore(NOW + 1)).toBe(2);
    const seqs = (table: string) => db.prepare(`SELECT seq FROM ${table} ORDER BY seq`).pluck().all();
    expect(seqs('delivery_events')).toEqual(seqs('deliveries'));
    expect(seqs('delivery_events')).toHaveLength(2);
  });

  it('stores each event once, outside its deliveries row, and reads it back from there', async () => {
    await store.enqueue({ id: 'e', idempotencyKey: 'e', event: event('e', 'object.created', { size: 'x'.repeat(10_000) }), acceptedAt: NOW });
    expect(db.prepare(`SELECT event FROM deliveries`).pluck().all()).toEqual(['']);
    expect(JSON.parse(db.prepare(`SELECT event FROM delivery_events`).pluck().get() as string)).toMatchObject({ object: { uuid: 'e' } });
    await store.close();
    // A new store has nothing in its handoff: the claim reads the event back.
    store = new SqliteDeliveryStore((db = openDatabase(dir)), { idempotencyTtlInSeconds: 60 });
    const [claimed] = await store.claimDue(1, NOW);
    expect(claimed.event).toEqual(event('e', 'object.created', { size: 'x'.repeat(10_000) }));
    expect((await store.get('e'))?.event).toEqual(claimed.event);
  });

  it('names the original of a duplicate from a key written before keys kept their delivery', async () => {
    db.prepare(`INSERT INTO idempotency_keys (key, state, expires_at) VALUES ('old', 'done', ?)`).run(NOW + 60_000);
    expect(await store.enqueue({ id: 'new', idempotencyKey: 'old', event: event('a'), acceptedAt: NOW })).toEqual({ status: 'duplicate' });
  });
});
