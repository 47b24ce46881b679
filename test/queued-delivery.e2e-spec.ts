import { Injectable, Module } from '@nestjs/common';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnWebhookEvent, type DeliveryContext, type OpenRegisterEvent } from '../src/handlers/index.js';
import { DeliveryStore } from '../src/store/delivery-store.js';
import { loadFixture } from './support/fixtures.js';
import { ShutdownState } from '../src/health/shutdown.state.js';
import { waitFor } from './support/wait-for.js';
import { createdBodyFor, signedHeaders } from './support/signed-deliveries.js';
import { metricValue } from './support/test-app.js';
import { useAppsPerTest } from './support/recording-app.js';

const QUEUED = { DELIVERY_MODE: 'queued', DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '40' };

describe('queued delivery (the default)', () => {
  const apps = useAppsPerTest();
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges 202 before the handlers run, then runs them with the same delivery id', async () => {
    const { t, handled } = await apps.start(QUEUED);
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ status: 'accepted', deliveryId: expect.any(String) });
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 20_000 });
    expect(handled.received[0].context).toMatchObject({ deliveryId: response.body.deliveryId, attempt: 1 });
    // Fires only when this replica gives the delivery up (its lease lost).
    expect(handled.received[0].context.signal?.aborted).toBe(false);
    const metrics = await t.metrics();
    expect(metricValue(metrics, 'webhook_deliveries_total', { event: 'object.created', outcome: 'accepted' })).toBe(1);
    expect(metricValue(metrics, 'webhook_delivery_attempts_total', { outcome: 'success' })).toBe(1);
    // The depths are read in the background, every 5 s.
    await waitFor(async () => metricValue(await t.metrics(), 'webhook_queue_depth', { status: 'succeeded' }) === 1, { timeoutInMs: 10_000, what: 'the queue depth to show it' });
    expect(metrics).toContain('webhook_delivery_completion_seconds_count{status="succeeded"} 1');
  });

  it('answers a resend as a duplicate, queued or done, and the test button as ignored', async () => {
    const { t, handled } = await apps.start(QUEUED);
    const first = await t.send(loadFixture('openregister-object-updated'));
    const again = await t.send(loadFixture('openregister-object-updated'));
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body).toEqual({ status: 'duplicate', deliveryId: expect.any(String), originalDeliveryId: first.body.deliveryId });
    expect(t.logs).toContainEqual(expect.objectContaining({ deliveryId: again.body.deliveryId, outcome: 'duplicate', originalDeliveryId: first.body.deliveryId }));
    expect((await t.send(loadFixture('openregister-test'))).body.status).toBe('ignored');
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 20_000 });
  });

  it('retries a failing handler with the attempt number, then dead-letters it with every error', async () => {
    const attempts: number[] = [];
    @Injectable()
    @OnWebhookEvent('object.created')
    class AlwaysFailing {
      handle(_event: OpenRegisterEvent, context: DeliveryContext) {
        attempts.push(context.attempt);
        throw new Error(`refused #${context.attempt}`);
      }
    }
    @Module({ providers: [AlwaysFailing] })
    class Handlers {}
    const { t } = await apps.start({ ...QUEUED, DELIVERY_MAX_ATTEMPTS: '3' }, { recording: false, extensions: [Handlers] });
    const { deliveryId } = (await t.send(loadFixture('openregister-object-created'))).body;
    const store = t.app.get<DeliveryStore>(DeliveryStore);
    await waitFor(async () => (await store.get(deliveryId))?.status === 'dead', { timeoutInMs: 20_000 });

    expect(attempts).toEqual([1, 2, 3]);
    const dead = (await store.get(deliveryId))!;
    expect(dead.history.map(({ attempt, outcome, error }) => ({ attempt, outcome, error }))).toEqual([
      { attempt: 1, outcome: 'failed', error: 'AlwaysFailing: refused #1' },
      { attempt: 2, outcome: 'failed', error: 'AlwaysFailing: refused #2' },
      { attempt: 3, outcome: 'failed', error: 'AlwaysFailing: refused #3' },
    ]);
    const metrics = await t.metrics();
    await waitFor(async () => metricValue(await t.metrics(), 'webhook_dead_letters', {}) === 1, { timeoutInMs: 10_000, what: 'webhook_dead_letters to show it' });
    expect(metricValue(metrics, 'webhook_delivery_attempts_total', { outcome: 'failure' })).toBe(3);
    expect(t.logs.some((line) => line.deliveryId === deliveryId && line.msg === 'Delivery dead-lettered after its last attempt')).toBe(true);
  });

  it('answers 503 and acknowledges nothing when the delivery cannot be stored', async () => {
    const { t } = await apps.start(QUEUED);
    const store = t.app.get<DeliveryStore>(DeliveryStore);
    jest.spyOn(store, 'enqueue').mockRejectedValueOnce(new Error('SQLITE_FULL: database or disk is full'));
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'unavailable', deliveryId: expect.any(String) });
    expect(metricValue(await t.metrics(), 'webhook_deliveries_total', { event: 'object.created', outcome: 'failed' })).toBe(1);
    // Nothing was remembered: the sender's next try is taken.
    expect((await t.send(loadFixture('openregister-object-created'))).status).toBe(202);
  });

  it('fails readiness while the store cannot be written', async () => {
    const { t } = await apps.start(QUEUED, { recording: false });
    const store = t.app.get<DeliveryStore>(DeliveryStore);
    expect((await t.http.get('/health/ready')).body.info.store).toEqual({ status: 'up' });
    jest.spyOn(store, 'checkWritable').mockRejectedValue(new Error('attempt to write a readonly database'));
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.store).toEqual({ status: 'down', message: 'store cannot be written: attempt to write a readonly database' });
    expect((await t.http.get('/health/live')).status).toBe(200);
  });

  it('on shutdown lets running handlers finish and leaves the rest queued for the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orw-drain-'));
    dirs.push(dataDir);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    @Injectable()
    @OnWebhookEvent('object.created')
    class Gated {
      async handle(event: OpenRegisterEvent) {
        started.push(event.object!.uuid);
        await gate;
      }
    }
    @Module({ providers: [Gated] })
    class Handlers {}
    const env = { ...QUEUED, STORE_DRIVER: 'sqlite', DATA_DIR: dataDir, DELIVERY_CONCURRENCY: '1' };
    const { t } = await apps.start(env, { recording: false, extensions: [Handlers] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = createdBodyFor(randomUUID());
      ids.push((await t.post(body, signedHeaders(body))).body.deliveryId);
    }
    await waitFor(() => started.length === 1, { timeoutInMs: 20_000 });
    const closing = t.close();
    const shutdown = t.app.get(ShutdownState);
    await waitFor(() => shutdown.draining, { timeoutInMs: 10_000, what: 'the drain to begin' });
    // Still taking deliveries while draining: they are durable and the next start runs them.
    const late = createdBodyFor(randomUUID());
    const lateAnswer = await t.post(late, signedHeaders(late));
    expect(lateAnswer.status).toBe(202);
    release();
    await closing;

    const { t: recorder, handled } = await apps.start(env);
    const store = recorder.app.get<DeliveryStore>(DeliveryStore);
    expect((await store.get(ids[0]))?.status).toBe('succeeded');
    await waitFor(() => handled.received.length === 3, { timeoutInMs: 20_000 });
    expect(handled.received.map(({ context }) => context.deliveryId).sort()).toEqual([ids[1], ids[2], lateAnswer.body.deliveryId].sort());
  });
});
