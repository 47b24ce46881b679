import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { FAKE_CLOCK_START, FakeClock } from '../../test/support/fake-clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { EventDispatcher } from '../handlers/event-dispatcher.js';
import type { DeliveryContext } from '../handlers/webhook-event-handler.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import type { AttemptVerdict, ClaimedDelivery, DeliveryAttempt as AttemptRecord, DeliveryStore } from '../store/delivery-store.js';
import type { StoreMonitor } from '../store/store-monitor.js';
import { startTracing, type StartedTracing } from '../tracing/sdk.js';
import { DeliveryAttempt } from './delivery-attempt.js';
import type { DeliveryMetrics } from './delivery.metrics.js';

const SECRET = 'Bearer attempt-secret-7';

const event = (withObject = true): OpenRegisterEvent => ({
  type: 'object.updated',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  format: 'openregister',
  occurredAt: new Date(0).toISOString(),
  ...(withObject ? { object: { uuid: 'obj-1', data: {}, meta: {} } } : {}),
  payload: { headers: { Authorization: SECRET } },
});

const claimed = (overrides: Partial<ClaimedDelivery> = {}): ClaimedDelivery => ({
  id: 'd-1',
  idempotencyKey: 'k-1',
  event: event(),
  status: 'processing',
  attempts: 4,
  seriesStart: 2,
  nextAttemptAt: FAKE_CLOCK_START,
  createdAt: FAKE_CLOCK_START - 60_000,
  updatedAt: FAKE_CLOCK_START,
  lease: 'lease-1',
  ...overrides,
});

type Failure = { handler: string; error: string };
type Finish = [ClaimedDelivery, AttemptRecord, AttemptVerdict, OpenRegisterEvent | undefined];

/** One attempt with recording doubles around it: the handlers return what `outcome` gives, while the clock moves 1.5 s. */
function setup(options: { outcome?: () => Promise<Failure[]>; maxAttempts?: number; debug?: boolean; monitor?: StoreMonitor; finish?: () => Promise<void> } = {}) {
  const clock = new FakeClock();
  const contexts: DeliveryContext[] = [];
  const dispatched: OpenRegisterEvent[] = [];
  const dispatcher = {
    dispatch: async (stored: OpenRegisterEvent, context: DeliveryContext) => {
      dispatched.push(stored);
      contexts.push(context);
      clock.advance(1_500);
      const failures = await (options.outcome ?? (async () => []))();
      return { handled: 2, failures };
    },
  } as unknown as EventDispatcher;
  const finishes: Finish[] = [];
  const store = {
    finishAttempt: async (...args: Finish) => {
      finishes.push(args);
      await options.finish?.();
    },
  } as unknown as DeliveryStore;
  const metrics = { attempt: jest.fn(), interrupted: jest.fn((count: number) => count) };
  const logger = {
    isLevelEnabled: jest.fn((level: string) => level === 'debug' && options.debug === true),
    debug: jest.fn(),
    info: jest.fn(),
    warn: jest.fn(),
    error: jest.fn(),
  };
  const config = { delivery: { maxAttempts: options.maxAttempts ?? 5, backoffBaseInMs: 10_000, backoffMaxInMs: 10_000 } } as AppConfig;
  const attempt = new DeliveryAttempt(
    store,
    dispatcher,
    metrics as unknown as DeliveryMetrics,
    config,
    logger as unknown as Logger,
    new RedactionPolicy(),
    clock,
    options.monitor,
  );
  return { attempt, clock, contexts, dispatched, finishes, metrics, logger };
}

const run = async (context: ReturnType<typeof setup>, delivery = claimed(), signal = new AbortController().signal) => {
  const handled = await context.attempt.run(delivery, signal);
  await handled.recorded;
  return delivery;
};

describe('DeliveryAttempt', () => {
  it('runs the handlers as the next attempt, with its signal, and records a success with its times and the redacted event', async () => {
    const context = setup();
    const signal = new AbortController().signal;
    const delivery = await run(context, claimed(), signal);

    expect(context.dispatched).toEqual([delivery.event]);
    expect(context.contexts).toEqual([{ deliveryId: 'd-1', attempt: 5, signal }]);
    expect(context.contexts[0].signal).toBe(signal);
    expect(context.finishes).toHaveLength(1);
    const [claim, record, verdict, scrubbed] = context.finishes[0];
    expect(claim).toBe(delivery);
    expect(record).toEqual({ attempt: 5, startedAt: FAKE_CLOCK_START, finishedAt: FAKE_CLOCK_START + 1_500, outcome: 'succeeded', error: undefined });
    expect(verdict).toEqual({ status: 'succeeded' });
    // A finished delivery keeps only the redacted event.
    expect(scrubbed?.payload).toEqual({ headers: { Authorization: '[REDACTED]' } });
    expect(JSON.stringify(scrubbed)).not.toContain(SECRET);
    expect(context.metrics.attempt).toHaveBeenCalledWith(delivery, 'success', { status: 'succeeded' }, FAKE_CLOCK_START + 1_500);
    expect(context.metrics.interrupted).not.toHaveBeenCalled();
  });

  it('logs nothing for a success unless debug is on, and then one debug line', async () => {
    const quiet = setup();
    await run(quiet);
    expect(quiet.logger.debug).not.toHaveBeenCalled();
    expect(quiet.logger.warn).not.toHaveBeenCalled();
    expect(quiet.logger.error).not.toHaveBeenCalled();

    const verbose = setup({ debug: true });
    await run(verbose);
    expect(verbose.logger.debug).toHaveBeenCalledTimes(1);
    expect(verbose.logger.debug).toHaveBeenCalledWith({ deliveryId: 'd-1', event: 'object.updated', objectUuid: 'obj-1', attempt: 5, status: 'succeeded' }, 'Delivery handled');
    expect(verbose.logger.warn).not.toHaveBeenCalled();
    expect(verbose.logger.error).not.toHaveBeenCalled();
  });

  it("records failed handlers as one error, queues a retry after the backoff from the attempt's end, keeps the event as sent, and warns", async () => {
    const context = setup({
      outcome: async () => [
        { handler: 'First', error: 'down' },
        { handler: 'Second', error: 'timed out' },
      ],
    });
    const delivery = await run(context);

    const [, record, verdict, scrubbed] = context.finishes[0];
    expect(record).toEqual({ attempt: 5, startedAt: FAKE_CLOCK_START, finishedAt: FAKE_CLOCK_START + 1_500, outcome: 'failed', error: 'First: down; Second: timed out' });
    // Third attempt of the series (seriesStart 2): the third retry's delay, 10 s capped, half of it fixed.
    expect(verdict.status).toBe('queued');
    const { nextAttemptAt } = verdict as { nextAttemptAt: number };
    expect(nextAttemptAt).toBeGreaterThanOrEqual(FAKE_CLOCK_START + 1_500 + 5_000);
    expect(nextAttemptAt).toBeLessThanOrEqual(FAKE_CLOCK_START + 1_500 + 10_000);
    // The next attempt needs the event as sent.
    expect(scrubbed).toBeUndefined();
    expect(context.metrics.attempt).toHaveBeenCalledWith(delivery, 'failure', verdict, FAKE_CLOCK_START + 1_500);
    expect(context.logger.warn).toHaveBeenCalledTimes(1);
    expect(context.logger.warn).toHaveBeenCalledWith(
      {
        deliveryId: 'd-1',
        event: 'object.updated',
        objectUuid: 'obj-1',
        attempt: 5,
        status: 'queued',
        error: 'First: down; Second: timed out',
        nextAttemptAt: new Date(nextAttemptAt).toISOString(),
      },
      'Delivery attempt failed; retrying',
    );
    expect(context.logger.error).not.toHaveBeenCalled();
    expect(context.logger.debug).not.toHaveBeenCalled();
  });

  it('dead-letters the last attempt of the series, keeps only the redacted event, and logs an error', async () => {
    const context = setup({ maxAttempts: 3, debug: true, outcome: async () => [{ handler: 'Only', error: 'refused' }] });
    const delivery = await run(context);

    const [, record, verdict, scrubbed] = context.finishes[0];
    expect(record).toMatchObject({ attempt: 5, outcome: 'failed', error: 'Only: refused' });
    expect(verdict).toEqual({ status: 'dead' });
    expect(scrubbed?.payload).toEqual({ headers: { Authorization: '[REDACTED]' } });
    expect(context.metrics.attempt).toHaveBeenCalledWith(delivery, 'failure', { status: 'dead' }, FAKE_CLOCK_START + 1_500);
    expect(context.logger.error).toHaveBeenCalledTimes(1);
    expect(context.logger.error).toHaveBeenCalledWith(
      { deliveryId: 'd-1', event: 'object.updated', objectUuid: 'obj-1', attempt: 5, status: 'dead', error: 'Only: refused' },
      'Delivery dead-lettered after its last attempt',
    );
    expect(context.logger.warn).not.toHaveBeenCalled();
    expect(context.logger.debug).not.toHaveBeenCalled();
  });

  it('records a throw of the dispatcher as a failure, its message with the credentials it quotes redacted', async () => {
    const context = setup({
      outcome: async () => {
        throw new Error(`upstream said no to ${SECRET}`);
      },
    });
    await run(context);
    const [, record] = context.finishes[0];
    expect(record).toMatchObject({ outcome: 'failed', error: 'upstream said no to [REDACTED]' });
  });

  it('records a thrown value that is no Error as its text', async () => {
    const context = setup({
      outcome: async () => {
        throw 'plain failure';
      },
    });
    await run(context);
    expect(context.finishes[0][1]).toMatchObject({ outcome: 'failed', error: 'plain failure' });
  });

  it('records nothing for a run whose lease was lost while its handlers ran', async () => {
    const abort = new AbortController();
    const context = setup({
      outcome: async () => {
        abort.abort();
        return [];
      },
    });
    await run(context, claimed(), abort.signal);
    expect(context.contexts).toHaveLength(1);
    expect(context.finishes).toEqual([]);
    expect(context.metrics.attempt).not.toHaveBeenCalled();
  });

  it('counts a takeover as an interrupted attempt and says so, before running the next one', async () => {
    const context = setup();
    await run(context, claimed({ takenOver: true }));
    expect(context.metrics.interrupted).toHaveBeenCalledWith(1);
    expect(context.logger.warn).toHaveBeenCalledWith(expect.objectContaining({ deliveryId: 'd-1', attempt: 5 }), expect.stringContaining('Delivery taken over'));
    expect(context.finishes[0][1].attempt).toBe(5);
  });

  it('logs an event without an object with no object uuid', async () => {
    const context = setup({ outcome: async () => [{ handler: 'Only', error: 'down' }] });
    await run(context, claimed({ event: event(false) }));
    expect(context.logger.warn).toHaveBeenCalledWith(expect.objectContaining({ deliveryId: 'd-1', objectUuid: undefined, status: 'queued' }), 'Delivery attempt failed; retrying');
  });

  it('logs a store that cannot record the attempt, counts and logs no outcome, and never rejects', async () => {
    const down = new Error('store down');
    const context = setup({ debug: true, finish: () => Promise.reject(down) });
    await expect(run(context)).resolves.toBeDefined();
    expect(context.logger.error).toHaveBeenCalledTimes(1);
    expect(context.logger.error).toHaveBeenCalledWith({ deliveryId: 'd-1', err: down }, 'Could not record a delivery attempt');
    expect(context.metrics.attempt).not.toHaveBeenCalled();
    expect(context.logger.debug).not.toHaveBeenCalled();
  });

  it('leaves a store error to the store monitor when there is one', async () => {
    const down = new Error('store down');
    const backgroundError = jest.fn();
    const context = setup({ monitor: { backgroundError } as unknown as StoreMonitor, finish: () => Promise.reject(down) });
    await run(context);
    expect(backgroundError).toHaveBeenCalledWith(down, 'Could not record a delivery attempt', { deliveryId: 'd-1' }, 'error');
    expect(context.logger.error).not.toHaveBeenCalled();
  });

  it("resolves the run when the handlers are done, before the store's write of the outcome has ended", async () => {
    let written!: () => void;
    const context = setup({ finish: () => new Promise<void>((resolve) => (written = resolve)) });
    const handled = await context.attempt.run(claimed(), new AbortController().signal);
    let recorded = false;
    void handled.recorded.then(() => (recorded = true));
    expect(context.finishes).toHaveLength(1);
    await Promise.resolve();
    expect(recorded).toBe(false);
    written();
    await handled.recorded;
    expect(recorded).toBe(true);
  });

  describe('tracing on', () => {
    let tracing: StartedTracing | undefined;
    afterEach(async () => {
      await tracing?.shutdown();
      tracing = undefined;
    });

    it("traces the attempt as a root span naming the delivery, linked to the request's trace", async () => {
      const exporter = new InMemorySpanExporter();
      tracing = await startTracing(undefined, { exporter, version: 'test', diagnostics: () => undefined });
      const context = setup();
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await run(context, claimed({ traceparent }));
      const [span] = exporter.getFinishedSpans().filter(({ name }) => name === 'webhook.attempt');
      expect(span.attributes).toMatchObject({ 'webhook.delivery_id': 'd-1', 'webhook.attempt': 5, 'webhook.event': 'object.updated', 'webhook.handlers': 2 });
      expect(span.links.map(({ context: linked }) => linked.traceId)).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
    });
  });
});
