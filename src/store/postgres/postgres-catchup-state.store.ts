import type pg from 'pg';
import type { CatchupStateStore } from '../catchup-state.store.js';
import { NOW_MS } from './schema.js';

const QUERIES = {
  // One statement: of replicas racing for a lapsed lease, the row lock lets exactly one win; the
  // others then see it held (ON CONFLICT re-checks its WHERE on the row as the winner left it).
  acquire: {
    name: 'catchup-lease-acquire',
    text: `INSERT INTO catchup_lease AS l (id, owner, expires_at) VALUES (1, $1, ${NOW_MS} + $2::bigint)
      ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
      WHERE l.owner = excluded.owner OR l.expires_at <= ${NOW_MS}
      RETURNING 1`,
  },
  release: { name: 'catchup-lease-release', text: `DELETE FROM catchup_lease WHERE id = 1 AND owner = $1` },
  read: { name: 'catchup-checkpoint-read', text: `SELECT value FROM catchup_checkpoints WHERE source = $1` },
  // Fenced: written only while the lease row says `$3` holds it, unexpired. The row's share lock
  // makes a replica taking the lease just after wait for this write to commit, so the new
  // reader reads it; and a write that waited on a taker sees the row as the taker left it.
  write: {
    name: 'catchup-checkpoint-write',
    text: `INSERT INTO catchup_checkpoints (source, value)
      SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM catchup_lease WHERE id = 1 AND owner = $3 AND expires_at > ${NOW_MS} FOR SHARE)
      ON CONFLICT (source) DO UPDATE SET value = excluded.value
      RETURNING 1`,
  },
};

/**
 * Catch-up's checkpoints and reader lease in PostgreSQL, shared by every replica. Lease times are
 * the database's clock (`NOW_MS`): replicas whose clocks disagree still agree on who holds it.
 * Every call is one statement, so each is atomic without a transaction of its own.
 */
export class PostgresCatchupStateStore implements CatchupStateStore {
  constructor(private readonly pool: pg.Pool) {}

  async acquireLease(owner: string, leaseInMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query({ ...QUERIES.acquire, values: [owner, Math.ceil(leaseInMs)] });
    return (rowCount ?? 0) > 0;
  }

  async releaseLease(owner: string): Promise<void> {
    await this.pool.query({ ...QUERIES.release, values: [owner] });
  }

  async readCheckpoint(source: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>({ ...QUERIES.read, values: [source] });
    return rows[0]?.value;
  }

  async writeCheckpoint(source: string, value: string, owner: string): Promise<boolean> {
    const { rowCount } = await this.pool.query({ ...QUERIES.write, values: [source, value, owner] });
    return (rowCount ?? 0) > 0;
  }
}
