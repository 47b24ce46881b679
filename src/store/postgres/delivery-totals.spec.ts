import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres-database.js';
import { NOW, newDelivery, openStore, sql } from '../../../test/support/postgres-store.js';
import type { ClaimedDelivery } from '../delivery-store.js';
import { migrate } from './migrate.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { createPool } from './postgres-pool.js';
import { MIGRATIONS } from './schema.js';

/** Finished deliveries are counted from delivery_totals (schema V5), never from their rows. */
describe('PostgresDeliveryStore: counts of finished deliveries (delivery_totals)', () => {
  let db: TestDatabase;
  const stores: PostgresDeliveryStore[] = [];
  const open = async () => {
    const store = await openStore(db.url);
    stores.push(store);
    return store;
  };
  const finish = (store: PostgresDeliveryStore, claim: ClaimedDelivery, status: 'succeeded' | 'dead') =>
    store.finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: status === 'succeeded' ? 'succeeded' : 'failed', error: status === 'dead' ? 'boom' : undefined }, { status });

  beforeAll(async () => {
    db = await createTestDatabase();
    const pool = createPool({ url: db.url, poolSize: 1 });
    await migrate(pool);
    await pool.end();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('counts the finished rows a database had before the upgrade, once, at the migration', async () => {
    const old = await createTestDatabase();
    const pool = createPool({ url: old.url, poolSize: 1 });
    try {
      await migrate(pool, MIGRATIONS.slice(0, 4));
      await sql(
        old.url,
        `INSERT INTO deliveries (id, idempotency_key, event, status, next_attempt_at, created_at, updated_at, completed_at)
         SELECT 'old-' || g, 'old-' || g, '{}', (ARRAY['succeeded', 'succeeded', 'dead', 'queued'])[g], 0, 0, 0, CASE WHEN g < 4 THEN 0 END FROM generate_series(1, 4) g`,
      );
      await migrate(pool);
      const store = await openStore(old.url);
      stores.push(store);
      expect(await store.counts()).toEqual({ queued: 1, processing: 0, succeeded: 2, dead: 1 });
    } finally {
      await pool.end();
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await old.drop();
    }
  });

  it('adds up the finishes of several replicas, and retention folds their rows into one', async () => {
    const [a, b] = [await open(), await open()];
    for (let i = 0; i < 40; i++) await (i % 2 ? a : b).enqueue(newDelivery(`object-${i}`));
    const [fromA, fromB] = [await a.claimDue(20, NOW), await b.claimDue(20, NOW)];
    await Promise.all([
      ...fromA.map((claim, i) => finish(a, claim, i % 4 === 0 ? 'dead' : 'succeeded')),
      ...fromB.map((claim, i) => finish(b, claim, i % 4 === 0 ? 'dead' : 'succeeded')),
    ]);
    expect(await a.counts()).toEqual({ queued: 0, processing: 0, succeeded: 30, dead: 10 });
    expect((await sql(db.url, 'SELECT count(*)::int AS n FROM delivery_totals WHERE shard <> 0'))[0].n).toBeGreaterThan(0);

    // Nothing is old enough to prune: only the rows are folded.
    expect(await a.deleteFinishedBefore(NOW - 1)).toBe(0);
    expect(await sql(db.url, 'SELECT shard, succeeded::int, dead::int FROM delivery_totals')).toEqual([{ shard: 0, succeeded: 30, dead: 10 }]);
    expect(await b.counts()).toEqual({ queued: 0, processing: 0, succeeded: 30, dead: 10 });
    expect(await a.deleteFinishedBefore(NOW + 1)).toBe(40);
    expect(await b.counts()).toEqual({ queued: 0, processing: 0, succeeded: 0, dead: 0 });
  });

  it("counts what an operator's own statements change too", async () => {
    const store = await open();
    for (const uuid of ['a', 'b', 'c']) await store.enqueue(newDelivery(uuid));
    const claims = await store.claimDue(3, NOW);
    await Promise.all(claims.map((claim) => finish(store, claim, 'dead')));
    await sql(db.url, `DELETE FROM deliveries WHERE id = $1`, [claims[0].id]);
    await sql(db.url, `UPDATE deliveries SET status = 'succeeded' WHERE id = $1`, [claims[1].id]);
    expect(await store.counts()).toEqual({ queued: 0, processing: 0, succeeded: 1, dead: 1 });
    await sql(db.url, 'TRUNCATE deliveries');
    expect(await store.counts()).toEqual({ queued: 0, processing: 0, succeeded: 0, dead: 0 });
  });
});
