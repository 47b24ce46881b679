import { afterEach, describe, expect, it } from '@jest/globals';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage.js';

describe('FixedWindowThrottlerStorage', () => {
  let now = 1_000_000;
  const storage = new FixedWindowThrottlerStorage({ now: () => now });
  afterEach(() => storage.close());

  it('counts hits up to the limit, then blocks for the block duration', async () => {
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await storage.increment('a', 60_000, 3, 30_000));
    expect(hits.map((hit) => hit.isBlocked)).toEqual([false, false, false, true]);
    expect(hits[2]).toEqual({ totalHits: 3, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect(hits[3].timeToBlockExpire).toBe(30);

    now += 10_000;
    expect(await storage.increment('a', 60_000, 3, 30_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 20 });
  });

  it('starts a fresh window once the window and the block are over', async () => {
    for (let i = 0; i < 5; i++) await storage.increment('b', 60_000, 3, 30_000);
    now += 60_001;
    expect(await storage.increment('b', 60_000, 3, 30_000)).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('keeps keys apart', async () => {
    for (let i = 0; i < 5; i++) await storage.increment('c', 60_000, 3, 30_000);
    expect((await storage.increment('d', 60_000, 3, 30_000)).isBlocked).toBe(false);
  });
});
