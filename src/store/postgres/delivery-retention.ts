import type pg from 'pg';
import { QUERIES } from './delivery-queries.js';
import { withClient } from './postgres-pool.js';
import { LOCKS } from './schema.js';

/** The time limit of one pruning statement (retention, DELETE /admin/deliveries). */
const PRUNE_TIMEOUT_MS = 120_000;

/**
 * Removes the deliveries finished before `before` and the idempotency keys expired by `now()` (read
 * once the lock is held), in one transaction. Every replica runs retention on the one shared
 * database, so the transaction first takes an advisory lock: a replica that finds another pruning
 * skips (returns 0). The PostgreSQL store's deleteFinishedBefore; a file of its own, as the
 * store's statements are (delivery-queries.ts), so the store reads as its operations.
 * @returns how many deliveries were removed.
 */
export function pruneFinishedDeliveries(pool: pg.Pool, before: number, now: () => number): Promise<number> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [LOCKS.retention]);
      if (!rows[0].locked) {
        await client.query('ROLLBACK');
        return 0;
      }
      // Pruning a long history may take longer than an everyday statement's limit.
      await client.query(`SET LOCAL statement_timeout = ${PRUNE_TIMEOUT_MS}`);
      const removed = await client.query<{ n: number }>({ ...QUERIES.deleteFinished, values: [before], query_timeout: PRUNE_TIMEOUT_MS + 1000 } as pg.QueryConfig);
      await client.query({ ...QUERIES.deleteExpiredKeys, values: [now()], query_timeout: PRUNE_TIMEOUT_MS + 1000 } as pg.QueryConfig);
      // Last: it holds the other connections' rows of delivery_totals until the commit.
      await client.query(QUERIES.foldTotals);
      await client.query('COMMIT');
      return removed.rows[0].n;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
