import { describe, expect, it } from '@jest/globals';
import { fixtureNames, loadFixture } from './support/fixtures.js';
import { useRecordingApp, withRecordingApp } from './support/recording-app.js';
import { deliveryLines, metricValue } from './support/test-app.js';

/** What each real sender's delivery must become. */
const EXPECTED: Record<string, { format: string; event: string; status: string; objectUuid?: string; handled: boolean }> = {
  'openregister-object-created': { format: 'openregister', event: 'object.created', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'openregister-object-updated': { format: 'openregister', event: 'object.updated', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'openregister-cloudevent-created': { format: 'cloudevents', event: 'object.created', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'openregister-test': { format: 'openregister', event: 'test', status: 'ignored', handled: false },
  'nextcloud-node-created': { format: 'nextcloud', event: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent', status: 'processed', handled: true },
  // Credentials inside the payload (what happens to them: test/redaction.e2e-spec.ts).
  'nextcloud-node-created-with-tokens': { format: 'nextcloud', event: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent', status: 'processed', handled: true },
  'openregister-cloudevent-intercepted-creating': { format: 'cloudevents', event: 'object.creating', status: 'processed', handled: true },
  'nextcloud-openregister-object-updated': { format: 'nextcloud', event: 'object.updated', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'documented-object-updated': { format: 'documented', event: 'object.updated', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  // OpenRegister's retry job: the earlier attempt's envelope wrapped in a new one (once, or twice).
  'openregister-retry-created': { format: 'openregister', event: 'object.created', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'openregister-cloudevent-retry-created': { format: 'cloudevents', event: 'object.created', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'openregister-retry-updated': { format: 'openregister', event: 'object.updated', status: 'processed', objectUuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', handled: true },
  'openregister-object-created-big-numbers': { format: 'openregister', event: 'object.created', status: 'processed', objectUuid: '7d1e0c9a-3b2f-4e8d-a1c6-9f8e7d6c5b4a', handled: true },
  // A schema's x-openregister-notifications rule, channel webhook: the shared example and one as sent.
  'openregister-schema-notification': { format: 'notification', event: 'object.updated', status: 'processed', objectUuid: '7c1f0b52-3a4e-4c7d-9b8e-2f5a6d1e0c93', handled: true },
  'openregister-schema-notification-as-sent': { format: 'notification', event: 'object.updated', status: 'processed', objectUuid: '3e5a9d7c-1b2f-4a6e-8c0d-5f4e3d2c1b0a', handled: true },
};

describe('every real sender shape, byte-exact, through the booted app', () => {
  const app = useRecordingApp();

  it('has an expectation for every fixture', () => {
    expect(fixtureNames().sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('%s', async (name) => {
    const expected = EXPECTED[name];
    const fixture = loadFixture(name);
    const labels = { format: expected.format, event: expected.event, outcome: expected.status };
    // Several fixtures carry the same change in different envelopes: each gets a fresh app.
    await withRecordingApp({}, async ({ t: fresh, handled: handledHere }) => {
      const metricBefore = metricValue(await fresh.metrics(), 'webhook_deliveries_total', labels);

      const response = await fresh.send(fixture);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: expected.status, deliveryId: expect.any(String) });
      const line = deliveryLines(fresh.logs).find((entry) => entry.deliveryId === response.body.deliveryId);
      expect(line).toMatchObject({ outcome: expected.status, event: expected.event, format: expected.format, status: 200 });
      if (expected.objectUuid) expect(line?.objectUuid).toBe(expected.objectUuid);
      expect(metricValue(await fresh.metrics(), 'webhook_deliveries_total', labels)).toBe(metricBefore + 1);

      expect(handledHere.received).toHaveLength(expected.handled ? 1 : 0);
      if (expected.handled) {
        expect(handledHere.received[0].event.type).toBe(expected.event);
        expect(handledHere.received[0].context).toMatchObject({ deliveryId: response.body.deliveryId, attempt: 1 });
      }
    });
  });

  it('takes all fixtures one after another in one app, the same change in two envelopes once', async () => {
    const statuses: Record<string, string> = {};
    for (const name of Object.keys(EXPECTED)) statuses[name] = (await app.t.send(loadFixture(name))).body.status;
    expect(statuses['openregister-object-created']).toBe('processed');
    // The CloudEvents delivery carries the very same creation: recognised as already app.handled.
    expect(statuses['openregister-cloudevent-created']).toBe('duplicate');
    expect(statuses['openregister-object-updated']).toBe('processed');
    // OpenRegister's resends of that creation, in either format, too.
    expect(statuses['openregister-retry-created']).toBe('duplicate');
    expect(statuses['openregister-cloudevent-retry-created']).toBe('duplicate');
    // The same update through Nextcloud: the object in the same state, so the same change (ADR 0005).
    expect(statuses['nextcloud-openregister-object-updated']).toBe('duplicate');
    expect(app.handled.received.map(({ event }) => `${event.format} ${event.type}`)).toEqual([
      'openregister object.created',
      'openregister object.updated',
      'nextcloud OCP\\Files\\Events\\Node\\NodeCreatedEvent',
      'nextcloud OCP\\Files\\Events\\Node\\NodeCreatedEvent',
      'cloudevents object.creating',
      'documented object.updated',
      'openregister object.updated',
      'openregister object.created',
      'notification object.updated',
      'notification object.updated',
    ]);
  });

  it('hands the handler user fields exactly as sent, metadata apart', async () => {
    const fixture = loadFixture('nextcloud-openregister-object-updated');
    // A fresh app, so the earlier run of this fixture is not a duplicate here.
    await withRecordingApp({}, async ({ t: fresh, handled }) => {
      expect((await fresh.send(fixture)).status).toBe(200);
      const [{ event }] = handled.received;
      expect(event.object).toEqual({
        uuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f',
        register: '5',
        schema: '12',
        data: {
          title: 'Stadhuis Utrecht',
          city: 'Utrecht',
          'café': 'Café de Zaak',
          tags: ['monument'],
          address: { street: 'Korte Minrebroederstraat', number: 2 },
        },
        meta: expect.objectContaining({ version: '1.0.3', description: 1042, owner: 'admin' }),
      });
      expect(event.previous?.data.tags).toEqual(['monument', 'open']);
      expect(event.changes).toEqual([{ path: '/tags/1', op: 'remove', oldValue: 'open' }]);
      expect(event.user).toEqual({ uid: 'admin', displayName: 'Administrator' });
    });
  });

  it('writes an audit line with the changes for each app.handled event', async () => {
    // An app of its own: what this test sees does not depend on which tests ran before it.
    await withRecordingApp({}, async ({ t: fresh, handled }) => {
      for (const name of Object.keys(EXPECTED)) await fresh.send(loadFixture(name));
      const audit = fresh.logs.filter((line) => line.audit === true);
      const handledIds = handled.received.map(({ context }) => context.deliveryId);
      expect(handledIds.length).toBeGreaterThan(0);
      expect(audit.map((line) => line.deliveryId)).toEqual(handledIds);
      const updates = audit.filter((line) => line.event === 'object.updated' && Array.isArray(line.changes));
      expect(updates.some((line) => JSON.stringify(line.changes).includes('/description'))).toBe(true);
    });
  });
});
