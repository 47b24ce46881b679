import type Database from 'better-sqlite3';
import { systemClock } from '../../common/clock.js';
import type { CatchupStateStore } from '../catchup-state.store.js';

export interface SqliteCatchupStateOptions {
  /** The lease clock (ms since the epoch); tests move it instead of waiting. */
  now?: () => number;
}

/**
 * Catch-up's checkpoints and reader lease in the embedded database. One process owns the file
 * (DATA_DIR's lock), so its own clock decides when a lease lapses; the lease still fences
 * writes, so a reader that stalled past its lease cannot move a checkpoint another reader moved.
 * Each call is one statement: SQLite runs them one at a time, which makes taking the lease and
 * the fenced write atomic. Written at once (the checkpoint is small and changes once per page).
 */
export class SqliteCatchupStateStore implements CatchupStateStore {
  private readonly statements;
  private readonly now: () => number;

  constructor(db: Database.Database, options: SqliteCatchupStateOptions = {}) {
    this.now = options.now ?? systemClock.now;
    this.statements = {
      // Taken when free or lapsed, renewed by its holder; left alone (no change) otherwise.
      acquire: db.prepare(
        `INSERT INTO catchup_lease (id, owner, expires_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE catchup_lease.owner = excluded.owner OR catchup_lease.expires_at <= ?`,
      ),
      release: db.prepare(`DELETE FROM catchup_lease WHERE id = 1 AND owner = ?`),
      read: db.prepare(`SELECT value FROM catchup_checkpoints WHERE source = ?`).pluck(),
      // The WHERE is also what SQLite needs to parse an upsert on INSERT ... SELECT.
      write: db.prepare(
        `INSERT INTO catchup_checkpoints (source, value)
         SELECT ?, ? WHERE EXISTS (SELECT 1 FROM catchup_lease WHERE id = 1 AND owner = ? AND expires_at > ?)
         ON CONFLICT (source) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  async acquireLease(owner: string, leaseInMs: number): Promise<boolean> {
    const now = this.now();
    return this.statements.acquire.run(owner, now + leaseInMs, now).changes > 0;
  }

  async releaseLease(owner: string): Promise<void> {
    this.statements.release.run(owner);
  }

  async readCheckpoint(source: string): Promise<string | undefined> {
    return this.statements.read.get(source) as string | undefined;
  }

  async writeCheckpoint(source: string, value: string, owner: string): Promise<boolean> {
    return this.statements.write.run(source, value, owner, this.now()).changes > 0;
  }
}
