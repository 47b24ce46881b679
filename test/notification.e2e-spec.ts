import { describe, expect, it } from '@jest/globals';
import { NO_TOKENS_CONFIGURED } from '../src/auth/webhook-authenticator.js';
import { loadFixture } from './support/fixtures.js';
import { expectAnswered, expectRefused } from './support/expectations.js';
import { createdBodyFor, deliveryLineOf, signedHeaders } from './support/signed-deliveries.js';
import { useRecordingApp } from './support/recording-app.js';

/** OpenRegister's schema notification (channel `webhook`): the shared example and one as the development branch writes it. */
const shared = loadFixture('openregister-schema-notification');
const asSent = loadFixture('openregister-schema-notification-as-sent');
const AS_SENT_UUID = '3e5a9d7c-1b2f-4a6e-8c0d-5f4e3d2c1b0a';
/** What a rule with trigger `created` adds to its `webhook.headers` so its notifications read as creations. */
const CREATED = { 'X-OpenRegister-Trigger': 'created' };

describe('schema notifications through the booted app', () => {
  const app = useRecordingApp();

  it('takes the shared fixture, bytes and headers as they are, and hands the handler the typed event', async () => {
    const response = await expectAnswered(app.t, () => app.t.send(shared));
    expect(deliveryLineOf(app.t, response)).toMatchObject({ format: 'notification', event: 'object.updated', objectUuid: '7c1f0b52-3a4e-4c7d-9b8e-2f5a6d1e0c93' });
    expect(app.handled.received).toHaveLength(1);
    expect(app.handled.received[0].event).toEqual({
      type: 'object.updated',
      eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
      format: 'notification',
      occurredAt: '2026-05-15T10:00:00.000Z',
      register: '5',
      schema: '12',
      object: { uuid: '7c1f0b52-3a4e-4c7d-9b8e-2f5a6d1e0c93', register: '5', schema: '12', data: { titel: 'Melding', status: 'in behandeling' }, meta: {} },
      payload: { notification: 'melding-gewijzigd', subject: 'Melding bijgewerkt', recipients: ['admin'], context: { event: 'updated', actor: 'admin' } },
    });
    expect(app.handled.received[0].context).toMatchObject({ deliveryId: response.body.deliveryId, attempt: 1 });
  });

  it('answers the same bytes twice with duplicate, and runs the handler once', async () => {
    const first = await expectAnswered(app.t, () => app.t.send(asSent));
    const second = await expectAnswered(app.t, () => app.t.send(asSent), 'duplicate');
    expect(second.body.originalDeliveryId).toBe(first.body.deliveryId);
    expect(app.handled.received).toHaveLength(1);
    expect(app.handled.received[0].event).toMatchObject({ type: 'object.updated', format: 'notification', object: { uuid: AS_SENT_UUID } });
  });

  it('refuses one without its token (401) and runs nothing', async () => {
    await expectRefused(app.t, () => app.t.send(asSent, { Authorization: undefined }), { status: 401, error: 'unauthorized', outcome: 'unauthorized', detail: 'no credentials presented', handled: app.handled });
    await expectRefused(app.t, () => app.t.send(asSent, { Authorization: 'Bearer not-the-token' }), { status: 401, error: 'unauthorized', outcome: 'unauthorized', detail: 'the token is not valid', handled: app.handled });
  });

  it('refuses one without object.uuid (400) with the reason', async () => {
    const body = asSent.body.toString('latin1').replace(`"uuid":"${AS_SENT_UUID}",`, '');
    await expectRefused(app.t, () => app.t.post(body, asSent.headers), { status: 400, error: 'invalid', outcome: 'invalid', detail: 'object.uuid must be a string', handled: app.handled });
  });

  it('refuses an X-OpenRegister-Trigger that is no trigger type (400)', async () => {
    await expectRefused(app.t, () => app.t.send(asSent, { 'X-OpenRegister-Trigger': 'create' }), { status: 400, error: 'invalid', outcome: 'invalid', detail: /^X-OpenRegister-Trigger must be one of/, handled: app.handled });
  });
});

describe('a schema notification and a webhook about one creation', () => {
  const app = useRecordingApp({}, { per: 'test' });

  it('answers the notification after the webhook of that creation with duplicate: the handlers ran once', async () => {
    const webhook = createdBodyFor(AS_SENT_UUID);
    const first = await expectAnswered(app.t, () => app.t.post(webhook, signedHeaders(webhook)));
    const second = await expectAnswered(app.t, () => app.t.send(asSent, CREATED), 'duplicate');
    expect(second.body.originalDeliveryId).toBe(first.body.deliveryId);
    expect(deliveryLineOf(app.t, second)).toMatchObject({ format: 'notification', event: 'object.created', objectUuid: AS_SENT_UUID });
    expect(app.handled.received.map(({ event }) => `${event.format} ${event.type} ${event.object?.uuid}`)).toEqual([`openregister object.created ${AS_SENT_UUID}`]);
  });

  it('and the webhook after the notification the same way', async () => {
    const first = await expectAnswered(app.t, () => app.t.send(asSent, CREATED));
    const webhook = createdBodyFor(AS_SENT_UUID);
    const second = await expectAnswered(app.t, () => app.t.post(webhook, signedHeaders(webhook)), 'duplicate');
    expect(second.body.originalDeliveryId).toBe(first.body.deliveryId);
    expect(app.handled.received.map(({ event }) => `${event.format} ${event.type}`)).toEqual(['notification object.created']);
  });

  it('runs the handlers again for a notification without the header: the body alone cannot tell a creation from an update', async () => {
    const webhook = createdBodyFor(AS_SENT_UUID);
    await expectAnswered(app.t, () => app.t.post(webhook, signedHeaders(webhook)));
    await expectAnswered(app.t, () => app.t.send(asSent));
    expect(app.handled.received.map(({ event }) => `${event.format} ${event.type}`)).toEqual(['openregister object.created', 'notification object.updated']);
  });
});

describe('a schema notification where only HMAC secrets are set', () => {
  const app = useRecordingApp({ WEBHOOK_TOKENS: '' });

  it('is refused (401) with what to configure: it carries no signature, and a secret is no token', async () => {
    await expectRefused(app.t, () => app.t.send(asSent), { status: 401, error: 'unauthorized', outcome: 'unauthorized', detail: NO_TOKENS_CONFIGURED, handled: app.handled });
    await expectRefused(app.t, () => app.t.send(asSent, { Authorization: undefined }), { status: 401, error: 'unauthorized', outcome: 'unauthorized', detail: /^no credentials presented; .*WEBHOOK_TOKENS/, handled: app.handled });
  });
});
