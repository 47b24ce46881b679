import { describe, expect, it } from '@jest/globals';
import { describeIdempotencyStoreContract, IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS } from './idempotency-store.contract.js';
import { MemoryIdempotencyStore } from './memory-idempotency.store.js';

function storeWith(options: { maxEntries?: number; ttlInSeconds?: number } = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryIdempotencyStore({ maxEntries: options.maxEntries ?? 100, ttlInSeconds: options.ttlInSeconds ?? 60, now: () => clock.now });
  return { store, clock };
}

describeIdempotencyStoreContract('memory', false, async () => {
  const { store, clock } = storeWith({ ttlInSeconds: IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS });
  return { store, advance: (ms) => void (clock.now += ms), dispose: async () => undefined };
});

/** What the in-memory adapter does beyond the contract: its bound in entries. */
describe('MemoryIdempotencyStore', () => {
  it('evicts the oldest key when full', async () => {
    const { store } = storeWith({ maxEntries: 2 });
    await store.claim('a', 'delivery-a');
    await store.claim('b', 'delivery-b');
    await store.claim('c', 'delivery-c');
    expect(store.size).toBe(2);
    expect((await store.claim('b', 'delivery-b')).status).toBe('in-progress');
    expect((await store.claim('c', 'delivery-c')).status).toBe('in-progress');
    expect((await store.claim('a', 'delivery-a')).status).toBe('claimed');
  });

  it('counts a completed key as recently used', async () => {
    const { store } = storeWith({ maxEntries: 2 });
    await store.claim('a', 'delivery-a');
    await store.claim('b', 'delivery-b');
    await store.complete('a');
    await store.claim('c', 'delivery-c');
    expect((await store.claim('a', 'delivery-a')).status).toBe('done');
    expect((await store.claim('b', 'delivery-b')).status).toBe('claimed');
  });

  it('remembers a key until its time is up', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a', 'delivery-a');
    await store.complete('a');
    clock.now += 59_999;
    expect((await store.claim('a', 'delivery-a')).status).toBe('done');
  });

  it('forgets a key once its time is up', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a', 'delivery-a');
    await store.complete('a');
    clock.now += 60_000;
    expect((await store.claim('a', 'delivery-a')).status).toBe('claimed');
  });

  it('lets an abandoned in-progress claim expire', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a', 'delivery-a');
    clock.now += 60_000;
    expect((await store.claim('a', 'delivery-a')).status).toBe('claimed');
  });

  it('drops expired keys from its size when a new key is stored', async () => {
    const { store, clock } = storeWith({ ttlInSeconds: 60 });
    await store.claim('a', 'delivery-a');
    await store.claim('b', 'delivery-b');
    clock.now += 60_000;
    await store.claim('c', 'delivery-c');
    expect(store.size).toBe(1);
  });
});
