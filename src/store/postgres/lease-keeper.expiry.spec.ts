import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type pg from 'pg';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { LEASE_LOSS_REASONS, LeaseKeeper } from './lease-keeper.js';

const LEASE_IN_MS = 30_000;

/** Stands in for the keeper's pool: renews every lease it is asked to, or fails as an unreachable database. */
class RenewingPool {
  reachable = true;
  renewals = 0;

  async query(config: { values: [string[]] }): Promise<{ rows: { lease_token: string }[] }> {
    this.renewals++;
    if (!this.reachable) throw new Error('connect ECONNREFUSED');
    return { rows: config.values[0].map((lease_token) => ({ lease_token })) };
  }

  async end(): Promise<void> {}
}

// The keeper's side of a lease, on a fake clock: when it surely lapsed is decided by moving the
// clock and ticking by hand, never by waiting for a renewal interval.
describe('LeaseKeeper: when a lease surely lapsed', () => {
  let keeper: LeaseKeeper;
  const clock = new FakeClock(0);
  const pool = new RenewingPool();
  const lost: { tokens: string[]; reason: string }[] = [];
  const open = () =>
    (keeper = new LeaseKeeper({
      pool: pool as unknown as pg.Pool,
      leaseInMs: LEASE_IN_MS,
      owner: 'this-process',
      onError: () => undefined,
      onLost: (tokens, reason) => lost.push({ tokens, reason }),
      now: () => clock.now(),
    }));

  afterEach(() => {
    keeper.stop();
    jest.useRealTimers();
    clock.set(0);
    Object.assign(pool, { reachable: true, renewals: 0 });
    lost.length = 0;
  });

  it('gives a lease up once a whole lease has passed since the claim without a renewal, not a moment before', async () => {
    open().hold(['lease-1'], clock.now());
    pool.reachable = false;
    clock.advance(LEASE_IN_MS - 1);
    await keeper.tick();
    expect(lost).toEqual([]);
    expect(keeper.size).toBe(1);
    clock.advance(1);
    await keeper.tick();
    expect(lost).toEqual([{ tokens: ['lease-1'], reason: LEASE_LOSS_REASONS.unrenewed }]);
    expect(keeper.size).toBe(0);
  });

  it('counts a renewed lease from when its renewal was sent', async () => {
    open().hold(['lease-1'], clock.now());
    clock.advance(LEASE_IN_MS / 3);
    await keeper.tick();
    pool.reachable = false;
    // Past the claim's own lease, within the renewal's.
    clock.advance(LEASE_IN_MS - 1);
    await keeper.tick();
    expect(lost).toEqual([]);
    clock.advance(1);
    await keeper.tick();
    expect(lost).toEqual([{ tokens: ['lease-1'], reason: LEASE_LOSS_REASONS.unrenewed }]);
  });

  it('renews every third of the lease, so two renewals can fail before a lease lapses', async () => {
    jest.useFakeTimers();
    open().hold(['lease-1'], clock.now());
    await jest.advanceTimersByTimeAsync(LEASE_IN_MS / 3 - 1);
    expect(pool.renewals).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(pool.renewals).toBe(1);
    await jest.advanceTimersByTimeAsync(LEASE_IN_MS / 3);
    expect(pool.renewals).toBe(2);
  });
});
