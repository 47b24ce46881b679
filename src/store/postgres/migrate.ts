import type pg from 'pg';
import { withClient } from './postgres-pool.js';
import { LOCKS, MIGRATIONS } from './schema.js';

/**
 * Brings the schema up to date. Several replicas may start at once on an empty database: the
 * session advisory lock lets one migrate while the others wait, then find nothing left to do.
 * Each migration commits with its version, so a start interrupted halfway resumes where it stopped.
 * @returns the versions applied by this call.
 */
/** How long the client waits at most for one statement of a migration (or for the lock). */
const MIGRATION_TIMEOUT_MS = 3_600_000;

export async function migrate(pool: pg.Pool, migrations: readonly string[] = MIGRATIONS): Promise<number[]> {
  try {
    return await withClient(pool, async (client) => {
      // Waiting for another replica's migration, and a migration itself, may take longer than
      // the limits of everyday statements: none on the server, a long one on the client.
      const query = (text: string, values?: unknown[]) => client.query({ text, values, query_timeout: MIGRATION_TIMEOUT_MS } as pg.QueryConfig);
      const { rows: [{ statement_timeout: everyday }] } = await query('SHOW statement_timeout');
      await query('SET statement_timeout = 0');
      await query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
      try {
        await query(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
        const { rows } = await query('SELECT version FROM schema_migrations');
        const done = new Set(rows.map((row: { version: number }) => row.version));
        const applied: number[] = [];
        for (const [index, sql] of migrations.entries()) {
          const version = index + 1;
          if (done.has(version)) continue;
          await query('BEGIN');
          try {
            await query(sql);
            await query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
            await query('COMMIT');
          } catch (error) {
            await query('ROLLBACK');
            throw error;
          }
          applied.push(version);
        }
        return applied;
      } finally {
        await query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]);
        await query(`SELECT set_config('statement_timeout', $1, false)`, [everyday]);
      }
    });
  } catch (error) {
    throw new Error(`Could not migrate the PostgreSQL schema (DATABASE_URL): ${(error as Error).message}`, { cause: error });
  }
}
