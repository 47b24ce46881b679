import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FAKE_CLOCK_START, FakeClock } from '../../test/support/fake-clock.js';
import { type Clock, systemClock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { ClaimedDelivery } from '../store/delivery-store.js';
import type { EventDispatcher } from '../handlers/event-dispatcher.js';
import type { DeliveryContext } from '../handlers/webhook-event-handler.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { openDatabase } from '../store/sqlite/sqlite-database.js';
import { SqliteDeliveryStore } from '../store/sqlite/sqlite-delivery.store.js';
import { DeliveryAttempt } from './delivery-attempt.js';
import { DeliveryWorker } from './delivery-worker.js';
import type { DeliveryMetrics } from './delivery.metrics.js';
import { waitFor } from '../../test/support/wait-for.js';

type Handle = (event: OpenRegisterEvent, context: DeliveryContext) => Promise<string | undefined>;

const event = (uuid: string, version: number): OpenRegisterEvent => ({
  type: 'object.updated',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  format: 'openregister',
  occurredAt: new Date(0).toISOString(),
  object: { uuid, data: {}, meta: { version } },
});

describe('DeliveryWorker', () => {
  let dir: string;
  let store: SqliteDeliveryStore;
  let worker: DeliveryWorker;
  let handle: Handle;
  let seq = 0;

  const start = (concurrency = 8, clock: Clock = systemClock, backoff = { backoffBaseInMs: 1, backoffMaxInMs: 5 }) => {
    const dispatcher = {
      dispatch: async (stored: OpenRegisterEvent, context: DeliveryContext) => {
        const error = await handle(stored, context);
        return { handled: 1, failures: error ? [{ handler: 'Test', error }] : [] };
      },
    } as unknown as EventDispatcher;
    const config = {
      shutdownGraceInMs: 1_000,
      delivery: { concurrency, maxAttempts: 3, ...backoff },
    } as AppConfig;
    const metrics = { attempt: () => undefined, interrupted: (count: number) => count } as unknown as DeliveryMetrics;
    const logger = pino({ level: 'silent' });
    worker = new DeliveryWorker(store, new DeliveryAttempt(store, dispatcher, metrics, config, logger, new RedactionPolicy(), clock), metrics, config, logger, clock);
    worker.onApplicationBootstrap();
  };
  const enqueue = async (uuid: string, version = 1, acceptedAt = Date.now()) => {
    const id = `d-${++seq}`;
    await store.enqueue({ id, idempotencyKey: id, event: event(uuid, version), acceptedAt });
    worker?.wake();
    return id;
  };
  const reopen = () => {
    store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds: 60 });
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-worker-'));
    reopen();
    handle = async () => undefined;
  });
  afterEach(async () => {
    await worker.beforeApplicationShutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a burst with a few claims, not one or two per delivery', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, (_, index) => enqueue(`object-${index}`)));
    const claimDue = store.claimDue.bind(store);
    let claims = 0;
    store.claimDue = (limit, now) => (claims++, claimDue(limit, now));
    start();
    await waitFor(async () => (await store.counts()).succeeded === ids.length, { timeoutInMs: 5_000, what: 'every delivery to succeed' });
    expect(claims).toBeLessThanOrEqual(10);
  });

  it("starts the next delivery in a slot while the store is still writing the last one's outcome", async () => {
    // One slot and a store whose writes hang until released: a slot held until the write ended
    // would run one delivery, then wait.
    const finishAttempt = store.finishAttempt.bind(store);
    const writes: (() => void)[] = [];
    store.finishAttempt = (...args) => new Promise<void>((resolve) => writes.push(() => resolve(finishAttempt(...args))));
    const ran: string[] = [];
    handle = async (stored) => void ran.push(stored.object!.uuid);
    await enqueue('first');
    await enqueue('second');
    start(1);
    await waitFor(() => ran.length === 2, { timeoutInMs: 5_000, what: 'both handlers to run while no outcome is written' });
    expect(writes).toHaveLength(2);
    writes.forEach((write) => write());
    await waitFor(async () => (await store.counts()).succeeded === 2, { timeoutInMs: 5_000, what: 'both outcomes to be written' });
  });

  it('starts no run while 64 outcomes wait on the store, and goes on once they are written', async () => {
    const finishAttempt = store.finishAttempt.bind(store);
    const writes: (() => void)[] = [];
    store.finishAttempt = (...args) => new Promise<void>((resolve) => writes.push(() => resolve(finishAttempt(...args))));
    let ran = 0;
    handle = async () => void ran++;
    await Promise.all(Array.from({ length: 100 }, (_, index) => enqueue(`object-${index}`)));
    start(8);
    await waitFor(() => writes.length === 64, { timeoutInMs: 5_000, what: '64 outcomes waiting on the store' });
    // Bounded, not merely slow: every one of those 64 runs ended, and none started after them.
    await waitFor(() => ran === 64, { timeoutInMs: 5_000, what: 'the 64 runs to end' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(64);
    store.finishAttempt = finishAttempt;
    writes.splice(0).forEach((write) => write());
    await waitFor(async () => (await store.counts()).succeeded === 100, { timeoutInMs: 5_000, what: 'every delivery to succeed' });
  });

  it('keeps per-object order across a claimed batch, through a retry', async () => {
    const handled: string[] = [];
    let failedOnce = false;
    handle = async (stored, { attempt }) => {
      handled.push(`${stored.object!.uuid}@${stored.object!.meta.version as number}#${attempt}`);
      if (stored.object!.uuid === 'a' && !failedOnce) return ((failedOnce = true), 'down');
      return undefined;
    };
    for (let version = 1; version <= 3; version++) {
      await enqueue('a', version);
      await enqueue(`other-${version}`);
    }
    start();
    await waitFor(async () => (await store.counts()).succeeded === 6, { timeoutInMs: 5_000, what: 'every delivery to succeed' });
    expect(handled.filter((line) => line.startsWith('a@'))).toEqual(['a@1#1', 'a@1#2', 'a@2#1', 'a@3#1']);
  });

  it("retries after the backoff on its clock's time: not a moment before it, at once when the clock gets there", async () => {
    const clock = new FakeClock();
    handle = async (_stored, { attempt }) => (attempt === 1 ? 'down' : undefined);
    const id = await enqueue('retried', 1, clock.now());
    const claimDue = store.claimDue.bind(store);
    const claims: { at: number; claimed: ClaimedDelivery[] }[] = [];
    store.claimDue = async (limit, now) => {
      const claimed = await claimDue(limit, now);
      claims.push({ at: now, claimed });
      return claimed;
    };
    start(8, clock, { backoffBaseInMs: 60_000, backoffMaxInMs: 60_000 });
    await waitFor(async () => (await store.get(id))?.attempts === 1, { timeoutInMs: 5_000, what: 'the first attempt to be recorded' });
    const failed = (await store.get(id))!;
    expect(failed.status).toBe('queued');
    // Equal jitter: at least half the delay, at most all of it, from when the attempt finished.
    expect(failed.nextAttemptAt - clock.now()).toBeGreaterThanOrEqual(30_000);
    expect(failed.nextAttemptAt - clock.now()).toBeLessThanOrEqual(60_000);

    clock.set(failed.nextAttemptAt - 1);
    worker.wake();
    await waitFor(() => claims.some(({ at }) => at === clock.now()), { timeoutInMs: 5_000, what: 'a claim a millisecond before the retry is due' });
    expect(claims.filter(({ at }) => at === clock.now()).flatMap(({ claimed }) => claimed)).toEqual([]);

    clock.advance(1);
    worker.wake();
    await waitFor(async () => (await store.get(id))?.status === 'succeeded', { timeoutInMs: 5_000, what: 'the retry to succeed' });
    expect((await store.get(id))!.history.map(({ attempt, startedAt }) => ({ attempt, startedAt }))).toEqual([
      { attempt: 1, startedAt: FAKE_CLOCK_START },
      { attempt: 2, startedAt: failed.nextAttemptAt },
    ]);
  });

  it('writes every finished attempt before the store closes at shutdown', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, index) => enqueue(`object-${index}`)));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started = 0;
    handle = async () => void (started++, await gate);
    // Shut down and close in the same turn as the last finished attempt, before any turn end.
    const finishAttempt = store.finishAttempt.bind(store);
    let recorded = 0;
    let closed: Promise<void> | undefined;
    store.finishAttempt = async (...args) => {
      await finishAttempt(...args);
      if (++recorded === ids.length) closed = worker.beforeApplicationShutdown().then(() => store.close());
    };
    start(ids.length);
    await waitFor(() => started === ids.length, { timeoutInMs: 5_000, what: 'every handler to start' });
    open();
    await waitFor(() => closed !== undefined, { timeoutInMs: 5_000, what: 'the last attempt to finish' });
    await closed;
    expect(await reopen().counts()).toMatchObject({ succeeded: ids.length, processing: 0 });
  });

  it('puts claimed deliveries it has not started back in the queue at shutdown', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    handle = async () => {
      started++;
      await blocked;
      return undefined;
    };
    for (let index = 0; index < 5; index++) await enqueue(`object-${index}`);
    start(1);
    await waitFor(() => started === 1, { timeoutInMs: 5_000, what: 'the first handler to start' });
    const shutdown = worker.beforeApplicationShutdown();
    expect(await store.counts()).toMatchObject({ processing: 1, queued: 4 });
    release();
    await shutdown;
    expect(await store.counts()).toMatchObject({ succeeded: 1, queued: 4, processing: 0 });
    expect(started).toBe(1);
  });

  it('hands the handler the credentials, retries with them, and keeps only the redacted event once finished', async () => {
    const secret = 'Bearer worker-secret-1';
    const seen: string[] = [];
    handle = async (stored, context) => {
      seen.push(JSON.stringify(stored));
      return context.attempt === 1 ? 'down' : undefined;
    };
    start();
    const id = `d-${++seq}`;
    const withSecret = { ...event('secret-object', 1), payload: { headers: { Authorization: secret } } };
    await store.enqueue({ id, idempotencyKey: id, event: withSecret, acceptedAt: Date.now() });
    worker.wake();
    await waitFor(async () => (await store.get(id))?.status === 'succeeded', { timeoutInMs: 5_000, what: 'the retried delivery to succeed' });
    expect(seen).toHaveLength(2);
    for (const run of seen) expect(run).toContain(secret);
    const stored = await store.get(id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored?.event.payload).toEqual({ headers: { Authorization: '[REDACTED]' } });
  });
});
