import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { Logger } from 'pino';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { ObjectStateStore } from '../store/object-state.store.js';
import { openDatabase } from '../store/sqlite/sqlite-database.js';
import { SqliteDeliveryStore } from '../store/sqlite/sqlite-delivery.store.js';
import { SqliteObjectStateStore } from '../store/sqlite/sqlite-object-state.store.js';
import { RetentionJob } from './retention.job.js';

const HOUR_IN_MS = 3_600_000;
const DAY_IN_MS = 24 * HOUR_IN_MS;

const event = (uuid: string): OpenRegisterEvent => ({
  type: 'object.updated',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  format: 'openregister',
  occurredAt: new Date(0).toISOString(),
  object: { uuid, data: {}, meta: {} },
});

describe('RetentionJob', () => {
  const config = { delivery: { retentionInDays: 2 } } as AppConfig;

  it("prunes what finished more than DELIVERY_RETENTION_DAYS before its clock's now, and object states expired by then", async () => {
    const clock = new FakeClock();
    const db = openDatabase(':memory:');
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60, now: () => clock.now() });
    const states = new SqliteObjectStateStore(db, { now: () => clock.now() });
    const finishAt = async (id: string, at: number) => {
      await store.enqueue({ id, idempotencyKey: id, event: event(id), acceptedAt: at });
      const [claimed] = await store.claimDue(1, at);
      await store.finishAttempt(claimed, { attempt: 1, startedAt: at, finishedAt: at, outcome: 'succeeded' }, { status: 'succeeded' });
    };
    await finishAt('three-days-ago', clock.now() - 3 * DAY_IN_MS);
    await finishAt('a-day-ago', clock.now() - DAY_IN_MS);
    await states.put('expired', { uuid: 'expired', data: {}, meta: {} }, clock.now());
    await states.put('fresh', { uuid: 'fresh', data: {}, meta: {} }, clock.now() + DAY_IN_MS);
    const logger = { info: jest.fn(), error: jest.fn() } as unknown as Logger;
    const job = new RetentionJob(store, states, config, logger, clock);
    const remaining = async () => (await store.list({ limit: 10, offset: 0 })).items.map(({ id }) => id).sort();
    const expiresAt = async (uuid: string) => db.prepare('SELECT expires_at FROM object_states WHERE object_uuid = ?').get(uuid);

    await job.prune();
    expect(await remaining()).toEqual(['a-day-ago']);
    expect(await expiresAt('expired')).toBeUndefined();
    expect(await expiresAt('fresh')).toBeDefined();

    // The cut-off moves with the clock: a day and a moment later, the other one is past it too.
    clock.advance(DAY_IN_MS + 1);
    await job.prune();
    expect(await remaining()).toEqual([]);
    expect(await expiresAt('fresh')).toBeUndefined();
    await store.close();
  });

  it('prunes deliveries past retention and object states past their expiry, each even when the other fails', async () => {
    const deleteFinishedBefore = jest.fn(async (_before: number) => {
      throw new Error('store down');
    });
    const deleteExpired = jest.fn(async (_now: number) => 3);
    const logger = { info: jest.fn(), error: jest.fn() } as unknown as Logger;
    const job = new RetentionJob({ deleteFinishedBefore } as unknown as DeliveryStore, { deleteExpired } as unknown as ObjectStateStore, config, logger, new FakeClock());
    await job.prune();
    expect(deleteExpired).toHaveBeenCalled();
    expect(logger.info).toHaveBeenCalledWith({ removed: 3 }, 'Removed expired object states');
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'Retention pruning failed');
  });
  it('asks for deliveries finished more than DELIVERY_RETENTION_DAYS before now and states expired by now, and says what each removed', async () => {
    const clock = new FakeClock();
    const deleteFinishedBefore = jest.fn(async (_before: number) => 4);
    const deleteExpired = jest.fn(async (_now: number) => 3);
    const logger = { info: jest.fn(), error: jest.fn() };
    const job = new RetentionJob({ deleteFinishedBefore } as unknown as DeliveryStore, { deleteExpired } as unknown as ObjectStateStore, config, logger as unknown as Logger, clock);
    await job.prune();
    expect(deleteFinishedBefore).toHaveBeenCalledWith(clock.now() - 2 * DAY_IN_MS);
    expect(deleteExpired).toHaveBeenCalledWith(clock.now());
    expect(logger.info.mock.calls).toEqual([
      [{ removed: 4 }, 'Pruned finished deliveries past retention'],
      [{ removed: 3 }, 'Removed expired object states'],
    ]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('says nothing when there was nothing to remove', async () => {
    const logger = { info: jest.fn(), error: jest.fn() };
    const job = new RetentionJob(
      { deleteFinishedBefore: async () => 0 } as unknown as DeliveryStore,
      { deleteExpired: async () => 0 } as unknown as ObjectStateStore,
      config,
      logger as unknown as Logger,
      new FakeClock(),
    );
    await job.prune();
    expect(logger.info).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs a failed sweep of object states after a successful pruning of deliveries', async () => {
    const failure = new Error('states down');
    const logger = { info: jest.fn(), error: jest.fn() };
    const job = new RetentionJob(
      { deleteFinishedBefore: async () => 1 } as unknown as DeliveryStore,
      { deleteExpired: () => Promise.reject(failure) } as unknown as ObjectStateStore,
      config,
      logger as unknown as Logger,
      new FakeClock(),
    );
    await job.prune();
    expect(logger.info).toHaveBeenCalledWith({ removed: 1 }, 'Pruned finished deliveries past retention');
    expect(logger.error.mock.calls).toEqual([[{ err: failure }, 'Removing expired object states failed']]);
  });

  describe('its schedule', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    const scheduled = (retentionInDays: number) => {
      jest.useFakeTimers();
      const deleteFinishedBefore = jest.fn(async (_before: number) => 0);
      const deleteExpired = jest.fn(async (_now: number) => 0);
      const job = new RetentionJob(
        { deleteFinishedBefore } as unknown as DeliveryStore,
        { deleteExpired } as unknown as ObjectStateStore,
        { delivery: { retentionInDays } } as AppConfig,
        { info: jest.fn(), error: jest.fn() } as unknown as Logger,
        new FakeClock(),
      );
      return { job, deleteFinishedBefore, deleteExpired };
    };

    it('prunes at start and then hourly until shutdown, on a timer that keeps no process alive', async () => {
      const { job, deleteFinishedBefore, deleteExpired } = scheduled(2);
      const setInterval = jest.spyOn(globalThis, 'setInterval');
      job.onApplicationBootstrap();
      expect(deleteFinishedBefore).toHaveBeenCalledTimes(1);
      expect(setInterval).toHaveBeenCalledTimes(1);
      expect((setInterval.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(false);

      await jest.advanceTimersByTimeAsync(HOUR_IN_MS - 1);
      expect(deleteFinishedBefore).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(deleteFinishedBefore).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(HOUR_IN_MS);
      expect(deleteFinishedBefore).toHaveBeenCalledTimes(3);
      expect(deleteExpired).toHaveBeenCalledTimes(3);

      job.onApplicationShutdown();
      await jest.advanceTimersByTimeAsync(3 * HOUR_IN_MS);
      expect(deleteFinishedBefore).toHaveBeenCalledTimes(3);
    });

    it('prunes nothing, ever, with DELIVERY_RETENTION_DAYS=0', async () => {
      const { job, deleteFinishedBefore, deleteExpired } = scheduled(0);
      job.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(3 * HOUR_IN_MS);
      expect(deleteFinishedBefore).not.toHaveBeenCalled();
      expect(deleteExpired).not.toHaveBeenCalled();
      expect(jest.getTimerCount()).toBe(0);
      job.onApplicationShutdown();
    });
  });
});
