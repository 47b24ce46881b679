import { expect, it } from '@jest/globals';
import type { DeliveryStoreHarness } from './delivery-store.contract.js';
import type { ClaimedDelivery } from './delivery-store.js';
import { DeliveryStoreUnderTest, NOW, uuids } from './delivery-store-under-test.contract.js';
import { waitFor } from '../../test/support/wait-for.js';
import { systemClock } from '../common/clock.js';

/**
 * Part of the DeliveryStore contract, for durable adapters (called by describeDeliveryStoreContract):
 * what was acknowledged survives a restart, keys and counts included, and what a crashed process
 * was running comes due again in the next one. Each test puts the restarted store in `subject`,
 * so the shared writes reach it.
 */
export function describeRestartContract(subject: DeliveryStoreUnderTest, harness: () => DeliveryStoreHarness, resumeWithinMs: number): void {
  const { enqueue, finish } = subject;

  it('keeps what it acknowledged, and its keys, across a restart', async () => {
    await enqueue('a', 'k1');
    subject.store = await harness().reopen!();
    expect((await subject.store.counts()).queued).toBe(1);
    expect(await enqueue('a', 'k1')).toEqual({ status: 'duplicate', originalDeliveryId: `d-${subject.seq - 1}` });
    expect(uuids(await subject.store.claimDue(10, NOW))).toEqual(['a']);
  });

  it('counts its finished deliveries the same after a restart', async () => {
    for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
    const [a, b] = await subject.store.claimDue(2, NOW);
    await finish(a);
    await finish(b, { status: 'dead' });
    subject.store = await harness().reopen!();
    expect(await subject.store.counts()).toEqual({ queued: 1, processing: 0, succeeded: 1, dead: 1 });
  });

  it('makes what a crashed process was running due again in the next one', async () => {
    await enqueue('a');
    await enqueue('b');
    await subject.store.claimDue(10, NOW);
    subject.store = await harness().crash!();
    const resumed: ClaimedDelivery[] = [];
    // The wall clock, not NOW: a crashed replica's lease lapses in real time (PostgreSQL).
    await waitFor(
      async () => {
        await subject.store.requeueInterrupted(systemClock.now());
        resumed.push(...(await subject.store.claimDue(10, Math.max(NOW, systemClock.now()))));
        return resumed.length === 2;
      }, { timeoutInMs: resumeWithinMs, what: 'the crashed claims to come due again' },
    );
    expect(uuids(resumed).sort()).toEqual(['a', 'b']);
  }, 60_000);
}
