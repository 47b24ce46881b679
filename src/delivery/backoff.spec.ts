import { describe, expect, it } from '@jest/globals';
import { backoffDelay } from './backoff.js';

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
