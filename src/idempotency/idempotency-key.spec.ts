import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { normaliseEvent } from '../events/normalise-event.js';
import { OpenRegisterEvent } from '../events/openregister-event.js';
import { parseDelivery } from '../ingest/parse-delivery.js';
import { idempotencyKey } from './idempotency-key.js';

const textOf = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url), 'utf8');

/** Each attempt is received at its own moment. */
let receivedAt = Date.parse('2030-01-01T00:00:00Z');
async function eventOf(text: string): Promise<OpenRegisterEvent> {
  receivedAt += 1000;
  return normaliseEvent(await parseDelivery(Buffer.from(text)), new Date(receivedAt));
}

/** Replaces exactly one occurrence, so a typo in a spec fails instead of silently changing nothing. */
function replaceOnce(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

const updated = textOf('openregister-object-updated');
const TOP_LEVEL_TIMESTAMP = ',"timestamp":"2026-03-02T09:15:27+00:00","attempt":2}';

describe('idempotencyKey', () => {
  it('is the change identity for an object update: its uuid and a sha256 of the state it produced', async () => {
    expect(idempotencyKey(await eventOf(updated))).toMatch(/^change:object\.updated\/0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f\/[0-9a-f]{64}$/);
  });

  it('is a sha256 of the content for an event that is no object lifecycle change', async () => {
    const locked = replaceOnce(updated, 'ObjectUpdatedEvent', 'ObjectLockedEvent');
    expect(idempotencyKey(await eventOf(locked))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is the same for the same bytes', async () => {
    expect(idempotencyKey(await eventOf(updated))).toBe(idempotencyKey(await eventOf(updated)));
  });

  it('is the same for a resend with another attempt and another send timestamp', async () => {
    const resend = replaceOnce(updated, TOP_LEVEL_TIMESTAMP, ',"timestamp":"2026-03-02T09:20:00+00:00","attempt":3}');
    expect(idempotencyKey(await eventOf(resend))).toBe(idempotencyKey(await eventOf(updated)));
  });

  it('is the same for a resend whose JSON is written with other escapes', async () => {
    const rewritten = JSON.stringify(JSON.parse(updated));
    expect(idempotencyKey(await eventOf(rewritten))).toBe(idempotencyKey(await eventOf(updated)));
  });

  it('differs for another version of the object', async () => {
    const next = replaceOnce(updated, '"version":"1.0.3"', '"version":"1.0.4"');
    expect(idempotencyKey(await eventOf(next))).not.toBe(idempotencyKey(await eventOf(updated)));
  });

  it('differs for another change of a user field', async () => {
    const next = replaceOnce(updated, '"city":"Utrecht"', '"city":"Amersfoort"');
    expect(idempotencyKey(await eventOf(next))).not.toBe(idempotencyKey(await eventOf(updated)));
  });

  it('differs between a create and an update of the same content', async () => {
    const asCreate = replaceOnce(updated, 'ObjectUpdatedEvent', 'ObjectCreatedEvent');
    expect(idempotencyKey(await eventOf(asCreate))).not.toBe(idempotencyKey(await eventOf(updated)));
  });

  it('is the same for a CloudEvent resent with a fresh id', async () => {
    const cloudEvent = textOf('openregister-cloudevent-created');
    const resend = replaceOnce(cloudEvent, '"id":"6e0c3f1a-2b4d-4e8f-9a1b-7c6d5e4f3a2b"', '"id":"11111111-2222-4333-8444-555555555555"');
    expect(idempotencyKey(await eventOf(resend))).toBe(idempotencyKey(await eventOf(cloudEvent)));
  });

  it('uses webhook-id when the sender gives one', async () => {
    expect(idempotencyKey(await eventOf(updated), 'msg_p5jXN8AQM9LWM0D4loKWxJek')).toBe('webhook-id:msg_p5jXN8AQM9LWM0D4loKWxJek');
  });

  it('lets webhook-id win over the content', async () => {
    const next = replaceOnce(updated, '"version":"1.0.3"', '"version":"1.0.4"');
    expect(idempotencyKey(await eventOf(next), 'msg_1')).toBe(idempotencyKey(await eventOf(updated), 'msg_1'));
  });

  describe('for an object event that is no creation, update or deletion', () => {
    const reverted = replaceOnce(textOf('nextcloud-openregister-object-updated'), 'ObjectUpdatedEvent', 'ObjectRevertedEvent');

    it('is a sha256 that is the same for the same revert received twice', async () => {
      const key = idempotencyKey(await eventOf(reverted));
      expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(idempotencyKey(await eventOf(reverted))).toBe(key);
    });

    it('differs for a change to the same state from another previous state', async () => {
      // The old state is the only part with the "open" tag and version 1.0.2.
      const fromAnotherState = replaceOnce(reverted, '"tags":["monument","open"]', '"tags":["monument","closed"]');
      expect(idempotencyKey(await eventOf(fromAnotherState))).not.toBe(idempotencyKey(await eventOf(reverted)));
    });
  });

  describe('for an event without an object', () => {
    const nodeCreated = textOf('nextcloud-node-created');

    it('is the same for the same Nextcloud delivery received twice', async () => {
      expect(idempotencyKey(await eventOf(nodeCreated))).toBe(idempotencyKey(await eventOf(nodeCreated)));
    });

    it('differs for another node', async () => {
      const other = replaceOnce(nodeCreated, '"id":437', '"id":438');
      expect(idempotencyKey(await eventOf(other))).not.toBe(idempotencyKey(await eventOf(nodeCreated)));
    });

    it('differs for the same node event at another time', async () => {
      const later = replaceOnce(nodeCreated, '"time":1772442927', '"time":1772442999');
      expect(idempotencyKey(await eventOf(later))).not.toBe(idempotencyKey(await eventOf(nodeCreated)));
    });

    it('ignores the attempt fields OpenRegister restamps in data', async () => {
      const body = (timestamp: string) =>
        JSON.stringify({ event: 'OCA\\OpenRegister\\Event\\RegisterCreatedEvent', webhook: {}, data: { objectType: 'register', register: 5, timestamp }, attempt: 1 });
      expect(idempotencyKey(await eventOf(body('2026-03-02T09:15:27+00:00')))).toBe(idempotencyKey(await eventOf(body('2026-03-02T09:16:00+00:00'))));
    });

    it('ignores the attempt number OpenRegister restamps inside data', async () => {
      const body = (attempt: number) =>
        JSON.stringify({ event: 'OCA\\OpenRegister\\Event\\RegisterCreatedEvent', webhook: {}, data: { objectType: 'register', register: 5, attempt }, attempt });
      expect(idempotencyKey(await eventOf(body(2)))).toBe(idempotencyKey(await eventOf(body(1))));
    });

    it('still tells two registers apart when their data differ beside the attempt', async () => {
      const body = (register: number) =>
        JSON.stringify({ event: 'OCA\\OpenRegister\\Event\\RegisterCreatedEvent', webhook: {}, data: { objectType: 'register', register, attempt: 1 }, attempt: 1 });
      expect(idempotencyKey(await eventOf(body(6)))).not.toBe(idempotencyKey(await eventOf(body(5))));
    });
  });
});
