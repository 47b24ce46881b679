import { describe, expect, it } from '@jest/globals';
import type { OpenRegisterObject } from '../events/openregister-event.js';
import type { ObjectStateStore } from '../store/object-state.store.js';
import { ChangeEvents } from './change-events.js';
import type { ObservedChange } from './observed-change.js';
import { OpenRegisterClient, OpenRegisterError } from './openregister-client.js';

const UUID = '7c1f0b52-3a4e-4c7d-9b8e-2f5a6d1e0c93';
const clock = { now: () => Date.parse('2026-05-15T12:00:00Z') };

/** OpenRegister's API as the events see it: objects by uuid, 404 for the others; every GET counted. */
function openRegister(objects: Record<string, unknown>) {
  const requests: string[] = [];
  const client = {
    async get(path: string) {
      requests.push(path);
      const uuid = path.split('/').pop()!;
      if (!(uuid in objects)) throw new OpenRegisterError('not-found', `GET ${path} answered 404`, 404);
      return objects[uuid];
    },
  } as unknown as OpenRegisterClient;
  return { client, requests };
}

function states(initial: Record<string, OpenRegisterObject> = {}): ObjectStateStore {
  const map = new Map(Object.entries(initial));
  return {
    get: async (uuid) => map.get(uuid),
    put: async (uuid, state) => void map.set(uuid, state),
    deleteExpired: async () => 0,
  };
}

const served = (fields: Record<string, unknown>, updated = '2026-05-15T11:00:00+00:00') => ({ ...fields, '@self': { id: UUID, register: '5', schema: '12', updated }, id: UUID });
const change = (kind: ObservedChange['kind'], extra: Partial<ObservedChange> = {}): ObservedChange => ({
  kind,
  uuid: UUID,
  register: '5',
  schema: '12',
  occurredAt: '2026-05-15T11:00:00+00:00',
  actor: 'admin',
  position: 7,
  ...extra,
});

describe('ChangeEvents', () => {
  it('makes a feed creation the event a webhook would have carried, with the object fetched by register, schema and uuid', async () => {
    const { client, requests } = openRegister({ [UUID]: served({ title: 'Melding' }) });
    const event = await new ChangeEvents(client, clock).eventOf(change('created'), 'feed');
    expect(requests).toEqual([`/objects/5/12/${UUID}`]);
    expect(event).toMatchObject({
      type: 'object.created',
      eventClass: 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent',
      format: 'feed',
      source: 'catch-up',
      occurredAt: '2026-05-15T11:00:00.000Z',
      register: '5',
      schema: '12',
      object: { uuid: UUID, data: { title: 'Melding' }, meta: { updated: '2026-05-15T11:00:00+00:00' } },
    });
  });

  it('makes an update of an object the API no longer shows (a soft delete) its deletion, carrying the last state seen', async () => {
    const last: OpenRegisterObject = { uuid: UUID, register: '5', schema: '12', data: { title: 'Melding' }, meta: {} };
    const event = await new ChangeEvents(openRegister({}).client, clock, states({ [UUID]: last })).eventOf(change('updated'), 'feed');
    expect(event).toMatchObject({ type: 'object.deleted', object: last, deletion: { deletedBy: 'admin', deletedAt: '2026-05-15T11:00:00+00:00' } });
  });

  it('makes a feed deletion a purge, without asking OpenRegister for the object', async () => {
    const { client, requests } = openRegister({});
    const event = await new ChangeEvents(client, clock).eventOf(change('deleted'), 'feed');
    expect(requests).toEqual([]);
    expect(event).toMatchObject({ type: 'object.deleted', deletion: { purged: true }, object: { uuid: UUID, register: '5', schema: '12', data: {} } });
  });

  it('makes an audit trail deletion a soft delete by its user', async () => {
    const event = await new ChangeEvents(openRegister({}).client, clock).eventOf(change('deleted', { actor: 'jan' }), 'audit-trail');
    expect(event).toMatchObject({ type: 'object.deleted', format: 'audit-trail', deletion: { deletedBy: 'jan', deletedAt: '2026-05-15T11:00:00+00:00' } });
  });

  it('skips an update whose state is the one last seen (two entries that fetched the same state)', async () => {
    const { client } = openRegister({ [UUID]: served({ title: 'Melding' }) });
    const store = states();
    const events = new ChangeEvents(client, clock, store);
    const first = await events.eventOf(change('updated'), 'feed');
    await store.put(UUID, first!.object!, 0);
    expect(await events.eventOf(change('updated', { position: 8 }), 'feed')).toBeUndefined();
  });

  it('builds previous and field changes of an audited update from its changed values', async () => {
    const { client } = openRegister({ [UUID]: served({ title: 'Melding', status: 'klaar' }) });
    const changed = { status: { old: 'nieuw', new: 'klaar' }, note: { old: 'x', new: null }, '@self': { old: { updated: '2026-05-15T10:00:00+00:00' }, new: {} } };
    const event = await new ChangeEvents(client, clock).eventOf(change('updated', { changed }), 'audit-trail');
    expect(event?.previous).toMatchObject({ data: { title: 'Melding', status: 'nieuw', note: 'x' }, meta: { updated: '2026-05-15T10:00:00+00:00' } });
    expect(event?.changes).toEqual([
      { path: '/status', op: 'replace', oldValue: 'nieuw', newValue: 'klaar' },
      { path: '/note', op: 'remove', oldValue: 'x' },
    ]);
  });

  it('fetches an object once per page, and again on the next page', async () => {
    const { client, requests } = openRegister({ [UUID]: served({ title: 'Melding' }) });
    const events = new ChangeEvents(client, clock);
    await events.eventOf(change('created'), 'feed');
    await events.eventOf(change('updated'), 'feed');
    expect(requests).toHaveLength(1);
    events.startPage();
    await events.eventOf(change('updated'), 'feed');
    expect(requests).toHaveLength(2);
  });

  it('lets a failed fetch fail the change (the page is read again), without remembering the failure', async () => {
    let fail = true;
    const client = {
      async get() {
        if (fail) throw new OpenRegisterError('unavailable', 'GET answered 503', 503);
        return served({ title: 'Melding' });
      },
    } as unknown as OpenRegisterClient;
    const events = new ChangeEvents(client, clock);
    await expect(events.eventOf(change('created'), 'feed')).rejects.toMatchObject({ failure: 'unavailable' });
    fail = false;
    await expect(events.eventOf(change('created'), 'feed')).resolves.toMatchObject({ type: 'object.created' });
  });

  it('takes an audited creation from its entry, which holds the object as created, without fetching', async () => {
    const { client, requests } = openRegister({});
    const changed = { titel: { old: null, new: 'Melding' }, '@self': { old: null, new: { id: UUID, register: '5', schema: '12', updated: '2026-05-15T11:00:00+00:00' } }, id: { old: null, new: UUID } };
    const event = await new ChangeEvents(client, clock).eventOf(change('created', { changed }), 'audit-trail');
    expect(requests).toEqual([]);
    expect(event).toMatchObject({ type: 'object.created', object: { uuid: UUID, data: { titel: 'Melding' }, meta: { updated: '2026-05-15T11:00:00+00:00' } } });
  });

  it('makes each of two audited updates its own change, from the state the one before produced', async () => {
    const { client } = openRegister({ [UUID]: served({ titel: 'C' }) });
    const store = states({ [UUID]: { uuid: UUID, register: '5', schema: '12', data: { titel: 'A' }, meta: { updated: 't0' } } });
    const events = new ChangeEvents(client, clock, store);
    const first = await events.eventOf(change('updated', { changed: { titel: { old: 'A', new: 'B' }, '@self': { old: { updated: 't0' }, new: { updated: 't1' } } } }), 'audit-trail');
    await store.put(UUID, first!.object!, 0);
    const second = await events.eventOf(change('updated', { changed: { titel: { old: 'B', new: 'C' }, '@self': { old: { updated: 't1' }, new: { updated: 't2' } } } }), 'audit-trail');
    expect([first?.object?.data, second?.object?.data]).toEqual([{ titel: 'B' }, { titel: 'C' }]);
    expect(second?.changes).toEqual([{ path: '/titel', op: 'replace', oldValue: 'B', newValue: 'C' }]);
    expect(second?.object?.meta).toEqual({ updated: 't2' });
  });
});
