import { describe, expect, it, jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { ObjectStateStore } from '../store/object-state.store.js';
import { RetentionJob } from './retention.job.js';

describe('RetentionJob', () => {
  const config = { delivery: { retentionInDays: 2 } } as AppConfig;
  const logger = { info: jest.fn(), error: jest.fn() } as unknown as Logger;

  it('prunes deliveries past retention and object states past their expiry, each even when the other fails', async () => {
    const deleteFinishedBefore = jest.fn(async (_before: number) => {
      throw new Error('store down');
    });
    const deleteExpired = jest.fn(async (_now: number) => 3);
    const job = new RetentionJob({ deleteFinishedBefore } as unknown as DeliveryStore, { deleteExpired } as unknown as ObjectStateStore, config, logger);
    const before = Date.now();
    await job.prune();
    const now = deleteExpired.mock.calls[0][0];
    expect(now).toBeGreaterThanOrEqual(before);
    expect(deleteFinishedBefore).toHaveBeenCalledWith(now - 2 * 24 * 3_600_000);
    expect(logger.info).toHaveBeenCalledWith({ removed: 3 }, 'Removed expired object states');
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'Retention pruning failed');
  });
});
