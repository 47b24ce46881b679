import pg from 'pg';

/** Time limits of every database call (DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS). */
export interface PostgresTimeouts {
  /** Opening a connection, and waiting for a free one of the pool. */
  connectInMs: number;
  /** One statement, on the server (`statement_timeout`); the client gives up a little later (`query_timeout`). */
  statementInMs: number;
}

export const DEFAULT_TIMEOUTS: PostgresTimeouts = { connectInMs: 5000, statementInMs: 5000 };

/**
 * How much longer than `statement_timeout` the client waits for an answer: the server cancels
 * the statement first and says why; the client's limit is for a server or network that says
 * nothing at all (a hung host, a dropped route).
 */
const QUERY_TIMEOUT_MARGIN_MS = 1000;

export interface PostgresConnectionOptions {
  /** postgres://user:password@host:5432/database; TLS through `sslmode` or the PG* variables. */
  url: string;
  poolSize: number;
  timeouts?: PostgresTimeouts;
  /** Told about errors of idle connections (the pool drops them and connects anew when needed). */
  onError?: (error: Error) => void;
}

/** bigint (int8) as a JS number: the store's times and counts all fit in 2^53. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Connection settings shared by the pool and the dedicated LISTEN connection. Every call has a
 * time limit (outage: answer, don't hang): the connect, and each query on the client's side.
 */
export function connectionConfig(url: string, timeouts: PostgresTimeouts = DEFAULT_TIMEOUTS): pg.ClientConfig {
  return {
    connectionString: url,
    types: TYPES,
    connectionTimeoutMillis: timeouts.connectInMs,
    query_timeout: timeouts.statementInMs + QUERY_TIMEOUT_MARGIN_MS,
    keepAlive: true,
    application_name: 'openregister-webhooks',
  };
}

/** The `sslmode` values `pg` treats as `verify-full` today, with a plain-text warning on stderr. */
const VERIFY_FULL_ALIASES = new Set(['prefer', 'require', 'verify-ca']);

/**
 * The URL as `pg` is given it. `pg` treats `sslmode=prefer|require|verify-ca` as `verify-full`
 * (unless `uselibpqcompat=true`) and says so in a multi-line warning on stderr, outside the JSON
 * log: here the mode is written as what it means, and `note` says it in one line for the logger.
 */
export function explicitSslMode(url: string): { url: string; note?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  const mode = parsed.searchParams.get('sslmode');
  if (!mode || !VERIFY_FULL_ALIASES.has(mode) || parsed.searchParams.get('uselibpqcompat') === 'true') return { url };
  parsed.searchParams.set('sslmode', 'verify-full');
  return {
    url: parsed.toString(),
    note: `DATABASE_URL has sslmode=${mode}, which the PostgreSQL driver treats as sslmode=verify-full: the server's certificate and host name are verified (add uselibpqcompat=true for libpq's meaning of ${mode})`,
  };
}

/**
 * The pool every query of the store goes through. Each connection commits with
 * `synchronous_commit = on` whatever the server's default, so a resolved enqueue is on disk
 * (and on the synchronous standbys, where the server has them). Set by a statement, not a
 * startup option, so that it also passes through PgBouncer.
 */
export function createPool({ url, poolSize, onError, timeouts = DEFAULT_TIMEOUTS }: PostgresConnectionOptions): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(url, timeouts),
    max: poolSize,
    idleTimeoutMillis: 30_000,
    // Before the connection's first use; when it fails, the connection is not used at all.
    // statement_timeout as a statement too (PgBouncer refuses it as a startup option).
    onConnect: async (client) =>
      void (await client.query(`SET synchronous_commit = on; SET statement_timeout = ${Math.floor(timeouts.statementInMs)}`)),
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
