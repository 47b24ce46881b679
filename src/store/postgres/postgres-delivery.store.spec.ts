import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres-database.js';
import { NOW, newDelivery, openStore, sql } from '../../../test/support/postgres-store.js';
import { migrate } from './migrate.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { createPool } from './postgres-pool.js';
import { MIGRATIONS } from './schema.js';

describe('PostgresDeliveryStore: several replicas on one database', () => {
  let db: TestDatabase;
  const stores: PostgresDeliveryStore[] = [];
  const open = async () => {
    const store = await openStore(db.url);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const pool = createPool({ url: db.url, poolSize: 1 });
    await migrate(pool);
    await pool.end();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await sql(db.url, 'DROP TRIGGER IF EXISTS pause_a_little ON deliveries; DROP FUNCTION IF EXISTS pause_a_little');
    await sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('migrates once when several replicas start together on an empty database', async () => {
    const fresh = await createTestDatabase();
    const pools = [1, 2, 3].map(() => createPool({ url: fresh.url, poolSize: 2 }));
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      expect(applied.flat()).toEqual(MIGRATIONS.map((_, index) => index + 1));
      expect(await sql(fresh.url, 'SELECT version FROM schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((_, index) => ({ version: index + 1 })));
      expect(await migrate(pools[0])).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await fresh.drop();
    }
  });

  it('accepts a change sent to two replicas at the same moment once, naming the original to the other', async () => {
    const [a, b] = [await open(), await open()];
    for (let round = 0; round < 20; round++) {
      const [first, second] = [newDelivery('obj', `race-${round}`), newDelivery('obj', `race-${round}`)];
      const results = await Promise.all([a.enqueue(first), b.enqueue(second)]);
      const accepted = results.findIndex((result) => result.status === 'accepted');
      expect(accepted).toBeGreaterThanOrEqual(0);
      expect(results[1 - accepted]).toEqual({ status: 'duplicate', originalDeliveryId: [first, second][accepted].id });
    }
    expect((await a.counts()).queued).toBe(20);
  });

  it('answers a resend within one batch as a duplicate of the first', async () => {
    const store = await open();
    const [first, again, other] = [newDelivery('a', 'same'), newDelivery('a', 'same'), newDelivery('b', 'other')];
    // The first write takes the lone delivery in front; the three behind it go in one batch.
    const results = await Promise.all([store.enqueue(newDelivery('x')), store.enqueue(first), store.enqueue(again), store.enqueue(other)]);
    expect(results).toEqual([{ status: 'accepted' }, { status: 'accepted' }, { status: 'duplicate', originalDeliveryId: first.id }, { status: 'accepted' }]);
    expect(await store.enqueue(newDelivery('a', 'same'))).toEqual({ status: 'duplicate', originalDeliveryId: first.id });
  });

  it('forgets a key once it expired', async () => {
    const store = await open();
    expect(await store.enqueue(newDelivery('a', 'k', NOW))).toEqual({ status: 'accepted' });
    expect((await store.enqueue(newDelivery('a', 'k', NOW + 59_000))).status).toBe('duplicate');
    expect(await store.enqueue(newDelivery('a', 'k', NOW + 61_000))).toEqual({ status: 'accepted' });
  });

  it('makes the deliveries of an object visible in their order when two replicas enqueue for it at once', async () => {
    // A bare sequence is not commit order: a delivery could commit before an earlier-numbered
    // one of its object, be claimed first, and the earlier one then run beside or after it.
    // Widens that window: each enqueue pauses between taking its numbers and committing.
    await sql(db.url, `CREATE FUNCTION pause_a_little() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$;
      CREATE TRIGGER pause_a_little AFTER INSERT ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION pause_a_little()`);
    const [a, b] = [await open(), await open()];
    const orderOf = async () => (await sql<{ id: string }>(db.url, `SELECT id FROM deliveries WHERE object_key = 'one-object' ORDER BY seq`)).map((row) => row.id);
    const snapshots: string[][] = [];
    let enqueuing = true;
    const watcher = (async () => {
      while (enqueuing) snapshots.push(await orderOf());
    })();
    const acknowledged: string[][] = [];
    for (let round = 0; round < 30; round++) {
      const pair = [newDelivery('one-object'), newDelivery('one-object')];
      await Promise.all(pair.map((delivery, index) => [a, b][index].enqueue(delivery)));
      acknowledged.push(pair.map((delivery) => delivery.id));
    }
    enqueuing = false;
    await watcher;
    const final = await orderOf();
    // Every moment's visible deliveries are the first ones of the final order: none appeared before an earlier one.
    for (const snapshot of snapshots) expect(snapshot).toEqual(final.slice(0, snapshot.length));
    // A delivery acknowledged before another was sent comes first.
    expect(acknowledged.map((_, round) => new Set(final.slice(2 * round, 2 * round + 2)))).toEqual(acknowledged.map((pair) => new Set(pair)));

    const claimed: string[] = [];
    for (;;) {
      const claims = await (claimed.length % 2 ? a : b).claimDue(10, NOW + 1000);
      expect(claims.length).toBeLessThanOrEqual(1);
      if (claims.length === 0) break;
      claimed.push(claims[0].id);
      await a.finishAttempt(claims[0], { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' });
    }
    expect(claimed).toEqual(final);
  });

  it('shares one queue: concurrent claims of two replicas never take the same delivery', async () => {
    const [a, b] = [await open(), await open()];
    await Promise.all(Array.from({ length: 40 }, (_, index) => a.enqueue(newDelivery(`object-${index}`))));
    const [fromA, fromB] = await Promise.all([a.claimDue(30, NOW + 1000), b.claimDue(30, NOW + 1000)]);
    const ids = [...fromA, ...fromB].map((claim) => claim.id);
    expect(new Set(ids).size).toBe(40);
  });

  it('keeps a retry waiting for its backoff in front of its object, but not a dead letter', async () => {
    const store = await open();
    const [first, second] = [newDelivery('obj'), newDelivery('obj')];
    await store.enqueue(first);
    await store.enqueue(second);
    let [claim] = await store.claimDue(10, NOW);
    await store.finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'failed', error: 'boom' }, { status: 'queued', nextAttemptAt: NOW + 5000 });
    expect(await store.claimDue(10, NOW + 1000)).toEqual([]);
    expect(await store.nextDueAt()).toBe(NOW + 5000);
    [claim] = await store.claimDue(10, NOW + 5000);
    expect(claim.id).toBe(first.id);
    await store.finishAttempt(claim, { attempt: 2, startedAt: NOW, finishedAt: NOW + 5000, outcome: 'failed', error: 'boom' }, { status: 'dead' });
    expect((await store.claimDue(10, NOW + 5000)).map((next) => next.id)).toEqual([second.id]);
    const dead = await store.get(first.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, lastError: 'boom', completedAt: NOW + 5000 });
    expect(dead?.history.map((attempt) => attempt.attempt)).toEqual([1, 2]);
  });

  it('relaxes the commit of claims and finishes for their own transaction only: acknowledgements on the same connection stay synchronous', async () => {
    const pool = createPool({ url: db.url, poolSize: 1 });
    const store = await openStore(db.url, { pool });
    stores.push(store);
    const setting = async () => (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0].synchronous_commit;
    await store.enqueue(newDelivery('object-a'));
    const [claim] = await store.claimDue(10, NOW);
    expect(await setting()).toBe('on');
    await store.finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' });
    expect(await setting()).toBe('on');
    expect(await store.get(claim.id)).toMatchObject({ status: 'succeeded' });
  });
});
