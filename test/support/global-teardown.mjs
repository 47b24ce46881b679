// Jest globalTeardown: stops the PostgreSQL that global-setup.mjs started, if it started one.
export default async function globalTeardown() {
  const postgres = globalThis.__embeddedPostgres;
  if (!postgres) return;
  delete process.env.TEST_DATABASE_URL;
  await postgres.stop();
}
