import { expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { DeliveryStore } from './delivery-store.js';

const NOW = 1_780_000_000_000;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function eventAbout(uuid: string): OpenRegisterEvent {
  return { type: 'object.created', eventClass: 'object.created', format: 'openregister', occurredAt: new Date(NOW).toISOString(), object: { uuid, data: {}, meta: {} } };
}

/**
 * Part of the DeliveryStore contract (called by describeDeliveryStoreContract): a delivery keeps
 * the traceparent of the request that brought it, for its attempts' spans, on every attempt and
 * replay; one stored without (tracing off) has none.
 */
export function describeTraceparentContract(store: () => DeliveryStore): void {
  it('keeps the traceparent a delivery was stored with, for every claim, replay and read', async () => {
    await store().enqueue({ id: 'traced', idempotencyKey: 'traced-key', event: eventAbout('traced-object'), acceptedAt: NOW, traceparent: TRACEPARENT });
    const [first] = await store().claimDue(1, NOW);
    expect(first).toMatchObject({ id: 'traced', traceparent: TRACEPARENT });
    await store().finishAttempt(first, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'failed', error: 'down' }, { status: 'dead' });
    expect(await store().get('traced')).toMatchObject({ status: 'dead', traceparent: TRACEPARENT });
    expect(await store().replay('traced', NOW + 2)).toBe(true);
    const [again] = await store().claimDue(1, NOW + 2);
    expect(again).toMatchObject({ id: 'traced', traceparent: TRACEPARENT });
  });

  it('has no traceparent for a delivery stored without one', async () => {
    await store().enqueue({ id: 'untraced', idempotencyKey: 'untraced-key', event: eventAbout('untraced-object'), acceptedAt: NOW });
    const [claim] = await store().claimDue(1, NOW);
    expect(claim.id).toBe('untraced');
    expect(claim).not.toHaveProperty('traceparent');
    expect((await store().list({ limit: 10, offset: 0 })).items[0]).not.toHaveProperty('traceparent');
  });
}
