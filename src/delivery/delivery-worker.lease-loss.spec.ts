import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { EventDispatcher } from '../handlers/event-dispatcher.js';
import type { DeliveryContext } from '../handlers/webhook-event-handler.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { openDatabase } from '../store/sqlite/sqlite-database.js';
import { SqliteDeliveryStore } from '../store/sqlite/sqlite-delivery.store.js';
import { DeliveryAttempt } from './delivery-attempt.js';
import { DeliveryWorker } from './delivery-worker.js';
import type { DeliveryMetrics } from './delivery.metrics.js';
import { TEST_EVENT } from '../../test/support/test-event.js';
import { waitFor } from '../../test/support/wait-for.js';

/** A lease the store says is lost: the run is aborted, nothing is recorded for it, one line says so. */
describe('DeliveryWorker: a lost lease', () => {
  let dir: string;
  let store: SqliteDeliveryStore;
  let worker: DeliveryWorker;
  let lose: (leases: string[], reason: string) => void;
  const lines: Record<string, unknown>[] = [];
  const signals: AbortSignal[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-lease-loss-'));
    store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds: 60 });
    // SQLite never loses a claim: this one is told to, as the PostgreSQL store would be.
    Object.assign(store, { onClaimsLost: (listener: typeof lose) => (lose = listener) });
    const dispatcher = {
      // Runs until aborted, as a handler that passes the signal on would.
      dispatch: (_: OpenRegisterEvent, context: DeliveryContext) =>
        new Promise((_resolve, reject) => {
          signals.push(context.signal!);
          context.signal!.addEventListener('abort', () => reject(context.signal!.reason as Error));
        }),
    } as unknown as EventDispatcher;
    const config = { shutdownGraceInMs: 1_000, delivery: { concurrency: 4, maxAttempts: 3, backoffBaseInMs: 1, backoffMaxInMs: 5 } } as AppConfig;
    const metrics = { attempt: () => undefined, interrupted: (count: number) => count } as unknown as DeliveryMetrics;
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    worker = new DeliveryWorker(store, new DeliveryAttempt(store, dispatcher, metrics, config, logger, new RedactionPolicy(), systemClock), metrics, config, logger, systemClock);
  });
  afterEach(async () => {
    await worker.beforeApplicationShutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('aborts the run, records no attempt over the lost delivery, and names it in one line', async () => {
    await store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: TEST_EVENT, acceptedAt: Date.now() });
    await worker.onApplicationBootstrap();
    await waitFor(() => signals.length === 1, { timeoutInMs: 5_000, what: 'the run to start' });
    lose(['d-1'], 'renewal failed');
    expect(signals[0].aborted).toBe(true);
    await worker.beforeApplicationShutdown();
    const stored = await store.get('d-1');
    expect(stored).toMatchObject({ status: 'processing', attempts: 0, history: [] });
    const gaveUp = lines.filter((line) => String(line.msg).startsWith('Gave up'));
    expect(gaveUp).toEqual([expect.objectContaining({ deliveryIds: ['d-1'], count: 1, reason: 'renewal failed' })]);
    // Nothing is left running at shutdown: the lost delivery is not "abandoned" by this process.
    expect(lines.some((line) => String(line.msg).startsWith('Shutdown abandoned'))).toBe(false);
  });
});
