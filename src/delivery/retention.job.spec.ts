import { describe, expect, it, jest } from '@jest/globals';
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

const DAY_IN_MS = 24 * 3_600_000;

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
});
