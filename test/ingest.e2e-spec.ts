import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { FIXTURE_SENT_AT, loadFixture } from './support/fixtures.js';
import { HandledEvents } from './support/recording.handler.js';
import { expectAnswered, expectRefused, type Refusal } from './support/expectations.js';
import { createdBodyFor, deliveryLineOf, outcomeTotal, signedHeaders } from './support/signed-deliveries.js';
import { useRecordingApp, withRecordingApp } from './support/recording-app.js';
import { deliveryLines, type RawResponse, type TestApp } from './support/test-app.js';

/** A small, valid, signed-able OpenRegister creation (well under 1 kB). */
function smallCreatedBody(uuid: string, title = 'Small'): string {
  const timestamp = new Date(FIXTURE_SENT_AT).toISOString().replace('.000Z', '+00:00');
  return (
    `{"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectCreatedEvent","webhook":{"id":"c0ffee00-0000-4000-8000-000000000001","name":"buildings to GIS"},` +
    `"data":{"objectType":"object","action":"create","object":{"title":${JSON.stringify(title)},"@self":{"id":"${uuid}","register":"5","schema":"12"},"id":"${uuid}"},` +
    `"objectUuid":"${uuid}","register":"5","schema":"12","timestamp":"${timestamp}"},"timestamp":"${timestamp}","attempt":1}`
  );
}

/** Records the headers of every webhook request the app's HTTP server receives, exactly as they arrived. */
function observeWebhookRequests(t: TestApp): IncomingHttpHeaders[] {
  const seen: IncomingHttpHeaders[] = [];
  (t.app.getHttpServer() as Server).prependListener('request', (request) => {
    if (request.method === 'POST' && request.url === '/webhooks/openregister') seen.push({ ...request.headers });
  });
  return seen;
}

/** Every refusal here must also leave the handler untouched. */
function expectRefusedUnhandled(t: TestApp, handled: HandledEvents, send: () => Promise<RawResponse>, expected: Omit<Refusal, 'handled'>): Promise<RawResponse> {
  return expectRefused(t, send, { ...expected, handled });
}

describe('media types', () => {
  const app = useRecordingApp();

  it('takes a delivery with no Content-Type at all, as Nextcloud sends it', async () => {
    const seen = observeWebhookRequests(app.t);
    for (const name of ['nextcloud-node-created', 'nextcloud-openregister-object-updated']) {
      const fixture = loadFixture(name);
      expect(Object.keys(fixture.headers).map((key) => key.toLowerCase())).not.toContain('content-type');
      const response = await expectAnswered(app.t, () => app.t.send(fixture));
      expect(deliveryLineOf(app.t, response)).toMatchObject({ format: 'nextcloud' });
    }
    // What reached the server: really no Content-Type (fetch adds none to a Buffer body).
    expect(seen).toHaveLength(2);
    for (const headers of seen) {
      expect(headers['user-agent']).toMatch(/^Nextcloud/);
      expect(headers).not.toHaveProperty('content-type');
    }
    expect(app.handled.received.map(({ event }) => event.format)).toEqual(['nextcloud', 'nextcloud']);
  });

  it.each([
    ['application/cloudevents+json', 'openregister-cloudevent-created', 'cloudevents'],
    // Another object than the fixtures before it: the same change through another sender would be a duplicate.
    ['application/json; charset=utf-8', 'openregister-object-created-big-numbers', 'openregister'],
    ['APPLICATION/JSON', 'documented-object-updated', 'documented'],
  ])('takes Content-Type %s', async (contentType, name, format) => {
    const seen = observeWebhookRequests(app.t);
    const count = app.handled.received.length;
    const response = await expectAnswered(app.t, () => app.t.send(loadFixture(name), { 'Content-Type': contentType }));
    expect(seen.map((headers) => headers['content-type'])).toEqual([contentType]);
    expect(deliveryLineOf(app.t, response)).toMatchObject({ format });
    expect(app.handled.received).toHaveLength(count + 1);
  });

  it('takes a blank Content-Type as none (Fastify alone would refuse it as an invalid media type)', async () => {
    const seen = observeWebhookRequests(app.t);
    const count = app.handled.received.length;
    const body = createdBodyFor(randomUUID());
    const response = await expectAnswered(app.t, () => app.t.post(body, { ...signedHeaders(body), 'Content-Type': ' ' }));
    expect(seen.map((headers) => headers['content-type']?.trim())).toEqual(['']);
    expect(response.body.status).toBe('processed');
    expect(app.handled.received).toHaveLength(count + 1);
  });

  it.each([['application/x-www-form-urlencoded'], ['text/plain'], ['multipart/form-data; boundary=x'], ['application/']])(
    'refuses Content-Type %s with 415, though correctly signed',
    async (contentType) => {
      const body = createdBodyFor(randomUUID());
      const response = await expectRefusedUnhandled(app.t, app.handled, () => app.t.post(body, { ...signedHeaders(body), 'Content-Type': contentType }), {
        status: 415,
        error: 'unsupported_media_type',
        outcome: 'invalid',
      });
      expect(response.body.message).toContain(contentType);
    },
  );
});

describe('bodies that are not a valid envelope', () => {
  const app = useRecordingApp();

  it('answers 400 `malformed` with the reason to signed bytes that are not JSON', async () => {
    const body = createdBodyFor(randomUUID()).slice(0, 200);
    const response = await expectRefusedUnhandled(app.t, app.handled, () => app.t.post(body, signedHeaders(body)), { status: 400, error: 'malformed', outcome: 'invalid' });
    expect(response.body.message).toMatch(/not valid JSON/);
    expect(response.body.details).toEqual([expect.stringMatching(/JSON/)]);
    expect(deliveryLineOf(app.t, response)?.details).toEqual(response.body.details);
  });

  it('answers 400 `malformed` to a signed JSON array', async () => {
    const body = `[${createdBodyFor(randomUUID())}]`;
    const response = await expectRefusedUnhandled(app.t, app.handled, () => app.t.post(body, signedHeaders(body)), { status: 400, error: 'malformed', outcome: 'invalid' });
    expect(response.body.message).toMatch(/JSON object/);
  });

  it('answers 400 `invalid` naming data.object when the object is not an object', async () => {
    const body = '{"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectCreatedEvent","webhook":{"id":"x"},"data":{"objectType":"object","object":"not-an-object"},"attempt":1}';
    expect(JSON.parse(body).event).toBe('OCA\\OpenRegister\\Event\\ObjectCreatedEvent');
    const response = await expectRefusedUnhandled(app.t, app.handled, () => app.t.post(body, signedHeaders(body)), { status: 400, error: 'invalid', outcome: 'invalid' });
    expect(response.body.details).toEqual(expect.arrayContaining([expect.stringContaining('data.object')]));
    expect(deliveryLineOf(app.t, response)?.details).toEqual(response.body.details);
  });

  it('answers 400 `invalid` with every broken rule of an envelope', async () => {
    const body = '{"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectCreatedEvent","webhook":{"id":""},"data":{"objectType":"object","object":[1]},"attempt":0}';
    const response = await expectRefusedUnhandled(app.t, app.handled, () => app.t.post(body, signedHeaders(body)), { status: 400, error: 'invalid', outcome: 'invalid' });
    expect(response.body.details).toEqual(
      expect.arrayContaining([expect.stringContaining('data.object'), expect.stringContaining('webhook.id'), expect.stringContaining('attempt')]),
    );
  });

  it.each([
    ['an unrelated JSON object', '{"hello":"world","items":[1,2,3]}'],
    ['an event that is a number', '{"event":42,"data":{}}'],
    ['an empty object', '{}'],
  ])('answers 400 `invalid` to %s', async (_label, body) => {
    const response = await expectRefusedUnhandled(app.t, app.handled, () => app.t.post(body, signedHeaders(body)), { status: 400, error: 'invalid', outcome: 'invalid' });
    expect(response.body.details).toEqual([expect.any(String)]);
  });

  it('still takes a valid delivery afterwards', async () => {
    await expectAnswered(app.t, () => app.t.send(loadFixture('openregister-object-created')));
    expect(app.handled.received).toHaveLength(1);
  });
});

describe('body size limit', () => {
  it('answers 413 `too_large` over WEBHOOK_BODY_LIMIT and keeps serving', async () => {
    await withRecordingApp({ WEBHOOK_BODY_LIMIT: '1kb' }, async ({ t, handled }) => {
      const large = createdBodyFor(randomUUID()).replace('"city":"Utrecht"', `"city":"Utrecht","notes":"${'x'.repeat(800)}"`);
      expect(Buffer.byteLength(large)).toBeGreaterThan(2048);
      await expectRefusedUnhandled(t, handled, () => t.post(large, signedHeaders(large)), { status: 413, error: 'too_large', outcome: 'invalid' });

      expect((await t.http.get('/health/live')).status).toBe(200);
      const uuid = randomUUID();
      const small = smallCreatedBody(uuid);
      expect(Buffer.byteLength(small)).toBeLessThan(1024);
      await expectAnswered(t, () => t.post(small, signedHeaders(small)));
      expect(handled.received.map(({ event }) => event.object?.uuid)).toEqual([uuid]);
    });
  });
});

describe('user fields named __proto__', () => {
  it('hands them to the handler as plain own fields and pollutes no prototype', async () => {
    await withRecordingApp({}, async ({ t, handled }) => {
      const uuid = randomUUID();
      const body = createdBodyFor(uuid).replace(
        '"city":"Utrecht"',
        '"city":"Utrecht","__proto__":{"polluted":true}',
      );
      expect(body).toContain('"__proto__":{"polluted":true}');

      await expectAnswered(t, () => t.post(body, signedHeaders(body)));

      expect(handled.received).toHaveLength(1);
      const data = handled.received[0].event.object!.data;
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(data, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toEqual({ polluted: true });
      expect(data.polluted).toBeUndefined();
      expect(data.city).toBe('Utrecht');
      expect(({} as any).polluted).toBeUndefined();
      expect((Object.prototype as any).polluted).toBeUndefined();
    });
  });
});

describe('a broken delivery never takes down the deliveries around it', () => {
  it('answers 20 concurrent deliveries, half of them broken, each on its own', async () => {
    await withRecordingApp({ WEBHOOK_BODY_LIMIT: '4kb' }, async ({ t, handled }) => {
      const valid = Array.from({ length: 10 }, (_, index) => {
        const uuid = randomUUID();
        const body = createdBodyFor(uuid, `Building ${index}`);
        return { uuid, send: () => t.post(body, signedHeaders(body)) };
      });
      const broken: { expected: number; error: string; send: () => Promise<RawResponse> }[] = [];
      for (let index = 0; index < 3; index++) {
        const malformed = createdBodyFor(randomUUID()).slice(0, 300 + index);
        broken.push({ expected: 400, error: 'malformed', send: () => t.post(malformed, signedHeaders(malformed)) });
        const oversized = createdBodyFor(randomUUID()).replace('"city":"Utrecht"', `"city":"Utrecht","notes":"${'y'.repeat(8_000 + index)}"`);
        broken.push({ expected: 413, error: 'too_large', send: () => t.post(oversized, signedHeaders(oversized)) });
      }
      for (let index = 0; index < 4; index++) {
        const unsigned = createdBodyFor(randomUUID());
        broken.push({ expected: 401, error: 'unauthorized', send: () => t.post(unsigned, signedHeaders(unsigned, `wrong-secret-${index}`)) });
      }
      const processedBefore = outcomeTotal(await t.metrics(), 'processed');

      // Interleaved, all in flight at once.
      const all = [...valid.map((entry) => entry.send), ...broken.map((entry) => entry.send)];
      const order = all.map((_, index) => index).sort((a, b) => (a % 2) - (b % 2) || a - b);
      const responses = new Array<RawResponse>(all.length);
      await Promise.all(order.map(async (index) => void (responses[index] = await all[index]())));

      valid.forEach((_, index) => expect({ status: responses[index].status, body: responses[index].body }).toEqual({ status: 200, body: { status: 'processed', deliveryId: expect.any(String) } }));
      broken.forEach(({ expected, error }, index) => {
        const response = responses[valid.length + index];
        expect({ status: response.status, error: response.body.error }).toEqual({ status: expected, error });
      });
      // Every valid delivery handled exactly once; no broken one reached a handler.
      expect(handled.received.map(({ event }) => event.object?.uuid).sort()).toEqual(valid.map(({ uuid }) => uuid).sort());
      expect(outcomeTotal(await t.metrics(), 'processed')).toBe(processedBefore + 10);
      // One outcome line for each delivery, none mixed up with another.
      expect(new Set(deliveryLines(t.logs).map((line) => line.deliveryId))).toEqual(new Set(responses.map((response) => response.body.deliveryId)));
      expect(deliveryLines(t.logs)).toHaveLength(20);

      expect((await t.http.get('/health/live')).status).toBe(200);
      const after = smallCreatedBody(randomUUID());
      await expectAnswered(t, () => t.post(after, signedHeaders(after)));
    });
  });
});

describe('user fields named like Object.prototype members', () => {
  it.each([
    ['constructor', '{"prototype":{"pollutedToo":true}}'],
    ['constructor', '"Bouwbedrijf Jansen"'],
  ])('takes a user field %s: %s like any other field (200 processed, handled, nothing polluted)', async (name, value) => {
    await withRecordingApp({}, async ({ t, handled }) => {
      const body = createdBodyFor(randomUUID()).replace('"city":"Utrecht"', `"city":"Utrecht","${name}":${value}`);
      await expectAnswered(t, () => t.post(body, signedHeaders(body)));
      expect(Object.getOwnPropertyDescriptor(handled.received[0].event.object!.data, name)?.value).toEqual(JSON.parse(value));
      expect(({} as any).pollutedToo).toBeUndefined();
    });
  });
});
