import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of its own for one spec file, on the tests' PostgreSQL (see global-setup.mjs). */
export interface TestDatabase {
  url: string;
  /** Drops it, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** The server the tests use: TEST_DATABASE_URL, or the embedded one global-setup.mjs started. */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is unset: run the specs through Jest, whose globalSetup starts a PostgreSQL');
  return url;
}

async function onServer<T>(run: (client: pg.Client) => Promise<T>, serverUrl = testServerUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates a database with a unique name (`prefix_` and random hex), on the tests' server or `serverUrl`. */
export async function createTestDatabase(prefix = 'orw_test', serverUrl = testServerUrl()): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`), serverUrl);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), serverUrl).then(() => undefined),
  };
}

/** Ends every other connection to the database of `url`: what a server restart does to them. */
export async function terminateConnections(url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1);
  return onServer(async (client) => {
    const { rowCount } = await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return rowCount ?? 0;
  });
}
