import pg from 'pg';

export interface PostgresConnectionOptions {
  /** postgres://user:password@host:5432/database; TLS through `sslmode` or the PG* variables. */
  url: string;
  poolSize: number;
  /** Told about errors of idle connections (the pool drops them and connects anew when needed). */
  onError?: (error: Error) => void;
}

/** bigint (int8) as a JS number: the store's times and counts all fit in 2^53. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** How long a connect may take before the call that needed it fails (outage: answer, don't hang). */
const CONNECT_TIMEOUT_MS = 5000;

/** Connection settings shared by the pool and the dedicated LISTEN connection. */
export function connectionConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    types: TYPES,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'openregister-webhooks',
  };
}

/**
 * The pool every query of the store goes through. Each connection commits with
 * `synchronous_commit = on` whatever the server's default, so a resolved enqueue is on disk
 * (and on the synchronous standbys, where the server has them). Set by a statement, not a
 * startup option, so that it also passes through PgBouncer.
 */
export function createPool({ url, poolSize, onError }: PostgresConnectionOptions): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(url),
    max: poolSize,
    idleTimeoutMillis: 30_000,
    // Before the connection's first use; when it fails, the connection is not used at all.
    onConnect: async (client) => void (await client.query('SET synchronous_commit = on')),
  });
  // Without a listener an idle connection's error (a restarted server) would crash the process.
  pool.on('error', (error) => onError?.(error));
  return pool;
}

/**
 * Runs `run` on a connection of its own from the pool (for a transaction or a session lock).
 * While checked out a connection has no error listener of the pool's, and a connection lost
 * between two statements would crash the process with an unhandled 'error': this one listens.
 * A connection that failed in any way is discarded rather than reused (it may hold a lock).
 */
export async function withClient<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    return await run(client);
  } catch (error) {
    broken ??= error as Error;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken ?? false);
  }
}
