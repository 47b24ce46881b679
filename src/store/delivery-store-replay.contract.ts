import { expect, it } from '@jest/globals';
import { attempt, DeliveryStoreUnderTest, NOW, SUCCEEDED } from './delivery-store-under-test.contract.js';

/**
 * Part of the DeliveryStore contract (called by describeDeliveryStoreContract): dead letters and
 * their replay. Every attempt stays in the history; a replay, single or bulk, starts a new retry
 * series; and what makes deliveries due (an acceptance, a replay) wakes the listeners once it is
 * stored, so a worker that claims at once finds it.
 */
export function describeReplayContract(subject: DeliveryStoreUnderTest): void {
  const { enqueue, finish } = subject;

  it('keeps every attempt in the history and replays a dead letter as a new series', async () => {
    await enqueue('a');
    const [delivery] = await subject.store.claimDue(1, NOW);
    await subject.store.finishAttempt(delivery, { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'failed', error: 'first' }, { status: 'dead' });
    expect(await subject.store.replay('unknown', NOW)).toBe(false);
    expect(await subject.store.replay(delivery.id, NOW + 10)).toBe(true);
    expect(await subject.store.replay(delivery.id, NOW + 10)).toBe(false);
    const [again] = await subject.store.claimDue(1, NOW + 10);
    expect(again).toMatchObject({ id: delivery.id, attempts: 1, seriesStart: 1 });
    await subject.store.finishAttempt(again, { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' }, SUCCEEDED);
    expect(await subject.store.get(delivery.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      completedAt: NOW + 11,
      history: [
        { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'failed', error: 'first' },
        { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' },
      ],
    });
  });

  it('replays every dead letter at once', async () => {
    for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
    const claimed = await subject.store.claimDue(3, NOW);
    await finish(claimed[0], { status: 'dead' });
    await finish(claimed[1], { status: 'dead' });
    await finish(claimed[2]);
    expect(await subject.store.replayDead(NOW + 1)).toBe(2);
    expect(await subject.store.counts()).toMatchObject({ queued: 2, dead: 0, succeeded: 1 });
  });

  it('wakes its listeners once what made deliveries due is stored: an accepted delivery, a replay, a bulk replay; never a duplicate or a replay that changed nothing', async () => {
    const wakes: number[] = [];
    let written = 0;
    subject.store.onWake(() => wakes.push(written));
    expect(await enqueue('a', 'woken')).toEqual({ status: 'accepted' });
    written++;
    expect(wakes.length).toBeGreaterThanOrEqual(1);
    // Only after the write: a listener that claims at once must find the delivery.
    const [claimed] = await subject.store.claimDue(1, NOW);
    expect(claimed?.event.object?.uuid).toBe('a');
    wakes.length = 0;
    await enqueue('a', 'woken');
    expect(wakes).toEqual([]);
    expect(await subject.store.replay(claimed.id, NOW)).toBe(false);
    expect(await subject.store.replayDead(NOW)).toBe(0);
    expect(wakes).toEqual([]);
    await finish(claimed, { status: 'dead' });
    expect(await subject.store.replay(claimed.id, NOW + 1)).toBe(true);
    expect(wakes).toHaveLength(1);
    const [again] = await subject.store.claimDue(1, NOW + 1);
    await finish(again, { status: 'dead' }, NOW + 1);
    expect(await subject.store.replayDead(NOW + 2)).toBe(1);
    expect(wakes).toHaveLength(2);
  });

  it('starts a fresh retry series for each dead letter it replays at once, as a single replay does', async () => {
    await enqueue('a');
    const [first] = await subject.store.claimDue(1, NOW);
    await subject.store.finishAttempt(first, attempt(1, NOW, 'down'), { status: 'queued', nextAttemptAt: NOW });
    const [second] = await subject.store.claimDue(1, NOW);
    await subject.store.finishAttempt(second, attempt(2, NOW, 'down'), { status: 'dead' });
    expect(await subject.store.replayDead(NOW + 10)).toBe(1);
    // The retry budget counts from seriesStart: the two failures before the replay are spent.
    expect(await subject.store.claimDue(1, NOW + 10)).toMatchObject([{ id: first.id, attempts: 2, seriesStart: 2 }]);
  });
}
