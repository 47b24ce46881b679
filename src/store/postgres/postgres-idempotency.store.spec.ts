import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { createTestDatabase, TestDatabase, testServerUrl } from '../../../test/support/postgres-database.js';
import { sql } from '../../../test/support/postgres-store.js';
import { migrate } from './migrate.js';
import { PostgresIdempotencyStore } from './postgres-idempotency.store.js';
import { createPool } from './postgres-pool.js';

describe('PostgresIdempotencyStore', () => {
  let db: TestDatabase;
  let pools: pg.Pool[];
  let now = 1_780_000_000_000;
  const storeOn = (pool: pg.Pool) => new PostgresIdempotencyStore({ pool, ttlInSeconds: 60, inProgressTtlInSeconds: 10, now: () => now });

  beforeAll(async () => {
    db = await createTestDatabase();
    pools = [createPool({ url: db.url, poolSize: 4 }), createPool({ url: db.url, poolSize: 4 })];
    await migrate(pools[0]);
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await db.drop();
  });

  it('lets one of two replicas claim a change sent to both at once', async () => {
    const [a, b] = pools.map(storeOn);
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([a.claim(`race-${round}`, `a-${round}`), b.claim(`race-${round}`, `b-${round}`)]);
      const winner = results.findIndex((result) => result.status === 'claimed');
      expect(winner).toBeGreaterThanOrEqual(0);
      expect(results[1 - winner]).toEqual({ status: 'in-progress', originalDeliveryId: `${'ab'[winner]}-${round}` });
    }
  });

  it('answers done after complete, until the key expires', async () => {
    const store = storeOn(pools[0]);
    expect(await store.claim('k', 'd-1')).toEqual({ status: 'claimed' });
    await store.complete('k');
    expect(await store.claim('k', 'd-2')).toEqual({ status: 'done', originalDeliveryId: 'd-1' });
    now += 61_000;
    expect(await store.claim('k', 'd-3')).toEqual({ status: 'claimed' });
  });

  it('forgets a released claim', async () => {
    const store = storeOn(pools[0]);
    expect(await store.claim('r', 'd-1')).toEqual({ status: 'claimed' });
    await store.release('r');
    expect(await store.claim('r', 'd-2')).toEqual({ status: 'claimed' });
  });

  it('frees the claim of a replica that died mid-delivery once its in-progress time is up', async () => {
    const store = storeOn(pools[0]);
    expect(await store.claim('dead', 'd-1')).toEqual({ status: 'claimed' });
    now += 9_000;
    expect((await store.claim('dead', 'd-2')).status).toBe('in-progress');
    now += 2_000;
    expect(await store.claim('dead', 'd-3')).toEqual({ status: 'claimed' });
  });

  it('commits with synchronous_commit on, even where the database defaults to off', async () => {
    const name = new URL(db.url).pathname.slice(1);
    await sql(testServerUrl(), `ALTER DATABASE ${name} SET synchronous_commit = off`);
    const pool = createPool({ url: db.url, poolSize: 1 });
    try {
      expect((await sql(db.url, 'SHOW synchronous_commit'))[0]).toEqual({ synchronous_commit: 'off' });
      expect((await pool.query('SHOW synchronous_commit')).rows[0]).toEqual({ synchronous_commit: 'on' });
    } finally {
      await pool.end();
    }
  });
});
