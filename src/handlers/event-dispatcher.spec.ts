import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import pino from 'pino';
import type { AppConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EventDispatcher, HandlerTimeoutError } from './event-dispatcher.js';
import type { HandlerExplorer } from './handler-explorer.js';
import type { DeliveryContext, WebhookEventHandler } from './webhook-event-handler.js';
import { TEST_EVENT } from '../../test/support/test-event.js';

const TIMEOUT_MS = 1_000;

/** A handler that records the signal it was given and, if told to, waits until that signal aborts. */
class SignalHandler implements WebhookEventHandler {
  signal?: AbortSignal;
  /** The reason its signal aborted with, as the handler itself saw it (via the 'abort' event). */
  sawAbort?: unknown;

  constructor(private readonly waitForAbort: boolean) {}

  async handle(_event: OpenRegisterEvent, { signal }: DeliveryContext): Promise<void> {
    this.signal = signal;
    if (!this.waitForAbort) return;
    await new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => {
        this.sawAbort = signal.reason;
        resolve();
      }),
    );
  }
}

function dispatcherFor(handlers: Record<string, WebhookEventHandler>): EventDispatcher {
  const explorer = { handlers: Object.entries(handlers).map(([name, instance]) => ({ name, instance, options: { events: ['*'] } })) } as unknown as HandlerExplorer;
  const config = { handlerTimeoutInMs: TIMEOUT_MS } as AppConfig;
  return new EventDispatcher(explorer, new MetricsService(), config, pino({ level: 'silent' }), new RedactionPolicy());
}

/** Lets the dispatch reach the handlers (a few promise turns), with the timers held still. */
async function handlersStarted(...handlers: SignalHandler[]): Promise<void> {
  for (let turn = 0; turn < 100 && !handlers.every((handler) => handler.signal); turn++) await Promise.resolve();
  expect(handlers.every((handler) => handler.signal)).toBe(true);
}

describe("EventDispatcher: each handler run's signal", () => {
  // Only the timers are fake: the run's timeout comes due when the spec says, not after a real wait.
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['hrtime', 'performance', 'nextTick', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('aborts the signal of a run that times out, with the HandlerTimeoutError as reason, and counts the run as failed', async () => {
    const slow = new SignalHandler(true);
    const dispatched = dispatcherFor({ Slow: slow }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1 });
    await handlersStarted(slow);
    expect(slow.signal!.aborted).toBe(false);

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);

    expect(slow.signal!.aborted).toBe(true);
    expect(slow.sawAbort).toBeInstanceOf(HandlerTimeoutError);
    expect((slow.sawAbort as Error).message).toBe(`timed out after ${TIMEOUT_MS} ms`);
    expect(await dispatched).toEqual({ handled: 1, failures: [{ handler: 'Slow', error: `timed out after ${TIMEOUT_MS} ms` }] });
  });

  it('gives a quick run a signal (inline too: no outer signal) that stays unaborted past the timeout', async () => {
    const quick = new SignalHandler(false);
    expect(await dispatcherFor({ Quick: quick }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1 })).toEqual({ handled: 1, failures: [] });
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS * 2);
    expect(quick.signal).toBeInstanceOf(AbortSignal);
    expect(quick.signal!.aborted).toBe(false);
  });

  it('gives every handler of the event its own signal: one timing out leaves the others alone', async () => {
    const slow = new SignalHandler(true);
    const quick = new SignalHandler(false);
    const dispatched = dispatcherFor({ Slow: slow, Quick: quick }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1 });
    await handlersStarted(slow, quick);
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect((await dispatched).failures.map(({ handler }) => handler)).toEqual(['Slow']);
    expect(slow.signal).not.toBe(quick.signal);
    expect([slow.signal!.aborted, quick.signal!.aborted]).toEqual([true, false]);
  });

  it("aborts the run's signal with the outer signal's reason when that aborts (a lost lease)", async () => {
    const outer = new AbortController();
    const slow = new SignalHandler(true);
    const dispatched = dispatcherFor({ Slow: slow }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 2, signal: outer.signal });
    await handlersStarted(slow);
    const leaseLost = new Error('lease lost');
    outer.abort(leaseLost);

    expect(slow.signal).not.toBe(outer.signal);
    expect(slow.sawAbort).toBe(leaseLost);
    expect(await dispatched).toEqual({ handled: 1, failures: [{ handler: 'Slow', error: 'lease lost' }] });
  });

  it('times out a run whose handler never reads its signal, and counts it as failed', async () => {
    const never: WebhookEventHandler = { handle: () => new Promise<void>(() => undefined) };
    const dispatched = dispatcherFor({ Never: never }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1 });
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await dispatched).toEqual({ handled: 1, failures: [{ handler: 'Never', error: `timed out after ${TIMEOUT_MS} ms` }] });
  });

  it('gives a handler that reads its signal only after the timeout an aborted one, with the same reason', async () => {
    let context: DeliveryContext | undefined;
    const late: WebhookEventHandler = {
      handle: (_event, given) => {
        context = given;
        return new Promise<void>(() => undefined);
      },
    };
    const dispatched = dispatcherFor({ Late: late }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1 });
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    await dispatched;
    expect(context!.signal.aborted).toBe(true);
    expect(context!.signal.reason).toBeInstanceOf(HandlerTimeoutError);
    expect(context!.signal).toBe(context!.signal);
  });

  it('gives a handler that reads its signal after a lost lease an aborted one, with the outer reason', async () => {
    const outer = new AbortController();
    let context: DeliveryContext | undefined;
    const late: WebhookEventHandler = {
      handle: (_event, given) => {
        context = given;
        return new Promise<void>(() => undefined);
      },
    };
    const dispatched = dispatcherFor({ Late: late }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1, signal: outer.signal });
    for (let turn = 0; turn < 100 && !context; turn++) await Promise.resolve();
    const leaseLost = new Error('lease lost');
    outer.abort(leaseLost);
    expect(await dispatched).toEqual({ handled: 1, failures: [{ handler: 'Late', error: 'lease lost' }] });
    expect(context!.signal.reason).toBe(leaseLost);
  });

  it('no longer follows the outer signal once the run is over', async () => {
    const outer = new AbortController();
    const quick = new SignalHandler(false);
    await dispatcherFor({ Quick: quick }).dispatch(TEST_EVENT, { deliveryId: 'd-1', attempt: 1, signal: outer.signal });
    outer.abort(new Error('lease lost'));
    expect(quick.signal!.aborted).toBe(false);
  });
});
