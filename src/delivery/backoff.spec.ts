import { describe, expect, it } from '@jest/globals';
import { attemptVerdict, backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base with each retry, half of it fixed and half random', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never exceeds the maximum', () => {
    expect(backoffDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(30, 1000, 60_000, () => 0)).toBe(30_000);
  });

  it('spreads retries of deliveries that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, 1000, 60_000)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(2000);
  });
});

describe('attemptVerdict', () => {
  const retries = { maxAttempts: 3, backoffBaseInMs: 1000, backoffMaxInMs: 60_000 };

  it('is succeeded without an error, queued with a backoff until the series is used up, then dead', () => {
    expect(attemptVerdict(1, 0, undefined, 0, retries)).toEqual({ status: 'succeeded' });
    const queued = attemptVerdict(2, 0, 'down', 10_000, retries);
    expect(queued.status).toBe('queued');
    expect(queued.status === 'queued' && queued.nextAttemptAt).toBeGreaterThanOrEqual(11_000);
    expect(attemptVerdict(3, 0, 'down', 0, retries)).toEqual({ status: 'dead' });
  });

  it('counts the series from the latest replay', () => {
    expect(attemptVerdict(5, 3, 'down', 0, retries).status).toBe('queued');
    expect(attemptVerdict(6, 3, 'down', 0, retries)).toEqual({ status: 'dead' });
  });
});
