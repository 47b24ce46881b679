import { expect, it } from '@jest/globals';
import { DeliveryStoreUnderTest, NOW, uuids } from './delivery-store-under-test.contract.js';

/**
 * Part of the DeliveryStore contract (called by describeDeliveryStoreContract): the queue itself.
 * A key is accepted once until it expires; due deliveries are handed out oldest first, one at a
 * time per object, within the limit asked for; an object's later deliveries wait behind an
 * earlier one's retry but not behind its dead letter; released claims come back unchanged.
 */
export function describeQueueContract(subject: DeliveryStoreUnderTest): void {
  const { enqueue, finish } = subject;

  it('accepts a key once and answers duplicate with the original delivery, even in the same batch', async () => {
    const results = await Promise.all([enqueue('a', 'same'), enqueue('a', 'same'), enqueue('b', 'other')]);
    const original = results[0].status === 'accepted' ? `d-${subject.seq - 2}` : `d-${subject.seq - 1}`;
    expect(results.map((result) => result.status).sort()).toEqual(['accepted', 'accepted', 'duplicate']);
    expect(results.find((result) => result.status === 'duplicate')).toEqual({ status: 'duplicate', originalDeliveryId: original });
    expect((await subject.store.counts()).queued).toBe(2);
  });

  it('forgets a key once it has expired', async () => {
    expect(await enqueue('a', 'k', NOW)).toEqual({ status: 'accepted' });
    expect((await enqueue('a', 'k', NOW + 59_000)).status).toBe('duplicate');
    expect(await enqueue('a', 'k', NOW + 61_000)).toEqual({ status: 'accepted' });
  });

  it('hands out due deliveries oldest first, one at a time per object', async () => {
    await enqueue('a');
    await enqueue('a');
    await enqueue('b');
    await enqueue(undefined);
    const claimed = await subject.store.claimDue(10, NOW);
    expect(uuids(claimed)).toEqual(['a', 'b', 'none']);
    expect(claimed.every((delivery) => delivery.status === 'processing' && typeof delivery.lease === 'string')).toBe(true);
    expect(await subject.store.claimDue(10, NOW)).toEqual([]);
    await finish(claimed[0]);
    expect(uuids(await subject.store.claimDue(10, NOW))).toEqual(['a']);
  });

  it('respects the limit and leaves the rest due', async () => {
    for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
    expect(uuids(await subject.store.claimDue(2, NOW))).toEqual(['a', 'b']);
    expect(uuids(await subject.store.claimDue(2, NOW))).toEqual(['c']);
  });

  it("holds an object's later deliveries while an earlier one waits for its retry", async () => {
    await enqueue('a');
    await enqueue('a');
    const [first] = await subject.store.claimDue(1, NOW);
    await finish(first, { status: 'queued', nextAttemptAt: NOW + 1000 });
    expect(await subject.store.claimDue(10, NOW)).toEqual([]);
    expect(await subject.store.nextDueAt()).toBe(NOW + 1000);
    expect((await subject.store.claimDue(10, NOW + 1000)).map((delivery) => delivery.id)).toEqual([first.id]);
  });

  it("does not let a dead letter block the object's later deliveries", async () => {
    await enqueue('a');
    await enqueue('a');
    const [first] = await subject.store.claimDue(1, NOW);
    await finish(first, { status: 'dead' }, NOW, 'boom');
    expect(await subject.store.claimDue(10, NOW)).toHaveLength(1);
  });

  it('gives released claims back to the queue unchanged', async () => {
    await enqueue('a');
    const claimed = await subject.store.claimDue(1, NOW);
    await subject.store.release(claimed);
    expect(await subject.store.counts()).toMatchObject({ queued: 1, processing: 0 });
    expect(await subject.store.claimDue(1, NOW)).toMatchObject([{ id: claimed[0].id, attempts: 0 }]);
  });
}
