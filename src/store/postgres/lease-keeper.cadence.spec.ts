import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type pg from 'pg';
import { LeaseKeeper } from './lease-keeper.js';

const LEASE_IN_MS = 3000;

/**
 * When the keeper renews, on Jest's fake clock: a renewal must come well inside the lease, or a
 * lease lapses (and another replica may take the delivery) between two renewals that both worked.
 * The database is a stand-in that renews every token it is sent.
 */
describe('LeaseKeeper: renewal cadence', () => {
  let keeper: LeaseKeeper;
  let renewals: number;
  let lost: { tokens: string[]; reason: string }[];

  beforeEach(() => {
    jest.useFakeTimers();
    renewals = 0;
    lost = [];
    const pool = {
      query: async (config: { values: [string[], number, string] }) => {
        renewals++;
        return { rows: config.values[0].map((token) => ({ lease_token: token })) };
      },
      end: async () => undefined,
    } as unknown as pg.Pool;
    keeper = new LeaseKeeper({ pool, leaseInMs: LEASE_IN_MS, owner: 'this-process', onError: (error) => { throw error; }, onLost: (tokens, reason) => lost.push({ tokens, reason }), now: () => Date.now() });
  });
  afterEach(async () => {
    await keeper.close();
    jest.useRealTimers();
  });

  it('renews a held lease more than once within one lease, so one late renewal does not lose it', async () => {
    keeper.hold(['lease-1'], keeper.clock());
    await jest.advanceTimersByTimeAsync(LEASE_IN_MS);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(lost).toEqual([]);
  });

  it('keeps a lease that every renewal extends for ten leases, and never reports it lost', async () => {
    keeper.hold(['lease-1'], keeper.clock());
    await jest.advanceTimersByTimeAsync(10 * LEASE_IN_MS);
    expect(lost).toEqual([]);
    expect(keeper.size).toBe(1);
  });

  it('renews nothing while it holds nothing', async () => {
    await jest.advanceTimersByTimeAsync(2 * LEASE_IN_MS);
    expect(renewals).toBe(0);
  });
});
