import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { IdempotencyStore } from './idempotency.store.js';

export interface IdempotencyStoreHarness {
  store: IdempotencyStore;
  /** Moves the store's clock (adapters take `now` as an option) by this many ms. */
  advance(ms: number): void;
  /** Closes the store and opens a new one on the same storage, as after a crash (durable adapters only). */
  restart?(): Promise<IdempotencyStore>;
  dispose(): Promise<void>;
}

export const IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS = 60;

/** The behaviour every IdempotencyStore adapter (inline mode's keys) promises. */
export function describeIdempotencyStoreContract(adapter: string, durable: boolean, open: () => Promise<IdempotencyStoreHarness>): void {
  describe(`IdempotencyStore contract: ${adapter}`, () => {
    let harness: IdempotencyStoreHarness;
    let store: IdempotencyStore;
    const status = async (key: string, deliveryId = `delivery-of-${key}`) => (await store.claim(key, deliveryId)).status;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(() => harness.dispose());

    it('claims an unknown key, and answers in-progress then done naming the first delivery', async () => {
      expect(await store.claim('k', 'first')).toEqual({ status: 'claimed' });
      expect(await store.claim('k', 'second')).toEqual({ status: 'in-progress', originalDeliveryId: 'first' });
      await store.complete('k');
      expect(await store.claim('k', 'third')).toEqual({ status: 'done', originalDeliveryId: 'first' });
    });

    it('gives exactly one of several concurrent claims of a key', async () => {
      const results = await Promise.all([store.claim('a', '1'), store.claim('a', '2'), store.claim('b', '3'), store.claim('a', '4')]);
      expect(results.map((result) => result.status)).toEqual(['claimed', 'in-progress', 'claimed', 'in-progress']);
    });

    it('lets a released key be claimed again', async () => {
      await status('k');
      await store.release('k');
      expect(await status('k')).toBe('claimed');
    });

    it('forgets a key once it has expired', async () => {
      await status('k');
      await store.complete('k');
      harness.advance((IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS - 1) * 1000);
      expect(await status('k')).toBe('done');
      harness.advance(2000);
      expect(await status('k')).toBe('claimed');
    });

    if (!durable) return;

    it('keeps done keys across a restart, and forgets claims a crash left in progress', async () => {
      await status('done');
      await store.complete('done');
      await status('interrupted');
      store = await harness.restart!();
      expect(await status('done')).toBe('done');
      expect(await status('interrupted')).toBe('claimed');
    });
  });
}
