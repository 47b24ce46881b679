import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres-database.js';
import { NOW, newDelivery, openStore, sql } from '../../../test/support/postgres-store.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { createPool } from './postgres-pool.js';

/**
 * The finish statement's plan must follow the table: a plan fixed while the table was small
 * joined each later batch by scanning the whole table (docs/adr/0006-worker-drain-rate.md,
 * "The slow mode"). Counted through the server's statistics, on a store of one connection.
 */
describe('PostgresDeliveryStore: finishing a batch reads the deliveries it finishes, not the table', () => {
  let db: TestDatabase;
  let store: PostgresDeliveryStore;

  beforeEach(async () => {
    db = await createTestDatabase();
    store = await openStore(db.url, { pool: createPool({ url: db.url, poolSize: 1 }) });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  /** Full scans of `deliveries` so far, once the store's one connection has reported its counts. */
  const tableScans = async () => {
    const pool = (store as unknown as { pool: { query(text: string): Promise<unknown> } }).pool;
    await pool.query('SELECT pg_stat_force_next_flush()');
    await pool.query('SELECT 1');
    const [{ n }] = await sql<{ n: string }>(db.url, `SELECT seq_scan AS n FROM pg_stat_user_tables WHERE relname = 'deliveries'`);
    return Number(n);
  };
  const finishDue = async (limit: number) => {
    const claims = await store.claimDue(limit, NOW);
    await Promise.all(claims.map((claim) => store.finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' })));
    return claims.length;
  };

  it('after its first finishes on a small table, finishes a backlog of 20,000 without scanning it', async () => {
    // Small: the finishes a connection's statement plan could be fixed on.
    for (let index = 0; index < 8; index++) {
      await store.enqueue(newDelivery(`small-${index}`));
      expect(await finishDue(1)).toBe(1);
    }
    // As many as a burst leaves (and fewer than retention keeps): large enough that reading 64
    // deliveries by id is the cheaper plan, as the planner sees the table.
    for (let chunk = 0; chunk < 40; chunk++) {
      await Promise.all(Array.from({ length: 500 }, (_, index) => store.enqueue(newDelivery(`large-${chunk}-${index}`))));
    }
    const before = await tableScans();

    let finished = 0;
    for (let round = 0; round < 10; round++) finished += await finishDue(64);

    expect(finished).toBe(640);
    expect(await tableScans()).toBeLessThanOrEqual(before + 1);
  });
});
