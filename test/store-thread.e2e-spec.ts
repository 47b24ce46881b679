import { Injectable, Module } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnWebhookEvent, type DeliveryContext, type OpenRegisterEvent } from '../src/handlers/index.js';
import { DeliveryStore } from '../src/store/delivery-store.js';
import { ThreadedDeliveryStore } from '../src/store/sqlite/thread/threaded-delivery.store.js';
import { loadFixture } from './support/fixtures.js';
import { useAppsPerTest } from './support/recording-app.js';
import { metricValue } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

// SQLITE_STORE_THREAD=true: the same queued path, its store's statements on a thread of their own.
describe('the SQLite delivery store on its own thread (SQLITE_STORE_THREAD=true)', () => {
  const apps = useAppsPerTest();
  let dataDir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orw-store-thread-'));
    env = { DELIVERY_MODE: 'queued', STORE_DRIVER: 'sqlite', DATA_DIR: dataDir, SQLITE_STORE_THREAD: 'true', DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '40' };
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('acknowledges, dedupes and runs the handlers once, with the delivery id', async () => {
    const { t, handled } = await apps.start(env);
    expect(t.app.get(DeliveryStore)).toBeInstanceOf(ThreadedDeliveryStore);
    const first = await t.send(loadFixture('openregister-object-created'));
    const again = await t.send(loadFixture('openregister-object-created'));
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body).toEqual({ status: 'duplicate', deliveryId: expect.any(String), originalDeliveryId: first.body.deliveryId });
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 20_000, what: 'the handler to run' });
    expect(handled.received[0].context).toMatchObject({ deliveryId: first.body.deliveryId, attempt: 1 });
    expect(metricValue(await t.metrics(), 'webhook_delivery_attempts_total', { outcome: 'success' })).toBe(1);
  });

  it('retries a failing handler through the thread until it succeeds', async () => {
    const attempts: number[] = [];
    @Injectable()
    @OnWebhookEvent('object.created')
    class FailsOnce {
      handle(_event: OpenRegisterEvent, context: DeliveryContext) {
        attempts.push(context.attempt);
        if (context.attempt === 1) throw new Error('refused once');
      }
    }
    @Module({ providers: [FailsOnce] })
    class FailsOnceModule {}
    const { t } = await apps.start(env, { extensions: [FailsOnceModule], recording: false });
    expect((await t.send(loadFixture('openregister-object-created'))).status).toBe(202);
    await waitFor(() => attempts.length === 2, { timeoutInMs: 20_000, what: 'the retry' });
    await waitFor(async () => metricValue(await t.metrics(), 'webhook_delivery_attempts_total', { outcome: 'success' }) === 1, { timeoutInMs: 10_000, what: 'the success' });
    expect(attempts).toEqual([1, 2]);
  });

  it('keeps what it acknowledged for the next start on the same DATA_DIR', async () => {
    const failing = { ...env, DELIVERY_MAX_ATTEMPTS: '1000' };
    const first = await apps.start(failing);
    first.handled.failWith = 'not yet';
    const accepted = await first.t.send(loadFixture('openregister-object-updated'));
    expect(accepted.status).toBe(202);
    await waitFor(async () => metricValue(await first.t.metrics(), 'webhook_delivery_attempts_total', { outcome: 'failure' }) >= 1, { timeoutInMs: 10_000, what: 'a failed attempt' });
    await first.t.close();
    const { handled } = await apps.start(failing);
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 20_000, what: 'the stored delivery to run after the restart' });
    expect(handled.received[0].context.deliveryId).toBe(accepted.body.deliveryId);
    expect(handled.received[0].context.attempt).toBeGreaterThan(1);
  });

  it('refuses deliveries with 503 once the thread is gone, and readiness says so', async () => {
    const { t } = await apps.start(env);
    await (t.app.get(DeliveryStore) as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await waitFor(() => t.logs.some((line) => line.msg === 'The delivery store thread stopped: deliveries are refused (503) until the service restarts'), { timeoutInMs: 5_000, what: 'the stop to be logged' });
    const refused = await t.send(loadFixture('openregister-object-created'));
    expect(refused.status).toBe(503);
    await waitFor(async () => (await t.http.get('/health/ready')).status === 503, { timeoutInMs: 20_000, what: 'readiness to fail' });
  });
});
