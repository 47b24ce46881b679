import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DeliveryStore } from './delivery-store.js';
import { DeliveryStoreUnderTest, TTL_IN_SECONDS } from './delivery-store-under-test.contract.js';
import { describeQueueContract } from './delivery-store-queue.contract.js';
import { describeRecordsContract } from './delivery-store-records.contract.js';
import { describeReplayContract } from './delivery-store-replay.contract.js';
import { describeRestartContract } from './delivery-store-restart.contract.js';
import { describeScrubbedEventContract } from './delivery-store-scrub.contract.js';
import { describeTakeoverContract } from './delivery-store-takeover.contract.js';
import { describeTraceparentContract } from './delivery-store-trace.contract.js';

// Re-exported: an adapter's spec takes the contract and the event its own tests enqueue from one
// module (sqlite-delivery.store.spec.ts does).
export { event } from './delivery-store-under-test.contract.js';

/** What an adapter's spec hands the contract: a fresh, empty store and ways to restart it. */
export interface DeliveryStoreHarness {
  store: DeliveryStore;
  /** Closes the store and opens a new one on the same storage (durable adapters only). */
  reopen?(): Promise<DeliveryStore>;
  /**
   * Abandons the store as a crash would (nothing more is written, nothing is released) and opens
   * a new one on the same storage, as the next process would (durable adapters only).
   */
  crash?(): Promise<DeliveryStore>;
  /** Closes whatever is open and removes the storage. */
  dispose(): Promise<void>;
}

export interface DeliveryStoreContractOptions {
  /** The storage outlives the store: the harness has `reopen` and `crash`, and restarts are tested. */
  durable: boolean;
  /** Opens a fresh, empty store; keys expire after `idempotencyTtlInSeconds`. */
  open(options: { idempotencyTtlInSeconds: number }): Promise<DeliveryStoreHarness>;
  /** How long the contract waits for a crashed process's claims to come due again. */
  crashResumeWithinMs?: number;
}

/**
 * The behaviour every DeliveryStore adapter promises, whatever it is built on. Each adapter's
 * spec calls this once; adapter-specific behaviour (files, batching, leases) is tested beside it.
 * The tests are in the delivery-store-*.contract.ts files, one part of the promise each; they run
 * here, inside one describe, so every adapter runs all of them, under the same names.
 */
export function describeDeliveryStoreContract(adapter: string, options: DeliveryStoreContractOptions): void {
  describe(`DeliveryStore contract: ${adapter}`, () => {
    let harness: DeliveryStoreHarness;
    const subject = new DeliveryStoreUnderTest();
    const store = (): DeliveryStore => subject.store;

    beforeEach(async () => {
      harness = await options.open({ idempotencyTtlInSeconds: TTL_IN_SECONDS });
      subject.store = harness.store;
    });
    afterEach(() => harness.dispose());

    describeScrubbedEventContract(store);
    describeTraceparentContract(store);
    describeQueueContract(subject);
    describeReplayContract(subject);
    describeRecordsContract(subject);

    it('says when it can be written, and stops saying so once closed', async () => {
      await expect(subject.store.checkWritable()).resolves.toBeUndefined();
      await subject.store.close();
      await expect(subject.store.checkWritable()).rejects.toThrow();
    });

    if (!options.durable) return;

    describeRestartContract(subject, () => harness, options.crashResumeWithinMs ?? 5_000);
    describeTakeoverContract(() => harness, options.crashResumeWithinMs ?? 5_000);
  });
}
