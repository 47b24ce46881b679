import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { normaliseEvent } from '../events/normalise-event.js';
import { OpenRegisterEvent } from '../events/openregister-event.js';
import { parseDelivery } from '../ingest/parse-delivery.js';
import { idempotencyKey } from './idempotency-key.js';

const UUID = '3e5a9d7c-1b2f-4a6e-8c0d-5f4e3d2c1b0a';
const textOf = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url), 'utf8');
const asSent = textOf('openregister-schema-notification-as-sent');

/** Each delivery is received at its own moment. */
let receivedAt = Date.parse('2030-01-01T00:00:00Z');
async function keyOf(text: string, notificationTrigger?: string): Promise<string> {
  receivedAt += 1000;
  const event: OpenRegisterEvent = normaliseEvent({ ...(await parseDelivery(Buffer.from(text))), notificationTrigger }, new Date(receivedAt));
  return idempotencyKey(event);
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

describe('idempotencyKey of a schema notification', () => {
  it("is a creation's change identity, the one its webhook and catch-up entry have", async () => {
    expect(await keyOf(asSent, 'created')).toBe(`change:object.created/${UUID}`);
  });

  it('is, for an update, a sha256 that is the same when the same notification comes twice', async () => {
    const key = await keyOf(asSent);
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await keyOf(asSent)).toBe(key);
    expect(await keyOf(asSent, 'updated')).toBe(key);
  });

  it('is the same for another rule on the same save: name, subject and recipients say who is told, not what changed', async () => {
    const otherRule = replaceOnce(replaceOnce(asSent, '"melding-status"', '"melding-teamlead"'), '"recipients":["admin","behandelaar"]', '"recipients":["teamlead"]');
    expect(await keyOf(otherRule)).toBe(await keyOf(asSent));
  });

  it('differs for another update of the object (other data)', async () => {
    expect(await keyOf(replaceOnce(asSent, '"status":"in behandeling"', '"status":"afgehandeld"'))).not.toBe(await keyOf(asSent));
  });

  it('differs for the same data sent at another second: an object changed back to an earlier state', async () => {
    expect(await keyOf(replaceOnce(asSent, '10:00:00+00:00', '10:05:00+00:00'))).not.toBe(await keyOf(asSent));
  });

  it('differs between the update and the transition that one save sends', async () => {
    const transition = replaceOnce(asSent, '"context":[]', '"context":{"action":"behandel","from":"nieuw","to":"in behandeling"}');
    expect(await keyOf(transition)).not.toBe(await keyOf(asSent));
  });

  it('never shares an update identity with other ways in, which carry @self.updated and version', async () => {
    expect(await keyOf(asSent)).not.toMatch(/^change:/);
  });
});
