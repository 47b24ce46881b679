import { describe, expect, it } from '@jest/globals';
import type { StoredDelivery } from '../store/delivery-store.js';
import { REDACTED, RedactionPolicy } from '../logging/redaction.policy.js';
import { toDeliveryDetail, toDeliverySummary } from './delivery-view.js';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');

const delivery = (overrides: Partial<StoredDelivery> = {}): StoredDelivery => ({
  id: 'd-1',
  idempotencyKey: 'key-1',
  event: {
    type: 'object.updated',
    eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
    format: 'openregister',
    occurredAt: '2026-11-29T09:59:00.000Z',
    register: '5',
    schema: '12',
    object: { uuid: 'u-1', data: { title: 'Stadhuis' }, meta: {} },
  },
  status: 'dead',
  attempts: 2,
  seriesStart: 0,
  nextAttemptAt: T0 + 2000,
  lastError: 'Handler: down',
  createdAt: T0,
  updatedAt: T0 + 2000,
  completedAt: T0 + 2000,
  ...overrides,
});

describe('toDeliverySummary', () => {
  it('gives timestamps as ISO strings and leaves out the event data', () => {
    expect(toDeliverySummary(delivery())).toEqual({
      id: 'd-1',
      status: 'dead',
      eventType: 'object.updated',
      source: 'webhook',
      objectUuid: 'u-1',
      register: '5',
      schema: '12',
      attempts: 2,
      lastError: 'Handler: down',
      createdAt: '2026-11-29T10:00:00.000Z',
      updatedAt: '2026-11-29T10:00:02.000Z',
      completedAt: '2026-11-29T10:00:02.000Z',
    });
  });

  it('says a change catch-up brought in came from catch-up', () => {
    const { event } = delivery();
    expect(toDeliverySummary(delivery({ event: { ...event, format: 'feed', source: 'catch-up' } })).source).toBe('catch-up');
  });

  it('says when a queued delivery is due, and has no completion time', () => {
    const summary = toDeliverySummary(delivery({ status: 'queued', completedAt: undefined, lastError: undefined }));
    expect(summary.nextAttemptAt).toBe('2026-11-29T10:00:02.000Z');
    expect(summary).not.toHaveProperty('completedAt');
    expect(summary).not.toHaveProperty('lastError');
  });

  it('takes the object uuid from the previous state of a delete, and omits what the event lacks', () => {
    const event = { type: 'object.deleted', eventClass: 'X', format: 'nextcloud' as const, occurredAt: '', previous: { uuid: 'gone', data: {}, meta: {} } };
    const summary = toDeliverySummary(delivery({ event }));
    expect(summary.objectUuid).toBe('gone');
    expect(summary).not.toHaveProperty('register');
    expect(summary).not.toHaveProperty('schema');
  });
});

describe('toDeliveryDetail', () => {
  it('adds the event, the idempotency key and the history with ISO timestamps', () => {
    const detail = toDeliveryDetail({
      ...delivery(),
      history: [
        { attempt: 1, startedAt: T0 + 10, finishedAt: T0 + 20, outcome: 'failed', error: 'Handler: down' },
        { attempt: 2, startedAt: T0 + 1010, finishedAt: T0 + 1020, outcome: 'succeeded' },
      ],
    }, new RedactionPolicy());
    expect(detail.event).toEqual(delivery().event);
    expect(detail.idempotencyKey).toBe('key-1');
    expect(detail.history).toEqual([
      { attempt: 1, startedAt: '2026-11-29T10:00:00.010Z', finishedAt: '2026-11-29T10:00:00.020Z', outcome: 'failed', error: 'Handler: down' },
      { attempt: 2, startedAt: '2026-11-29T10:00:01.010Z', finishedAt: '2026-11-29T10:00:01.020Z', outcome: 'succeeded' },
    ]);
  });

  it('redacts the event by the policy it is given (built-in keys and REDACT_FIELDS), leaving the stored one alone', () => {
    const event = { ...delivery().event, payload: { headers: { Authorization: 'Basic c2VjcmV0', 'X-Session': 's' } } };
    const stored = { ...delivery({ event }), history: [] };
    const detail = toDeliveryDetail(stored, new RedactionPolicy(['x-session']));
    expect(detail.event.payload).toEqual({ headers: { Authorization: REDACTED, 'X-Session': REDACTED } });
    expect(JSON.stringify(stored.event)).toContain('c2VjcmV0');
  });

  it('blanks a credential an older row quotes in its lastError and attempt errors (stored before the dispatcher did)', () => {
    const event = { ...delivery().event, payload: { headers: { 'X-Session': 'sess-4f9a2c' } } };
    const error = 'Callback: refused with sess-4f9a2c; token=abcdef123456';
    const stored = { ...delivery({ event, lastError: error }), history: [{ attempt: 1, startedAt: T0, finishedAt: T0 + 1, outcome: 'failed' as const, error }] };
    const detail = toDeliveryDetail(stored, new RedactionPolicy(['x-session']));
    expect(detail.lastError).toBe(`Callback: refused with ${REDACTED}; token=${REDACTED}`);
    expect(detail.history[0].error).toBe(detail.lastError);
    expect(toDeliverySummary(stored, new RedactionPolicy(['x-session'])).lastError).toBe(detail.lastError);
  });
});
