import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { signHmac } from '../src/auth/hmac-signature.js';
import { loadFixture } from './support/fixtures.js';
import { basicAuth as auth, useFakeOpenRegister } from './support/fake-openregister-client.js';

/**
 * Proves the fake OpenRegister's webhooks, Nextcloud's compression and the fault injection
 * against OpenRegister's real source, through real HTTP.
 */

const t = useFakeOpenRegister();

const CREATED_EVENT = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';

describe('compression', () => {
  it('gzips every 200 JSON answer when the client accepts gzip, and labels big object lists gzip even when it did not', async () => {
    for (let i = 0; i < 11; i++) await t.fake.createObject(t.registerId, t.schemaId, { n: i });
    const viaFetch = await t.api('/realtime/events');
    expect(((await viaFetch.json()) as { events: unknown[] }).events).toHaveLength(11);
    expect(t.fake.requests.at(-1)).toMatchObject({ acceptsGzip: true, contentEncoding: 'gzip' });

    const gzipped = await t.raw('/audit-trails', { ...auth(), 'Accept-Encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gzipped.body).toString()).total).toBe(11);
    const plain = await t.raw('/audit-trails');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(t.fake.requests.at(-1)!.acceptsGzip).toBe(false);

    // ObjectsController's own label: a plain body that says it is gzip.
    const labelled = await t.raw(`/objects/${t.registerId}/${t.schemaId}`);
    expect(labelled.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(labelled.body.toString()).results).toHaveLength(11);
  });
});

describe('webhooks', () => {
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; body: string }[];
  let receiverUrl: string;

  beforeEach(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(500).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/webhooks/openregister`;
  });
  afterEach(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('validates and masks on POST /webhooks', async () => {
    const missing = await t.api('/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe('{"error":"Name and URL are required"}');
    const created = await t.api('/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'gis', url: receiverUrl, events: JSON.stringify([CREATED_EVENT]), secret: 's3cret' }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 1, name: 'gis', events: [CREATED_EVENT], secret: '***', enabled: true, method: 'POST', timeout: 30 });
    expect((await t.json('/webhooks')).total).toBe(1);
  });

  it('delivers ObjectCreatedEvent signed, in the fixture\'s shape, inside the create; updates and deletes send nothing', async () => {
    t.fake.addWebhook({ name: 'gis', url: receiverUrl, events: [CREATED_EVENT], secret: 's3cret' });
    t.fake.addWebhook({ name: 'other', url: receiverUrl, events: ['OCA\\OpenRegister\\Event\\ObjectUpdatedEvent'] });
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { title: 'Café/Zaak' });
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received;
    expect(headers['x-webhook-signature']).toBe(signHmac('s3cret', body));
    expect(headers['user-agent']).toBe('OpenRegister-Webhooks/1.0');
    expect(body).toContain('"title":"Caf\\u00e9\\/Zaak"');
    const fixture = JSON.parse(loadFixture('openregister-object-created').body.toString());
    const envelope = JSON.parse(body);
    expect(Object.keys(envelope)).toEqual(Object.keys(fixture));
    expect(Object.keys(envelope.data)).toEqual(Object.keys(fixture.data));
    // development's @self: master's keys (the fixture's) plus mail…deck.
    expect(Object.keys(envelope.data.object['@self']).slice(0, Object.keys(fixture.data.object['@self']).length)).toEqual(Object.keys(fixture.data.object['@self']));
    expect(envelope).toMatchObject({ event: CREATED_EVENT, webhook: { name: 'gis' }, attempt: 1, data: { objectUuid: uuid, register: String(t.registerId), action: 'create' } });
    t.fake.updateObject(uuid, { title: 'b' });
    t.fake.softDelete(uuid);
    t.fake.purge(uuid);
    expect(received).toHaveLength(1);
    // The receiver's 500 still counts as delivered (http_errors => false).
    expect(t.fake.webhookDeliveries.map((delivery) => [delivery.status, delivery.delivered])).toEqual([[500, true]]);
  });

  it('test button: TestEvent delivered → success; unreachable → 500 and the delivery is logged as lost', async () => {
    const id = t.fake.addWebhook({ name: 'gis', url: receiverUrl, secret: 's3cret' });
    const ok = await t.api(`/webhooks/${id}/test`, { method: 'POST' });
    expect(await ok.json()).toEqual({ success: true, message: 'Test webhook delivered successfully' });
    expect(JSON.parse(received[0].body)).toMatchObject({ event: 'OCA\\OpenRegister\\Event\\TestEvent', data: { test: true, message: 'This is a test webhook from OpenRegister' } });
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    receiver.listen(0);
    const lost = t.fake.addWebhook({ name: 'gone', url: receiverUrl });
    await t.fake.createObject(t.registerId, t.schemaId, { title: 'x' });
    const failed = await t.api(`/webhooks/${lost}/test`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ success: false, message: expect.stringMatching(/^cURL error 7: Failed to connect to 127\.0\.0\.1 port \d+/) });
    expect(t.fake.webhookDeliveries.filter((delivery) => !delivery.delivered).map((delivery) => delivery.error)).toHaveLength(3);
  });
});

describe('fault injection', () => {
  it('fails the next matching requests with Retry-After, and hangs others', async () => {
    t.fake.failNext(2, { status: 429, retryAfter: 7, path: /realtime/ });
    const first = await t.api('/realtime/cursor');
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await t.api('/registers')).status).toBe(200);
    expect((await t.api('/realtime/events')).status).toBe(429);
    expect((await t.api('/realtime/events')).status).toBe(200);
    const release = t.fake.hang(/audit-trails/);
    await expect(t.api('/audit-trails', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    release();
    expect((await t.api('/audit-trails')).status).toBe(200);
  });
});
