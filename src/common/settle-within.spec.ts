import { describe, expect, it } from '@jest/globals';
import { settleWithin } from './settle-within.js';

describe('settleWithin', () => {
  it('answers true as soon as everything settled, rejections included', async () => {
    const started = Date.now();
    await expect(settleWithin([Promise.resolve(1), Promise.reject(new Error('x'))], 60_000)).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('answers false when the time is up first', async () => {
    await expect(settleWithin([new Promise(() => {})], 10)).resolves.toBe(false);
  });

  it('leaves no timer behind once everything settled', async () => {
    const before = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await settleWithin([Promise.resolve()], 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    const after = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
