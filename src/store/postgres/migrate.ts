import type pg from 'pg';
import { withClient } from './postgres-pool.js';
import { LOCKS, MIGRATIONS } from './schema.js';

/**
 * Brings the schema up to date. Several replicas may start at once on an empty database: the
 * session advisory lock lets one migrate while the others wait, then find nothing left to do.
 * Each migration commits with its version, so a start interrupted halfway resumes where it stopped.
 * @returns the versions applied by this call.
 */
export async function migrate(pool: pg.Pool, migrations: readonly string[] = MIGRATIONS): Promise<number[]> {
  try {
    return await withClient(pool, async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
      try {
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
        const done = new Set(rows.map((row) => row.version));
        const applied: number[] = [];
        for (const [index, sql] of migrations.entries()) {
          const version = index + 1;
          if (done.has(version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(sql);
            await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
          applied.push(version);
        }
        return applied;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]);
      }
    });
  } catch (error) {
    throw new Error(`Could not migrate the PostgreSQL schema (DATABASE_URL): ${(error as Error).message}`, { cause: error });
  }
}
