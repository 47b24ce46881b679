import { expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { AttemptVerdict, DeliveryStore } from './delivery-store.js';

const NOW = 1_780_000_000_000;
const SECRET = 'Bearer nc-secret-token-1';

/** An event as sent, with a credential inside, and its redacted form. */
function eventsWithSecret(uuid: string): { sent: OpenRegisterEvent; scrubbed: OpenRegisterEvent } {
  const sent: OpenRegisterEvent = {
    type: 'object.creating',
    eventClass: 'object.creating',
    format: 'cloudevents',
    occurredAt: new Date(NOW).toISOString(),
    object: { uuid, data: { title: 'x' }, meta: {} },
    payload: { cloudEvent: { data: { headers: { Authorization: SECRET } } } },
  };
  return { sent, scrubbed: { ...sent, payload: { cloudEvent: { data: { headers: { Authorization: '[REDACTED]' } } } } } };
}

/**
 * Part of the DeliveryStore contract (called by describeDeliveryStoreContract): a finished
 * delivery keeps the scrubbed event it was finished with, a retried one the event as sent.
 */
export function describeScrubbedEventContract(store: () => DeliveryStore): void {
  const run = async (id: string, verdicts: AttemptVerdict[]) => {
    const { sent, scrubbed } = eventsWithSecret(`${id}-object`);
    await store().enqueue({ id, idempotencyKey: `${id}-key`, event: sent, acceptedAt: NOW });
    let at = NOW;
    for (const [index, verdict] of verdicts.entries()) {
      const [claim] = await store().claimDue(1, at);
      expect(claim.event).toEqual(sent);
      const failed = verdict.status !== 'succeeded';
      const attempt = { attempt: index + 1, startedAt: at, finishedAt: at + 1, outcome: failed ? ('failed' as const) : ('succeeded' as const), ...(failed ? { error: 'down' } : {}) };
      await store().finishAttempt(claim, attempt, verdict, scrubbed);
      at = verdict.status === 'queued' ? verdict.nextAttemptAt : at + 2;
    }
    return { sent, scrubbed };
  };

  it.each([['succeeded' as const], ['dead' as const]])('replaces the stored event with the scrubbed one when a delivery finishes %s', async (status) => {
    const { scrubbed } = await run(`scrub-${status}`, [{ status }]);
    const stored = await store().get(`scrub-${status}`);
    expect(stored).toMatchObject({ status, event: scrubbed });
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    const { items } = await store().list({ status, limit: 10, offset: 0 });
    expect(JSON.stringify(items)).not.toContain(SECRET);
  });

  it('keeps the event as sent while a delivery is queued for a retry, and scrubs it when it finishes', async () => {
    const { sent, scrubbed } = await run('scrub-retry', [{ status: 'queued', nextAttemptAt: NOW + 10 }]);
    expect((await store().get('scrub-retry'))?.event).toEqual(sent);
    const [again] = await store().claimDue(1, NOW + 10);
    expect(again.event).toEqual(sent);
    await store().finishAttempt(again, { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' }, { status: 'succeeded' }, scrubbed);
    expect((await store().get('scrub-retry'))?.event).toEqual(scrubbed);
  });

  it('replays a scrubbed dead letter with the scrubbed event', async () => {
    const { scrubbed } = await run('scrub-replay', [{ status: 'dead' }]);
    expect(await store().replay('scrub-replay', NOW + 5)).toBe(true);
    const [again] = await store().claimDue(1, NOW + 5);
    expect(again.event).toEqual(scrubbed);
  });

  it('keeps the stored event when a finish brings no scrubbed one', async () => {
    const { sent } = eventsWithSecret('plain-object');
    await store().enqueue({ id: 'plain', idempotencyKey: 'plain-key', event: sent, acceptedAt: NOW });
    const [claim] = await store().claimDue(1, NOW);
    await store().finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' });
    expect((await store().get('plain'))?.event).toEqual(sent);
  });
}
