import type Database from 'better-sqlite3';
import { ClaimResult, IdempotencyStore } from '../../idempotency/idempotency.store.js';

/**
 * Idempotency keys in the embedded database, for inline delivery: they survive restarts. Keys
 * expire after IDEMPOTENCY_TTL_SECONDS; expired ones are swept with the retention job.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly ttlInSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.statements = {
      claim: db.prepare(
        `INSERT INTO idempotency_keys (key, state, expires_at) VALUES (?, 'in-progress', ?)
         ON CONFLICT (key) DO UPDATE SET state = 'in-progress', expires_at = excluded.expires_at WHERE idempotency_keys.expires_at <= ?`,
      ),
      state: db.prepare(`SELECT state FROM idempotency_keys WHERE key = ?`),
      complete: db.prepare(`UPDATE idempotency_keys SET state = 'done', expires_at = ? WHERE key = ?`),
      release: db.prepare(`DELETE FROM idempotency_keys WHERE key = ?`),
    };
    // A claim still in progress at start belonged to a process that died mid-delivery: its
    // handlers never finished, so a resend must be handled, not answered as a duplicate.
    db.prepare(`DELETE FROM idempotency_keys WHERE state = 'in-progress'`).run();
  }

  async claim(key: string): Promise<ClaimResult> {
    const now = this.now();
    if (this.statements.claim.run(key, now + this.ttlInSeconds * 1000, now).changes > 0) return 'claimed';
    return (this.statements.state.get(key) as { state: 'in-progress' | 'done' }).state;
  }

  async complete(key: string): Promise<void> {
    this.statements.complete.run(this.now() + this.ttlInSeconds * 1000, key);
  }

  async release(key: string): Promise<void> {
    this.statements.release.run(key);
  }
}
