import { describe, expect, it, jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { ClaimedDelivery, DeliveryStore } from '../store/delivery-store.js';
import type { DeliveryMetrics } from './delivery.metrics.js';
import { giveUpLostClaims, LeaseLostError, logAbandoned, releaseWithin, reportTakeover, RunningClaims } from './lease-loss.js';

const event = (withObject = true): OpenRegisterEvent => ({
  type: 'object.created',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent',
  format: 'openregister',
  occurredAt: new Date(0).toISOString(),
  ...(withObject ? { object: { uuid: 'obj-1', data: {}, meta: {} } } : {}),
});

const claim = (id: string, withObject = true): ClaimedDelivery => ({
  id,
  idempotencyKey: `key-${id}`,
  event: event(withObject),
  status: 'processing',
  attempts: 0,
  seriesStart: 0,
  nextAttemptAt: 0,
  createdAt: 0,
  updatedAt: 0,
  lease: `lease-${id}`,
});

const recordingLogger = () => ({ error: jest.fn(), warn: jest.fn(), info: jest.fn(), debug: jest.fn() });

describe('RunningClaims', () => {
  it('follows the runs it started until they end', () => {
    const running = new RunningClaims();
    expect(running.ids()).toEqual([]);
    running.start(claim('a'));
    running.start(claim('b'));
    expect(running.ids()).toEqual(['a', 'b']);
    running.end(claim('a'));
    expect(running.ids()).toEqual(['b']);
  });

  it('aborts the runs of the lost leases with the reason, returns their deliveries, and forgets them', () => {
    const running = new RunningClaims();
    const [a, b, c] = [claim('a'), claim('b'), claim('c')];
    const signals = [a, b, c].map((delivery) => running.start(delivery));

    // An unknown lease (a run already ended) is skipped, not a stop.
    const aborted = running.abort(['lease-unknown', 'lease-a', 'lease-c'], 'renewal failed');
    expect(aborted).toEqual([a, c]);
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false, true]);
    const reason = signals[0].reason as Error;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.name).toBe('LeaseLostError');
    expect(reason.message).toBe('lease lost: renewal failed');
    expect(running.ids()).toEqual(['b']);
    // Aborted once: a second loss of the same lease finds nothing.
    expect(running.abort(['lease-a'], 'again')).toEqual([]);
  });
});

describe('giveUpLostClaims', () => {
  it('aborts the lost running claims, drops the lost waiting ones, and names them all in one line', () => {
    const running = new RunningClaims();
    const runningSignal = running.start(claim('run-lost'));
    running.start(claim('run-kept'));
    const waiting = [claim('wait-kept-1'), claim('wait-lost'), claim('wait-kept-2')];
    const logger = recordingLogger();

    const left = giveUpLostClaims(['lease-run-lost', 'lease-wait-lost', 'lease-elsewhere'], 'taken over', running, waiting, logger as unknown as Logger);

    expect(left.map(({ id }) => id)).toEqual(['wait-kept-1', 'wait-kept-2']);
    expect(waiting).toHaveLength(3);
    expect(runningSignal.aborted).toBe(true);
    expect(running.ids()).toEqual(['run-kept']);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(
      { deliveryIds: ['run-lost', 'wait-lost'], count: 2, running: 1, waiting: 1, reason: 'taken over' },
      'Gave up 2 deliveries whose lease is lost (taken over): their handlers were aborted and no outcome is recorded for them here',
    );
  });

  it('names running claims alone when none was waiting', () => {
    const running = new RunningClaims();
    running.start(claim('a'));
    const waiting = [claim('b')];
    const logger = recordingLogger();
    const left = giveUpLostClaims(['lease-a'], 'renewal failed', running, waiting, logger as unknown as Logger);
    // Nothing dropped: the waiting list itself, not a copy.
    expect(left).toBe(waiting);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ deliveryIds: ['a'], count: 1, running: 1, waiting: 0 }), expect.stringMatching(/^Gave up 1 deliveries/));
  });

  it('says nothing and keeps every waiting claim when no lost lease is its own', () => {
    const running = new RunningClaims();
    running.start(claim('a'));
    const waiting = [claim('b')];
    const logger = recordingLogger();
    expect(giveUpLostClaims(['lease-elsewhere'], 'renewal failed', running, waiting, logger as unknown as Logger)).toBe(waiting);
    expect(giveUpLostClaims([], 'renewal failed', running, [], logger as unknown as Logger)).toEqual([]);
    expect(logger.error).not.toHaveBeenCalled();
    expect(running.ids()).toEqual(['a']);
  });
});

describe('logAbandoned', () => {
  it('names the running and unreleased deliveries shutdown leaves behind in one warning', () => {
    const logger = recordingLogger();
    logAbandoned(logger as unknown as Logger, ['r-1', 'r-2'], ['u-1'], 5_000);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      { deliveryIds: ['r-1', 'r-2', 'u-1'], count: 3, running: 2, unreleased: 1, shutdownGraceMs: 5_000 },
      'Shutdown abandoned 3 deliveries (SHUTDOWN_GRACE_MS over or the store unreachable): they stay in the store and run again on another replica once their lease lapses, or at the next start',
    );
  });

  it('says nothing when shutdown left nothing behind', () => {
    const logger = recordingLogger();
    logAbandoned(logger as unknown as Logger, [], [], 5_000);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('releaseWithin', () => {
  const storeReleasing = (release: (claims: ClaimedDelivery[]) => Promise<void>) => {
    const calls: ClaimedDelivery[][] = [];
    const store = { release: (claims: ClaimedDelivery[]) => (calls.push(claims), release(claims)) } as unknown as DeliveryStore;
    return { store, calls };
  };

  it('puts the claims back and leaves none behind', async () => {
    const { store, calls } = storeReleasing(async () => undefined);
    const claims = [claim('a'), claim('b')];
    const onError = jest.fn();
    expect(await releaseWithin(store, claims, 1_000, onError)).toEqual([]);
    expect(calls).toEqual([claims]);
    expect(onError).not.toHaveBeenCalled();
  });

  it('asks the store nothing when there is nothing to put back', async () => {
    const { store, calls } = storeReleasing(async () => undefined);
    expect(await releaseWithin(store, [], 1_000, jest.fn())).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('reports a failed release with the ids, and returns them as not put back', async () => {
    const failure = new Error('store down');
    const { store } = storeReleasing(() => Promise.reject(failure));
    const onError = jest.fn();
    expect(await releaseWithin(store, [claim('a'), claim('b')], 1_000, onError)).toEqual(['a', 'b']);
    expect(onError).toHaveBeenCalledWith(failure, ['a', 'b']);
  });

  it('returns the ids of a release that does not end within the time given', async () => {
    const { store } = storeReleasing(() => new Promise<void>(() => undefined));
    const onError = jest.fn();
    expect(await releaseWithin(store, [claim('a')], 0, onError)).toEqual(['a']);
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('reportTakeover', () => {
  it('counts one interrupted attempt and names the lost run and the next one', () => {
    const logger = recordingLogger();
    const metrics = { interrupted: jest.fn((count: number) => count) };
    reportTakeover(logger as unknown as Logger, metrics as unknown as DeliveryMetrics, claim('d-7'), 3);
    expect(metrics.interrupted).toHaveBeenCalledWith(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      { deliveryId: 'd-7', event: 'object.created', objectUuid: 'obj-1', attempt: 3 },
      'Delivery taken over: its previous run (attempt 2) ended without a recorded outcome; running attempt 3',
    );
  });

  it('names no object uuid for an event without an object', () => {
    const logger = recordingLogger();
    reportTakeover(logger as unknown as Logger, { interrupted: jest.fn() } as unknown as DeliveryMetrics, claim('d-8', false), 2);
    expect(logger.warn).toHaveBeenCalledWith({ deliveryId: 'd-8', event: 'object.created', objectUuid: undefined, attempt: 2 }, expect.any(String));
  });
});
