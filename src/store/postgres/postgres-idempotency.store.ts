import type pg from 'pg';
import { systemClock } from '../../common/clock.js';
import { ClaimResult, IdempotencyStore } from '../../idempotency/idempotency.store.js';

export interface PostgresIdempotencyOptions {
  pool: pg.Pool;
  ttlInSeconds: number;
  /**
   * How long a claim stays `in-progress` without completing: past it, the replica that claimed
   * it is taken for dead and a resend is handled again (a SQLite process drops its in-progress
   * claims at start; replicas cannot, as others may be mid-delivery).
   */
  inProgressTtlInSeconds: number;
  now?: () => number;
}

const QUERIES = {
  claim: {
    name: 'key-claim',
    text: `INSERT INTO idempotency_keys AS k (key, state, expires_at, delivery_id) VALUES ($1, 'in-progress', $2, $3)
      ON CONFLICT (key) DO UPDATE SET state = 'in-progress', expires_at = excluded.expires_at, delivery_id = excluded.delivery_id
      WHERE k.expires_at <= $4
      RETURNING 1`,
  },
  state: { name: 'key-state', text: `SELECT state, delivery_id FROM idempotency_keys WHERE key = $1` },
  complete: { name: 'key-complete', text: `UPDATE idempotency_keys SET state = 'done', expires_at = $1 WHERE key = $2` },
  release: { name: 'key-release', text: `DELETE FROM idempotency_keys WHERE key = $1` },
};

/**
 * Inline mode's idempotency keys in PostgreSQL, shared by every replica: a change sent to two
 * replicas at once is claimed by one (the key's primary key decides), answered `in-progress`
 * or `done` by the other. Same table as the delivery store's keys; expired keys are swept by
 * its retention.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  private readonly now: () => number;
  /** The last call under way per key: calls on one key run in call order within this process. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly options: PostgresIdempotencyOptions) {
    this.now = options.now ?? systemClock.now;
  }

  claim(key: string, deliveryId: string): Promise<ClaimResult> {
    return this.inOrder(key, () => this.claimNow(key, deliveryId));
  }

  complete(key: string): Promise<void> {
    return this.inOrder(key, async () => {
      await this.options.pool.query({ ...QUERIES.complete, values: [this.now() + this.options.ttlInSeconds * 1000, key] });
    });
  }

  release(key: string): Promise<void> {
    return this.inOrder(key, async () => {
      await this.options.pool.query({ ...QUERIES.release, values: [key] });
    });
  }

  /** Nothing is held back: every call is written before it resolves. The pool is closed by the delivery store. */
  async close(): Promise<void> {}

  private async claimNow(key: string, deliveryId: string): Promise<ClaimResult> {
    const { pool, inProgressTtlInSeconds } = this.options;
    // Twice at most: a key released between the failed insert and the read is free again.
    for (let tries = 0; ; tries++) {
      const at = this.now();
      const claimed = await pool.query({ ...QUERIES.claim, values: [key, at + inProgressTtlInSeconds * 1000, deliveryId, at] });
      if (claimed.rowCount) return { status: 'claimed' };
      const { rows } = await pool.query<{ state: 'in-progress' | 'done'; delivery_id: string | null }>({ ...QUERIES.state, values: [key] });
      if (rows.length > 0) return { status: rows[0].state, ...(rows[0].delivery_id ? { originalDeliveryId: rows[0].delivery_id } : {}) };
      if (tries === 1) return { status: 'in-progress' };
    }
  }

  /**
   * Runs `call` after the calls on `key` before it: the pool would otherwise let a later claim
   * overtake an earlier one on another connection (the first caller must be the one that claims).
   */
  private inOrder<T>(key: string, call: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(call);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
