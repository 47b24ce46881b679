// Jest globalSetup: the ESM interop build (esm-interop.cjs), then a PostgreSQL for the specs
// of the postgres store, unless TEST_DATABASE_URL names one already (it is then used as is).
import { createRequire } from 'node:module';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';

const require = createRequire(import.meta.url);

export default async function globalSetup() {
  require('./esm-interop.cjs')();
  if (process.env.TEST_DATABASE_URL) return;
  const postgres = await startEmbeddedPostgres();
  // Read by the spec files (process.env reaches Jest's test environments); stopped in teardown.
  process.env.TEST_DATABASE_URL = postgres.url;
  globalThis.__embeddedPostgres = postgres;
}
