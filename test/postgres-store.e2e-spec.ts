import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadFixture } from './support/fixtures.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, terminateConnections, TestDatabase, testServerUrl } from './support/postgres-database.js';
import { sql } from './support/postgres-store.js';
import { useAppsPerTest } from './support/recording-app.js';

jest.setTimeout(30_000);

/** The service on STORE_DRIVER=postgres, one replica: wiring, readiness and an outage. */
describe('STORE_DRIVER=postgres', () => {
  let db: TestDatabase;
  const env = () => ({ STORE_DRIVER: 'postgres', DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4' });
  const allowConnections = (allow: boolean) => sql(testServerUrl(), `ALTER DATABASE ${new URL(db.url).pathname.slice(1)} ALLOW_CONNECTIONS ${allow}`);

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  // In this order: the database open again, the test's app closed, its rows gone.
  afterEach(() => allowConnections(true));
  const apps = useAppsPerTest();
  // Each test sends its fixtures as new changes.
  afterEach(() => sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys'));
  afterAll(() => db.drop());

  it('queues in PostgreSQL, runs the handlers, and answers a resend as a duplicate', async () => {
    const { t, handled } = await apps.start({ ...env(), DELIVERY_MODE: 'queued' });
    const first = await t.send(loadFixture('openregister-object-created'));
    expect(first.status).toBe(202);
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 20_000 });
    const again = await t.send(loadFixture('openregister-object-created'));
    expect(again.body).toMatchObject({ status: 'duplicate', originalDeliveryId: first.body.deliveryId });
    // The attempt is written after the handler returned: wait for it rather than race it.
    const status = async () => (await sql<{ status: string }>(db.url, 'SELECT status FROM deliveries WHERE id = $1', [first.body.deliveryId]))[0]?.status;
    await waitFor(async () => (await status()) !== 'processing', { timeoutInMs: 10_000, what: 'the attempt to be written' });
    expect(await status()).toBe('succeeded');
  });

  it('keeps inline mode keys in PostgreSQL', async () => {
    const { t } = await apps.start({ ...env(), DELIVERY_MODE: 'inline' });
    const first = await t.send(loadFixture('openregister-object-updated'));
    expect(first.body.status).toBe('processed');
    expect((await t.send(loadFixture('openregister-object-updated'))).body).toMatchObject({ status: 'duplicate', originalDeliveryId: first.body.deliveryId });
    expect(await sql(db.url, `SELECT state, delivery_id FROM idempotency_keys WHERE delivery_id = $1`, [first.body.deliveryId])).toEqual([
      { state: 'done', delivery_id: first.body.deliveryId },
    ]);
  });

  it('is not ready and refuses deliveries (503, never 202) while the database is gone, and recovers by itself', async () => {
    const { t, handled } = await apps.start({ ...env(), DELIVERY_MODE: 'queued' });
    expect((await t.http.get('/health/ready')).status).toBe(200);
    await allowConnections(false);
    await terminateConnections(db.url);
    expect((await t.http.get('/health/ready')).status).toBe(503);
    expect((await t.send(loadFixture('openregister-cloudevent-created'))).status).toBe(503);

    await allowConnections(true);
    await waitFor(async () => (await t.http.get('/health/ready')).status === 200, { timeoutInMs: 10_000, what: 'readiness' });
    expect((await t.send(loadFixture('openregister-cloudevent-created'))).status).toBe(202);
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 10_000, what: 'the handler' });
  });
});
