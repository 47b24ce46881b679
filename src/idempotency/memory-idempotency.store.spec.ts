import { describe, expect, it } from '@jest/globals';
import { MemoryIdempotencyStore } from './memory-idempotency.store.js';

function storeWith(options: { maxEntries?: number; ttlInSeconds?: number } = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryIdempotencyStore({ maxEntries: options.maxEntries ?? 100, ttlInSeconds: options.ttlInSeconds ?? 60, now: () => clock.now });
  return { store, clock };
}

describe('MemoryIdempotencyStore', () => {
  it('claims an unknown key', async () => {
    const { store } = storeWith();
    expect(await store.claim('a')).toBe('claimed');
  });

  it('answers in-progress for a key claimed and not yet completed', async () => {
    const { store } = storeWith();
    await store.claim('a');
    expect(await store.claim('a')).toBe('in-progress');
  });

  it('answers done for a completed key', async () => {
    const { store } = storeWith();
    await store.claim('a');
    await store.complete('a');
    expect(await store.claim('a')).toBe('done');
  });

  it('lets a released key be claimed again', async () => {
    const { store } = storeWith();
    await store.claim('a');
    await store.release('a');
    expect(await store.claim('a')).toBe('claimed');
  });

  it('keeps keys apart', async () => {
    const { store } = storeWith();
    await store.claim('a');
    expect(await store.claim('b')).toBe('claimed');
  });

  it('evicts the oldest key when full', async () => {
    const { store } = storeWith({ maxEntries: 2 });
    await store.claim('a');
    await store.claim('b');
    await store.claim('c');
    expect(store.size).toBe(2);
    expect(await store.claim('b')).toBe('in-progress');
    expect(await store.claim('c')).toBe('in-progress');
    expect(await store.claim('a')).toBe('claimed');
  });

  it('counts a completed key as recently used', async () => {
    const { store } = storeWith({ maxEntries: 2 });
    await store.claim('a');
    await store.claim('b');
    await store.complete('a');
    await store.claim('c');
    expect(await store.claim('a')).toBe('done');
    expect(await store.claim('b')).toBe('claimed');
  });

  it('remembers a key until its time is up', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a');
    await store.complete('a');
    clock.now += 59_999;
    expect(await store.claim('a')).toBe('done');
  });

  it('forgets a key once its time is up', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a');
    await store.complete('a');
    clock.now += 60_000;
    expect(await store.claim('a')).toBe('claimed');
  });

  it('lets an abandoned in-progress claim expire', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a');
    clock.now += 60_000;
    expect(await store.claim('a')).toBe('claimed');
  });

  it('drops expired keys from its size when a new key is stored', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a');
    await store.claim('b');
    clock.now += 60_000;
    await store.claim('c');
    expect(store.size).toBe(1);
  });
});
