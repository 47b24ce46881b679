import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { WebhookError } from '../common/webhook-error.js';
import { parseDelivery } from '../ingest/parse-delivery.js';
import { normaliseEvent } from './normalise-event.js';
import { OpenRegisterEvent } from './openregister-event.js';

const RECEIVED_AT = new Date('2030-01-01T00:00:00.000Z');
const UUID = '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f';
const SENT_AT = '2026-03-02T09:15:27.000Z';

const bytesOf = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url));
const normalise = async (bytes: Buffer): Promise<OpenRegisterEvent> => normaliseEvent(await parseDelivery(bytes), RECEIVED_AT);
const fromFixture = (name: string) => normalise(bytesOf(name));
const fromJson = (body: unknown) => normalise(Buffer.from(JSON.stringify(body)));

describe('normaliseEvent over the fixtures', () => {
  it.each([
    ['openregister-object-created', 'object.created', 'openregister'],
    ['openregister-object-updated', 'object.updated', 'openregister'],
    ['openregister-cloudevent-created', 'object.created', 'cloudevents'],
    ['nextcloud-openregister-object-updated', 'object.updated', 'nextcloud'],
  ])('%s → %s, format %s, object 0b1f…, register 5, schema 12', async (name, type, format) => {
    const event = await fromFixture(name);
    expect(event).toMatchObject({ type, format, register: '5', schema: '12' });
    expect(event.object?.uuid).toBe(UUID);
    expect(event.object).toMatchObject({ register: '5', schema: '12' });
  });

  it('documented-object-updated → object.updated, format documented, the guide register and schema', async () => {
    const event = await fromFixture('documented-object-updated');
    expect(event).toMatchObject({ type: 'object.updated', format: 'documented', register: 'my-register', schema: 'my-schema' });
    expect(event.object?.uuid).toBe(UUID);
    expect(event.previous?.uuid).toBe(UUID);
  });

  it('keeps the sender class as eventClass', async () => {
    expect((await fromFixture('openregister-object-created')).eventClass).toBe('OCA\\OpenRegister\\Event\\ObjectCreatedEvent');
  });

  it('has no changes for a created event', async () => {
    expect((await fromFixture('openregister-object-created')).changes).toBeUndefined();
  });

  it('has no changes (nor previous) for an OpenRegister update, which sends only the new state', async () => {
    const event = await fromFixture('openregister-object-updated');
    expect(event.previous).toBeUndefined();
    expect(event.changes).toBeUndefined();
  });

  it('reports the tag removed at /tags/1 for the Nextcloud update', async () => {
    expect((await fromFixture('nextcloud-openregister-object-updated')).changes).toEqual([
      { path: '/tags/1', op: 'remove', oldValue: 'open' },
    ]);
  });

  it('reports /description replaced and /custom_field added for the documented update', async () => {
    const { changes } = await fromFixture('documented-object-updated');
    expect(changes).toHaveLength(2);
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: '/description', op: 'replace', oldValue: 'old', newValue: 'new' },
        { path: '/custom_field', op: 'add', newValue: 'value' },
      ]),
    );
  });

  it('keeps user fields untouched, the café key included', async () => {
    const event = await fromFixture('openregister-object-created');
    expect(event.object?.data).toEqual({
      title: 'Stadhuis Utrecht',
      city: 'Utrecht',
      'café': 'Café de Zaak',
      tags: ['monument', 'open'],
      address: { street: 'Korte Minrebroederstraat', number: 2 },
    });
  });

  it('takes occurredAt from the sender timestamp', async () => {
    expect((await fromFixture('openregister-object-created')).occurredAt).toBe(SENT_AT);
  });

  it('takes occurredAt from the CloudEvents time', async () => {
    expect((await fromFixture('openregister-cloudevent-created')).occurredAt).toBe(SENT_AT);
  });

  it('takes occurredAt from the Nextcloud unix time', async () => {
    expect((await fromFixture('nextcloud-node-created')).occurredAt).toBe(new Date(1772442927 * 1000).toISOString());
  });

  it('uses receivedAt for a Nextcloud time no date can hold, instead of throwing (found by npm run fuzz)', async () => {
    for (const time of ['1e+308', '1.0e+100', '-8640000000001']) {
      const event = await normalise(Buffer.from(`{"event":{"class":"OCP\\\\X"},"time":${time}}`));
      expect(event.occurredAt).toBe(RECEIVED_AT.toISOString());
    }
  });

  it('names the OpenRegister webhook that sent it', async () => {
    const expected = { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'buildings to GIS' };
    expect((await fromFixture('openregister-object-created')).webhook).toEqual(expected);
    expect((await fromFixture('openregister-cloudevent-created')).webhook).toEqual(expected);
  });

  it('maps the test button to type test, with no object and no payload', async () => {
    const event = await fromFixture('openregister-test');
    expect(event.type).toBe('test');
    expect(event.object).toBeUndefined();
    expect(event.payload).toBeUndefined();
  });

  describe('a Nextcloud NodeCreatedEvent', () => {
    it('keeps the class as the type', async () => {
      const event = await fromFixture('nextcloud-node-created');
      expect(event.type).toBe('OCP\\Files\\Events\\Node\\NodeCreatedEvent');
      expect(event.format).toBe('nextcloud');
    });

    it('keeps the serialised event as payload', async () => {
      expect((await fromFixture('nextcloud-node-created')).payload).toEqual({
        class: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent',
        node: { id: 437, path: '/admin/files/Reports/q1.pdf' },
      });
    });

    it('carries the user', async () => {
      expect((await fromFixture('nextcloud-node-created')).user).toEqual({ uid: 'admin', displayName: 'Administrator' });
    });

    it('has no object, register or schema', async () => {
      const event = await fromFixture('nextcloud-node-created');
      expect(event).not.toHaveProperty('object');
      expect(event).not.toHaveProperty('register');
      expect(event).not.toHaveProperty('schema');
    });
  });
});

describe('normaliseEvent, other cases', () => {
  it('uses receivedAt when the sender does not say when', async () => {
    const event = await fromJson({ event: 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent', data: { object: { id: UUID, '@self': [] } } });
    expect(event.occurredAt).toBe(RECEIVED_AT.toISOString());
  });

  it('fills uuid, register and schema from the OpenRegister data block when the object leaves them out', async () => {
    const event = await fromJson({
      event: 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent',
      webhook: { id: 1 },
      data: { objectType: 'object', object: { title: 'x' }, objectUuid: UUID, register: 5, schema: 12 },
      attempt: 1,
    });
    expect(event).toMatchObject({ register: '5', schema: '12', object: { uuid: UUID, register: '5', schema: '12' } });
  });

  it('refuses an object event whose object has no uuid, as invalid', async () => {
    const error = await fromJson({ event: 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent', data: { object: { title: 'x' } } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).reason).toBe('invalid');
  });

  it('reads a deleted object sent only as oldObject as the previous state', async () => {
    const event = await fromJson({
      event: 'OCA\\OpenRegister\\Event\\ObjectDeletedEvent',
      data: { oldObject: { uuid: UUID, register: 'r', schema: 's', data: { a: 1 } } },
    });
    expect(event).toMatchObject({ type: 'object.deleted', register: 'r', schema: 's', previous: { uuid: UUID } });
    expect(event.object).toBeUndefined();
    expect(event.changes).toBeUndefined();
  });

  it('leaves no key with an undefined value', async () => {
    const event = await fromFixture('openregister-test');
    expect(Object.values(event)).not.toContain(undefined);
  });
});

describe('normaliseEvent of a soft delete', () => {
  it('delivers an OpenRegister update whose object is in the trash as object.deleted, with the deletion metadata', async () => {
    const updated = readFileSync(new URL('../../test/fixtures/openregister-object-updated.json', import.meta.url), 'utf8');
    const deleted = updated.replace('"deleted":[]', '"deleted":{"deletedBy":"admin","deletedAt":"2026-05-15T10:00:00+00:00","objectId":"' + UUID + '","organisation":"org-1"}');
    expect(deleted).not.toBe(updated);
    const event = await normalise(Buffer.from(deleted));
    expect(event).toMatchObject({ type: 'object.deleted', eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent' });
    expect(event.deletion).toEqual({ deletedBy: 'admin', deletedAt: '2026-05-15T10:00:00+00:00', objectId: UUID, organisation: 'org-1' });
    expect(event.object?.uuid).toBe(UUID);
  });
});
