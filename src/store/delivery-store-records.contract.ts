import { expect, it } from '@jest/globals';
import { attempt, DeliveryStoreUnderTest, event, NOW, SUCCEEDED } from './delivery-store-under-test.contract.js';

/**
 * Part of the DeliveryStore contract (called by describeDeliveryStoreContract): what the store
 * keeps and reports of its deliveries, which the admin API and the metrics read. Lists page newest
 * first; pruning removes finished deliveries only; counts stay exact through every change; the
 * event comes back exactly as stored (__proto__ and integers past 2^53 included).
 */
export function describeRecordsContract(subject: DeliveryStoreUnderTest): void {
  const { enqueue, finish } = subject;

  it('lists by status with paging, newest first', async () => {
    for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
    const page = await subject.store.list({ status: 'queued', limit: 2, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.items.map((delivery) => delivery.event.object?.uuid)).toEqual(['c', 'b']);
    expect((await subject.store.list({ limit: 2, offset: 2 })).items.map((delivery) => delivery.event.object?.uuid)).toEqual(['a']);
    expect(await subject.store.list({ status: 'dead', limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
  });

  it('prunes finished deliveries before a date, never unfinished ones', async () => {
    for (const uuid of ['a', 'b', 'c', 'd']) await enqueue(uuid);
    const [succeeded, dead, late] = await subject.store.claimDue(3, NOW);
    await finish(succeeded);
    await finish(dead, { status: 'dead' });
    await subject.store.finishAttempt(late, attempt(1, NOW + 5), SUCCEEDED);
    expect(await subject.store.deleteFinishedBefore(NOW + 2)).toBe(2);
    expect(await subject.store.get(succeeded.id)).toBeUndefined();
    expect((await subject.store.get(late.id))?.event.object?.uuid).toBe('c');
    expect(await subject.store.counts()).toMatchObject({ queued: 1, succeeded: 1, dead: 0 });
  });

  it('counts every status exactly through claims, retries, finishes, replays and pruning', async () => {
    const counts = (queued: number, processing: number, succeeded: number, dead: number) => ({ queued, processing, succeeded, dead });
    expect(await subject.store.counts()).toEqual(counts(0, 0, 0, 0));
    for (const uuid of ['a', 'b', 'c', 'd']) await enqueue(uuid);
    expect(await subject.store.counts()).toEqual(counts(4, 0, 0, 0));
    const [a, b, c] = await subject.store.claimDue(3, NOW);
    expect(await subject.store.counts()).toEqual(counts(1, 3, 0, 0));
    await finish(a);
    await finish(b, { status: 'dead' });
    await finish(c, { status: 'queued', nextAttemptAt: NOW });
    expect(await subject.store.counts()).toEqual(counts(2, 0, 1, 1));
    expect(await subject.store.replay(a.id, NOW + 1)).toBe(true);
    expect(await subject.store.counts()).toEqual(counts(3, 0, 0, 1));
    expect(await subject.store.replayDead(NOW + 1)).toBe(1);
    expect(await subject.store.counts()).toEqual(counts(4, 0, 0, 0));
    const all = await subject.store.claimDue(10, NOW + 1);
    expect(all).toHaveLength(4);
    await Promise.all(all.map((claim, index) => finish(claim, index === 0 ? { status: 'dead' } : SUCCEEDED, NOW + 1)));
    expect(await subject.store.counts()).toEqual(counts(0, 0, 3, 1));
    expect(await subject.store.deleteFinishedBefore(NOW + 3)).toBe(4);
    expect(await subject.store.counts()).toEqual(counts(0, 0, 0, 0));
  });

  it('keeps the event exactly, user fields and __proto__ included', async () => {
    const data = JSON.parse('{"title":"t","__proto__":{"polluted":true},"café":"é"}') as Record<string, unknown>;
    await subject.store.enqueue({ id: 'p', idempotencyKey: 'p', event: { ...event('p'), object: { uuid: 'p', data, meta: {} } }, acceptedAt: NOW });
    const [claimed] = await subject.store.claimDue(1, NOW);
    expect(Object.getOwnPropertyDescriptor(claimed.event.object!.data, '__proto__')?.value).toEqual({ polluted: true });
    expect(claimed.event.object!.data['café']).toBe('é');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await subject.store.get('p'))?.event).toEqual(claimed.event);
  });

  it('keeps integers past 2^53 exact: bigints in, the same bigints out (events/exact-json.ts)', async () => {
    const data = { id: 9223372036854775807n, list: [-9007199254740993n, 9007199254740991, 1.5] };
    await subject.store.enqueue({ id: 'b', idempotencyKey: 'b', event: { ...event('b'), object: { uuid: 'b', data, meta: { size: 18446744073709551615n } } }, acceptedAt: NOW });
    await subject.store.claimDue(1, NOW);
    const stored = (await subject.store.get('b'))?.event.object;
    expect(stored?.data).toStrictEqual(data);
    expect(stored?.meta).toStrictEqual({ size: 18446744073709551615n });
  });
}
