// The PostgreSQL server for the `postgres` target, on this machine as the issue asks: a database of
// its own per started service (created, then dropped), and the CPU its connections use.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../test/support/embedded-postgres.mjs';
import { readCpuMs } from './stats.mjs';

/** The local server these machines run (user postgres, trust), tried when no URL is given. */
const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

let server;
let embedded;

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server at 127.0.0.1:5432 if it
 * answers, else an embedded PostgreSQL with PostgreSQL's default durability (fsync on), started
 * once and stopped by `stopDatabaseServer`. Resolves with the server's URL and a description.
 */
async function resolveServer() {
  server ??= (async () => {
    const named = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (named) return { url: named, source: process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : 'TEST_DATABASE_URL' };
    if (await reachable(LOCAL_URL)) return { url: LOCAL_URL, source: 'local server at 127.0.0.1:5432' };
    embedded = await startEmbeddedPostgres({ durable: true });
    return { url: embedded.url, source: 'embedded PostgreSQL (embedded-postgres, fsync on)' };
  })();
  return server;
}

async function onServer(url, statement) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one service process. `backendCpuMs()` is the CPU time used so far by the
 * server processes serving it (its connections' backends, read from /proc: the server must run on
 * this machine; server-wide processes such as the WAL writer are not counted), by pid.
 */
export async function createBenchDatabase() {
  const { url: serverUrl, source } = await resolveServer();
  const name = `orw_bench_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const [{ version }] = await onServer(serverUrl, 'SELECT version()');
  return {
    url: url.toString(),
    description: `${source}: ${version.split(' ').slice(0, 2).join(' ')}`,
    async backendCpuMs() {
      const rows = await onServer(serverUrl, `SELECT pid FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      return new Map(rows.map(({ pid }) => [pid, readCpuMs(pid)]).filter(([, ms]) => ms != null));
    },
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

/** CPU ms used between two `backendCpuMs()` readings (a backend that started in between counts from zero). */
export function backendCpuBetween(before, after) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Stops the embedded server, if one was started. */
export async function stopDatabaseServer() {
  const started = embedded;
  embedded = undefined;
  server = undefined;
  await started?.stop();
}
