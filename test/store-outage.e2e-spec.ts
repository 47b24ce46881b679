import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadFixture } from './support/fixtures.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { sql } from './support/postgres-store.js';
import { useAppsPerTest } from './support/recording-app.js';
import { HandledEvents } from './support/recording.handler.js';
import { TcpProxy } from './support/tcp-proxy.js';
import type { TestApp } from './support/test-app.js';

jest.setTimeout(60_000);

const ADMIN_TOKEN = 'outage-admin-token';
/** The levels that count as noise. */
const LOUD = new Set(['warn', 'error', 'fatal']);
/** What a sender, a probe, a scrape or an admin call may wait at most during the fault (limits of 1 s). */
const ANSWER_BOUND_IN_MS = 3500;

/**
 * STORE_DRIVER=postgres behind a TCP proxy that hangs or resets the connections to the database:
 * everything answers in bounded time during the fault, says the store is down, and recovers by
 * itself after it; the log tells the outage in one warning and one recovery line.
 */
describe('an outage of the database (STORE_DRIVER=postgres behind a faulty network)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    const server = new URL(db.url);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
  });
  // In this order: the network healed, the test's app closed, its rows gone.
  afterEach(() => proxy.set('pass'));
  const apps = useAppsPerTest();
  // Each test sends its fixtures as new changes.
  afterEach(() => sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys'));
  afterAll(async () => {
    await proxy.close();
    await db.drop();
  });

  const start = async () =>
    (
      await apps.start({
        STORE_DRIVER: 'postgres',
        DELIVERY_MODE: 'queued',
        DATABASE_URL: proxy.urlFor(db.url),
        DATABASE_POOL_SIZE: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '1000',
        ADMIN_TOKEN,
      })
    ).t;

  /** Runs `call` and says how long it took. */
  const timed = async <T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = Date.now();
    const result = await call();
    return { result, ms: Date.now() - started };
  };
  const sample = (metrics: string, name: string): number | undefined => {
    const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const scrape = async () => {
    const response = await t!.http.get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  };
  const storeLines = (logs: Record<string, unknown>[]) => ({
    down: logs.filter((l) => l.level === 'warn' && String(l.msg).startsWith('The delivery store cannot be reached')),
    back: logs.filter((l) => l.level === 'info' && l.msg === 'The delivery store is reachable again'),
  });
  /** Lines at warn or above other than the outage's own and each refused delivery's outcome line. */
  const noise = (logs: Record<string, unknown>[]) =>
    logs.filter((l) => LOUD.has(String(l.level)) && !String(l.msg).startsWith('The delivery store') && l.msg !== 'delivery failed');

  it.each(['blackhole', 'reset'] as const)('%s: metrics 200 with webhook_store_up 0, readiness/deliveries/admin 503 in bounded time; then everything recovers', async (fault) => {
    t = await start();
    expect((await t.send(loadFixture('openregister-object-created'))).status).toBe(202);
    await waitFor(() => t!.app.get(HandledEvents).received.length === 1, { timeoutInMs: 10_000, what: 'the first delivery to run' });
    await waitFor(async () => sample(await scrape(), 'webhook_queue_depth{status="succeeded"}') === 1, { timeoutInMs: 10_000, what: 'the queue gauges to show it' });
    expect(sample(await scrape(), 'webhook_store_up')).toBe(1);
    const before = t.logs.length;

    proxy.set(fault);

    // Readiness answers, and within the bound, on every call until it says 503.
    await waitFor(async () => {
      const { result, ms } = await timed(() => t!.http.get('/health/ready'));
      expect(ms).toBeLessThan(ANSWER_BOUND_IN_MS);
      return result.status === 503;
    }, { timeoutInMs: 15_000, what: 'readiness to turn 503' });
    const ready = await timed(() => t!.http.get('/health/ready'));
    expect(ready.result.status).toBe(503);
    expect(ready.ms).toBeLessThan(ANSWER_BOUND_IN_MS);
    expect(JSON.stringify(ready.result.body)).toMatch(/store cannot be written/);
    expect((await t.http.get('/health/live')).status).toBe(200);

    // The scrape answers 200: the store is down, the last known depths are served with their age.
    const during = await timed(() => scrape());
    expect(during.ms).toBeLessThan(ANSWER_BOUND_IN_MS);
    expect(sample(during.result, 'webhook_store_up')).toBe(0);
    expect(sample(during.result, 'webhook_ready')).toBe(0);
    expect(sample(during.result, 'webhook_queue_depth{status="succeeded"}')).toBe(1);
    for (const status of ['queued', 'processing', 'dead']) expect(sample(during.result, `webhook_queue_depth{status="${status}"}`)).toBe(0);
    expect(sample(during.result, 'webhook_dead_letters')).toBe(0);
    expect(sample(during.result, 'webhook_queue_stats_age_seconds')).toBeGreaterThanOrEqual(0);

    // A sender gets 503 (nothing acknowledged), not a hang.
    const refused = await timed(() => t!.send(loadFixture('openregister-object-updated')));
    expect(refused.result.status).toBe(503);
    expect(refused.result.body).toMatchObject({ error: 'unavailable' });
    expect(refused.ms).toBeLessThan(ANSWER_BOUND_IN_MS);

    // The admin API says what is wrong.
    const admin = await timed(() => t!.http.get('/admin/deliveries').set('Authorization', `Bearer ${ADMIN_TOKEN}`));
    expect(admin.result.status).toBe(503);
    expect(admin.result.body).toMatchObject({ statusCode: 503, error: 'unavailable' });
    expect(admin.ms).toBeLessThan(ANSWER_BOUND_IN_MS);

    // Long enough for the background work (worker claims, lease renewals, the wakeup connection)
    // to run into its time limits: the values served keep aging past their normal 5 s refresh.
    await waitFor(async () => (sample(await scrape(), 'webhook_queue_stats_age_seconds') ?? 0) > 6, { timeoutInMs: 15_000, what: 'the queue stats to age past their refresh' });
    expect(sample(await scrape(), 'webhook_queue_depth{status="succeeded"}')).toBe(1);

    proxy.set('pass');

    await waitFor(async () => (await t!.http.get('/health/ready')).status === 200, { timeoutInMs: 15_000, what: 'readiness to turn 200' });
    await waitFor(async () => sample(await scrape(), 'webhook_store_up') === 1, { timeoutInMs: 10_000, what: 'webhook_store_up to be 1' });
    // The refused delivery was never stored: sent again, it is taken and runs.
    expect((await t.send(loadFixture('openregister-object-updated'))).status).toBe(202);
    await waitFor(() => t!.app.get(HandledEvents).received.length === 2, { timeoutInMs: 15_000, what: 'the second delivery to run' });
    expect((await t.http.get('/admin/deliveries').set('Authorization', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);

    const outage = t.logs.slice(before);
    const { down, back } = storeLines(outage);
    expect(down).toHaveLength(1);
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ store: 'up', refused: expect.any(Number) });
    expect(back[0].refused).toBeGreaterThanOrEqual(1);
    expect(noise(outage)).toEqual([]);
  });
});
