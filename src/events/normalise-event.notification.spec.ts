import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { WebhookError } from '../common/webhook-error.js';
import { parseDelivery } from '../ingest/parse-delivery.js';
import { normaliseEvent } from './normalise-event.js';
import { OpenRegisterEvent } from './openregister-event.js';

const RECEIVED_AT = new Date('2030-01-01T00:00:00.000Z');
const AS_SENT_UUID = '3e5a9d7c-1b2f-4a6e-8c0d-5f4e3d2c1b0a';
const CLASS = 'OCA\\OpenRegister\\Event\\';

const bytesOf = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url));
const normalise = async (bytes: Buffer, notificationTrigger?: string): Promise<OpenRegisterEvent> =>
  normaliseEvent({ ...(await parseDelivery(bytes)), notificationTrigger }, RECEIVED_AT);
/** The as-sent fixture with `change` applied. */
function asSent(change: (body: Record<string, any>) => void): Buffer {
  const body: Record<string, any> = JSON.parse(bytesOf('openregister-schema-notification-as-sent').toString('utf8'));
  change(body);
  return Buffer.from(JSON.stringify(body));
}

describe('normaliseEvent of a schema notification', () => {
  it('reads the shared fixture as an object.updated, its ints as id strings, the rest in payload', async () => {
    const event = await normalise(bytesOf('openregister-schema-notification'));
    expect(event).toEqual({
      type: 'object.updated',
      eventClass: `${CLASS}ObjectUpdatedEvent`,
      format: 'notification',
      occurredAt: '2026-05-15T10:00:00.000Z',
      register: '5',
      schema: '12',
      object: { uuid: '7c1f0b52-3a4e-4c7d-9b8e-2f5a6d1e0c93', register: '5', schema: '12', data: { titel: 'Melding', status: 'in behandeling' }, meta: {} },
      // Its `context.event` is not something OpenRegister sends, and is not read.
      payload: { notification: 'melding-gewijzigd', subject: 'Melding bijgewerkt', recipients: ['admin'], context: { event: 'updated', actor: 'admin' } },
    });
  });

  it("reads what OpenRegister really sends: data without OpenRegister's id, context [] kept, PHP's escapes undone", async () => {
    const event = await normalise(bytesOf('openregister-schema-notification-as-sent'));
    expect(event).toMatchObject({ type: 'object.updated', eventClass: `${CLASS}ObjectUpdatedEvent`, register: '5', schema: '12' });
    expect(event.object).toEqual({
      uuid: AS_SENT_UUID,
      register: '5',
      schema: '12',
      data: { titel: 'Lekkage', status: 'in behandeling', locatie: 'Oudegracht 1/a', melder: { naam: 'J. de Vries' } },
      meta: {},
    });
    expect(event.payload).toEqual({
      notification: 'melding-status',
      subject: 'Melding \u201cLekkage\u201d is nu in behandeling',
      recipients: ['admin', 'behandelaar'],
      context: [],
    });
    expect(event.previous).toBeUndefined();
    expect(Object.values(event)).not.toContain(undefined);
  });

  it('is an object.created when the rule says so with X-OpenRegister-Trigger: created', async () => {
    const event = await normalise(bytesOf('openregister-schema-notification-as-sent'), 'created');
    expect(event).toMatchObject({ type: 'object.created', eventClass: `${CLASS}ObjectCreatedEvent`, object: { uuid: AS_SENT_UUID } });
  });

  it.each(['updated', ' updated '])('is an object.updated with X-OpenRegister-Trigger: %j', async (trigger) => {
    expect(await normalise(bytesOf('openregister-schema-notification-as-sent'), trigger)).toMatchObject({ type: 'object.updated', eventClass: `${CLASS}ObjectUpdatedEvent` });
  });

  it('refuses an X-OpenRegister-Trigger that is no trigger type, as invalid', async () => {
    const error = await normalise(bytesOf('openregister-schema-notification-as-sent'), 'create').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WebhookError);
    expect(error).toMatchObject({ reason: 'invalid', details: ['X-OpenRegister-Trigger must be one of created, updated, transition, calculatedChange'] });
  });

  it('reads a transition as an object.updated with its action, from and to in payload.context', async () => {
    const context = { action: 'behandel', from: 'nieuw', to: 'in behandeling' };
    const event = await normalise(asSent((body) => (body.context = context)));
    expect(event).toMatchObject({ type: 'object.updated', eventClass: `${CLASS}ObjectTransitionedEvent`, payload: { context } });
  });

  it("reads a calculatedChange as an object.updated whose previous is the old data, with the changes", async () => {
    const event = await normalise(
      asSent((body) => (body.context = { _newData: body.object.data, _oldData: { ...body.object.data, status: 'nieuw' } })),
    );
    expect(event).toMatchObject({ type: 'object.updated', eventClass: `${CLASS}ObjectUpdatedEvent` });
    expect(event.previous).toMatchObject({ uuid: AS_SENT_UUID, register: '5', schema: '12', data: { status: 'nieuw' } });
    expect(event.previous?.data).not.toHaveProperty('id');
    expect(event.changes).toEqual([{ path: '/status', op: 'replace', oldValue: 'nieuw', newValue: 'in behandeling' }]);
  });

  it('keeps a user field that PHP wrote past 2^53 exact', async () => {
    const bytes = Buffer.from(bytesOf('openregister-schema-notification-as-sent').toString('utf8').replace('"titel":"Lekkage"', '"titel":9223372036854775807'));
    expect((await normalise(bytes)).object?.data.titel).toBe(9223372036854775807n);
  });
});
