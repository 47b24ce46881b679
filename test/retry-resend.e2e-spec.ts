import { describe, expect, it } from '@jest/globals';
import { FIXTURE_SENT_AT, loadFixture } from './support/fixtures.js';
import { useAppsPerTest } from './support/recording-app.js';
import type { HandledEvents } from './support/recording.handler.js';
import { deliveryLineOf, FIXTURE_OBJECT_UUID, signedHeaders } from './support/signed-deliveries.js';
import { TestClock, type TestApp } from './support/test-app.js';

// OpenRegister's retry job re-sends the logged envelope of the failed attempt wrapped in a new one
// (test/fixtures/generate-php-fixtures.php writes these bodies with PHP's json_encode).
const CREATED = loadFixture('openregister-object-created');
const CLOUDEVENT_CREATED = loadFixture('openregister-cloudevent-created');
const RETRY = loadFixture('openregister-retry-created');
const CLOUDEVENT_RETRY = loadFixture('openregister-cloudevent-retry-created');
const THIRD_ATTEMPT = loadFixture('openregister-retry-updated');
/** When the retries' outer envelopes say they were sent (the inner ones keep the first attempt's). */
const RETRY_SENT_AT = Date.parse('2026-03-02T09:17:27Z');

describe("OpenRegister's retry resend, through the booted app", () => {
  const apps = useAppsPerTest();

  async function start(env: Record<string, string> = {}, clock?: TestClock): Promise<{ app: TestApp; handled: HandledEvents }> {
    const { t, handled } = await apps.start(env, { clock });
    return { app: t, handled };
  }

  it.each([
    ['standard', CREATED, RETRY],
    ['CloudEvents', CLOUDEVENT_CREATED, CLOUDEVENT_RETRY],
    ['CloudEvents retry of a standard first attempt', CREATED, CLOUDEVENT_RETRY],
  ])('%s: a resend of a change already taken is a duplicate, and no handler runs again', async (_name, first, retry) => {
    const { app, handled } = await start();
    const taken = await app.send(first);
    expect(taken.body.status).toBe('processed');

    const resent = await app.send(retry);

    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ status: 'duplicate' });
    expect(deliveryLineOf(app, resent)).toMatchObject({ outcome: 'duplicate', event: 'object.created', objectUuid: FIXTURE_OBJECT_UUID });
    expect(handled.received).toHaveLength(1);
  });

  it.each([
    ['standard', RETRY, 'openregister'],
    ['CloudEvents', CLOUDEVENT_RETRY, 'cloudevents'],
  ])('%s: a resend whose first attempt never arrived runs, with its object, as the first attempt would have', async (_name, retry, format) => {
    const { app, handled } = await start();

    const response = await app.send(retry);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'processed' });
    expect(deliveryLineOf(app, response)).toMatchObject({ format, event: 'object.created', objectUuid: FIXTURE_OBJECT_UUID });
    expect(handled.received).toHaveLength(1);
    const { event } = handled.received[0];
    expect(event).toMatchObject({ type: 'object.created', format, register: '5', schema: '12', occurredAt: '2026-03-02T09:15:27.000Z' });
    expect(event.object).toMatchObject({ uuid: FIXTURE_OBJECT_UUID, data: { title: 'Stadhuis Utrecht', café: 'Café de Zaak' }, meta: { version: '1.0.2' } });
    expect(event.webhook).toEqual({ id: 'c0ffee00-0000-4000-8000-000000000001', name: 'buildings to GIS' });
  });

  it('a first attempt after its own resend is the duplicate', async () => {
    const { app, handled } = await start();
    expect((await app.send(RETRY)).body.status).toBe('processed');
    expect((await app.send(CREATED)).body.status).toBe('duplicate');
    expect(handled.received).toHaveLength(1);
  });

  it('unwraps a third attempt, wrapped twice, to the update it carries', async () => {
    const { app, handled } = await start();

    const response = await app.send(THIRD_ATTEMPT);

    expect(response.body).toMatchObject({ status: 'processed' });
    expect(handled.received.map(({ event }) => [event.type, event.object?.uuid, event.object?.data.title, event.object?.meta.version])).toEqual([
      ['object.updated', FIXTURE_OBJECT_UUID, 'Stadhuis Utrecht (gerestaureerd)', '1.0.4'],
    ]);
    expect((await app.send(THIRD_ATTEMPT)).body.status).toBe('duplicate');
  });

  it("judges the replay window by the outer envelope's timestamp, when this attempt was sent", async () => {
    // 250 s after the resend was sent: the first attempt's own timestamp inside it is 370 s old.
    const clock = new TestClock(RETRY_SENT_AT + 250_000);
    const { app } = await start({}, clock);
    expect((await app.send(RETRY)).body.status).toBe('processed');
    expect((await app.send(CREATED)).status).toBe(401);

    // 200 s before the first attempt: inside the window for the inner timestamp, not for the outer.
    clock.time = FIXTURE_SENT_AT - 200_000;
    expect((await app.send(CLOUDEVENT_RETRY)).status).toBe(401);
    expect((await app.send(CLOUDEVENT_CREATED)).body.status).toBe('duplicate');
  });

  it('refuses a change of one byte inside the wrapped envelope', async () => {
    const { app } = await start();
    const body = Buffer.from(RETRY.body);
    const at = body.indexOf('Stadhuis Utrecht');
    body[at] = 'Z'.charCodeAt(0);
    expect((await app.post(body, RETRY.headers)).status).toBe(401);
  });

  it('refuses envelopes wrapped more than 32 times with a 400 naming the limit, and takes 32', async () => {
    const { app, handled } = await start();
    const wrap = (times: number) => {
      let text = CREATED.body.toString('latin1');
      for (let attempt = 2; attempt <= times + 1; attempt++) {
        text = `{"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectCreatedEvent","webhook":{"id":"w","name":"n"},"data":${text},"timestamp":"2026-03-02T09:15:27+00:00","attempt":${attempt}}`;
      }
      return text;
    };

    const refused = await app.post(wrap(33), signedHeaders(wrap(33)));
    const taken = await app.post(wrap(32), signedHeaders(wrap(32)));

    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid', message: 'Retry envelopes are nested deeper than 32' });
    expect(taken.body).toMatchObject({ status: 'processed' });
    expect(handled.received[0].event.object?.uuid).toBe(FIXTURE_OBJECT_UUID);
  });

  it('validates the inner envelope too', async () => {
    const { app } = await start();
    const body = RETRY.body.toString('latin1').replace('"attempt":1}', '"attempt":0}');
    const response = await app.post(body, signedHeaders(body));
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([expect.stringMatching(/^attempt/)]);
  });

  it('takes a queued resend of a change already taken as a duplicate too', async () => {
    const { app } = await start({ DELIVERY_MODE: 'queued' });
    expect((await app.send(CREATED)).status).toBe(202);
    const resent = await app.send(RETRY);
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ status: 'duplicate' });
  });
});
