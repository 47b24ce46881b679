import { expect, it } from '@jest/globals';
import type { DeliveryStoreHarness } from './delivery-store.contract.js';
import { INTERRUPTED_ATTEMPT_ERROR, type ClaimedDelivery, type DeliveryStore } from './delivery-store.js';
import { waitFor } from '../../test/support/wait-for.js';
import { systemClock } from '../common/clock.js';

const NOW = 1_780_000_000_000;

/**
 * Part of the delivery store contract, for durable adapters: a run whose process never recorded
 * its outcome (it crashed, or lost its lease) counts as an attempt when the delivery is taken
 * over, so the next run is numbered after it, in the claim and in the history.
 */
export function describeTakeoverContract(harness: () => DeliveryStoreHarness, resumeWithinMs: number): void {
  it('counts a run its crashed process never recorded as an attempt: the next run is the one after it', async () => {
    let store: DeliveryStore = harness().store;
    await store.enqueue({ id: 'takeover-1', idempotencyKey: 'takeover-1', event: { type: 'object.updated', eventClass: 'x', format: 'openregister', occurredAt: new Date(NOW).toISOString(), object: { uuid: 'a', data: {}, meta: {} } }, acceptedAt: NOW });
    const [first] = await store.claimDue(10, NOW);
    await store.finishAttempt(first, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'failed', error: 'boom' }, { status: 'queued', nextAttemptAt: NOW });
    const [second] = await store.claimDue(10, NOW + 10);
    expect(second.attempts).toBe(1);
    store = await harness().crash!();
    let resumed: ClaimedDelivery | undefined;
    // The wall clock, not NOW alone: a crashed replica's lease lapses in real time (PostgreSQL).
    await waitFor(
      async () => {
        await store.requeueInterrupted(Math.max(NOW + 20, systemClock.now()));
        [resumed] = await store.claimDue(10, Math.max(NOW + 20, systemClock.now()));
        return resumed !== undefined;
      },
      { timeoutInMs: resumeWithinMs, what: 'the crashed claim to come due again', intervalInMs: 50 },
    );
    if (resumed === undefined) throw new Error('unreachable: waitFor returned without a claim');
    // Attempt 1 failed, attempt 2 was interrupted: the run now is attempt 3.
    expect(resumed.attempts).toBe(2);
    await store.finishAttempt(resumed, { attempt: 3, startedAt: NOW + 30, finishedAt: NOW + 31, outcome: 'succeeded' }, { status: 'succeeded' });
    await store.claimDue(1, NOW + 40); // writes held-back attempts (SQLite)
    const stored = await store.get(resumed.id);
    expect(stored?.history.map(({ attempt, outcome, error }) => ({ attempt, outcome, error }))).toEqual([
      { attempt: 1, outcome: 'failed', error: 'boom' },
      { attempt: 2, outcome: 'failed', error: INTERRUPTED_ATTEMPT_ERROR },
      { attempt: 3, outcome: 'succeeded', error: undefined },
    ]);
    expect(stored?.attempts).toBe(3);
  }, 60_000);
}
