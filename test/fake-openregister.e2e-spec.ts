import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { signHmac } from '../src/auth/hmac-signature.js';
import { loadFixture } from './support/fixtures.js';
import { startFakeOpenRegister, type FakeOpenRegister } from './support/fake-openregister.js';

/**
 * Proves the fake OpenRegister against the facts read from OpenRegister's real source
 * (/work/research/openregister-api.md) through real HTTP, so specs built on it test against
 * OpenRegister's behaviour and not against a guess.
 */

const CREATED_EVENT = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';

let fake: FakeOpenRegister;
let registerId: number;
let schemaId: number;

const auth = (user = 'admin', password = 'app-password') => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const api = (path: string, init: RequestInit = {}) => fetch(`${fake.apiUrl}${path}`, { ...init, headers: { ...auth(), ...(init.headers as Record<string, string>) } });
const json = async (path: string): Promise<any> => (await api(path)).json();

/** A request without fetch's implicit `Accept-Encoding`, so the bytes come back as sent. */
function raw(path: string, headers: Record<string, string> = auth()): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${fake.apiUrl}${path}`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

beforeEach(async () => {
  fake = await startFakeOpenRegister();
  registerId = fake.addRegister({ slug: 'gebouwen' });
  schemaId = fake.addSchema({ slug: 'gebouw', register: registerId });
});
afterEach(() => fake.close());

describe('auth and catalogue', () => {
  it('answers 401 with Nextcloud\'s message on non-public routes without or with wrong credentials', async () => {
    for (const path of ['/realtime/cursor', '/registers', '/audit-trails', '/webhooks']) {
      for (const headers of [{}, auth('admin', 'wrong')]) {
        const response = await fetch(`${fake.apiUrl}${path}`, { headers });
        expect(response.status).toBe(401);
        expect(await response.text()).toBe('{"message":"Current user is not logged in"}');
      }
    }
    expect(fake.requests.at(-1)!.user).toBeNull();
  });

  it('serves the public pages (schemas index, object show) anonymously', async () => {
    const uuid = await fake.createObject(registerId, schemaId, { title: 'Stadhuis' });
    expect((await fetch(`${fake.apiUrl}/schemas`)).status).toBe(200);
    expect((await fetch(`${fake.apiUrl}/objects/${registerId}/${schemaId}/${uuid}`)).status).toBe(200);
    expect(fake.auditEntries().at(-1)).toMatchObject({ action: 'read', user: 'System', userName: 'System' });
  });

  it('lists registers and schemas with numeric ids', async () => {
    const registers = await json('/registers');
    expect(registers).toEqual({ results: [expect.objectContaining({ id: registerId, slug: 'gebouwen', schemas: [schemaId], uuid: expect.any(String) })] });
    const schemas = await json('/schemas');
    expect(schemas.results[0]).toMatchObject({ id: schemaId, slug: 'gebouw', '@self': { extendedBy: [] } });
  });
});

describe('objects', () => {
  it('renders ObjectEntity::jsonSerialize with show()\'s empty stripping, by id or slug', async () => {
    fake.clock.set('2026-05-15T09:40:44Z');
    const uuid = await fake.createObject(registerId, schemaId, { title: 'Stadhuis', note: '', tags: [], count: 0 });
    for (const path of [`/objects/${registerId}/${schemaId}/${uuid}`, `/objects/gebouwen/gebouw/${uuid}`]) {
      const text = await (await api(path)).text();
      expect(text).toBe(
        `{"title":"Stadhuis","count":0,"@self":{"id":"${uuid}","name":"${uuid}","description":1,` +
          `"uri":"${fake.url.replaceAll('/', '\\/')}\\/index.php\\/apps\\/openregister\\/api\\/objects\\/${registerId}\\/${schemaId}\\/${uuid}",` +
          `"register":"${registerId}","schema":"${schemaId}","owner":"admin","organisation":"${fake.organisation}",` +
          `"updated":"2026-05-15T09:40:44+00:00","created":"2026-05-15T09:40:44+00:00"},"id":"${uuid}"}`,
      );
    }
    expect((await json(`/objects/${registerId}/${schemaId}/${uuid}?_empty=true`))['@self']).toHaveProperty('deleted', []);
  });

  it('changes @self.updated on an update only when the second changes, as PHP\'s format(\'c\') does', async () => {
    fake.clock.set('2026-05-15T09:40:44.100Z');
    const uuid = await fake.createObject(registerId, schemaId, { title: 'a' });
    fake.clock.advance(500);
    fake.updateObject(uuid, { title: 'b' });
    expect((fake.getObject(uuid)!['@self'] as any).updated).toBe('2026-05-15T09:40:44+00:00');
    fake.clock.advance(1000);
    fake.updateObject(uuid, { title: 'c' });
    expect((fake.getObject(uuid)!['@self'] as any).updated).toBe('2026-05-15T09:40:45+00:00');
    const [create, sameSecond, nextSecond] = fake.auditEntries();
    expect(Object.keys(create.changed)).toEqual(['title', '@self', 'id']);
    // Same second: @self is identical, so only the field changed.
    expect(Object.keys(sameSecond.changed)).toEqual(['title']);
    expect(Object.keys(nextSecond.changed)).toEqual(['title', '@self']);
  });

  it('soft delete: or.object.updated, audit delete, then 404 {"error":"Not Found"}; purge: or.object.deleted and no audit', async () => {
    const uuid = await fake.createObject(registerId, schemaId, { title: 'Stadhuis' });
    expect(() => fake.purge(uuid)).toThrow('Object is not deleted');
    const deleted = fake.softDelete(uuid, { by: 'alice' });
    expect(Object.keys(deleted)).toEqual(['deletedBy', 'deletedAt', 'objectId', 'organisation']);
    expect(deleted).toMatchObject({ deletedBy: 'alice', objectId: uuid, organisation: fake.organisation });
    const response = await api(`/objects/${registerId}/${schemaId}/${uuid}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"error":"Not Found"}');
    fake.purge(uuid);
    expect((await api(`/objects/${registerId}/${schemaId}/${uuid}`)).status).toBe(404);
    expect(fake.feedEvents().map((event) => event.type)).toEqual(['or.object.created', 'or.object.updated', 'or.object.deleted']);
    expect(fake.auditEntries().map((entry) => [entry.action, entry.changed])).toEqual([['create', expect.any(Object)], ['delete', []]]);
  });

  it('restore writes nothing; transition writes updated then transitioned with {action, from, to}', async () => {
    const uuid = await fake.createObject(registerId, schemaId, { status: 'draft' });
    fake.softDelete(uuid);
    fake.restore(uuid);
    fake.transition(uuid, { action: 'publish', from: 'draft', to: 'published', fields: { status: 'published' } });
    const events = fake.feedEvents();
    expect(events.map((event) => event.type)).toEqual(['or.object.created', 'or.object.updated', 'or.object.updated', 'or.object.transitioned']);
    expect((events[3].data as any).extra).toEqual({ action: 'publish', from: 'draft', to: 'published' });
    expect(fake.auditEntries().map((entry) => entry.action)).toEqual(['create', 'delete', 'update']);
  });
});

describe('realtime feed', () => {
  it('pages ascending with the controller\'s limit clamp, hasMore = page full, cursor = last id or since', async () => {
    for (let i = 0; i < 5; i++) await fake.createObject(registerId, schemaId, { n: i });
    const first = await json('/realtime/events?limit=2');
    expect(first.events.map((event: any) => event._cursor)).toEqual([1, 2]);
    expect(first).toMatchObject({ cursor: 2, hasMore: true });
    expect(await json('/realtime/events?since=2&limit=3')).toMatchObject({ cursor: 5, hasMore: true });
    expect(await json('/realtime/events?since=5&limit=3')).toEqual({ events: [], cursor: 5, hasMore: false });
    expect((await json('/realtime/events?since=3')).hasMore).toBe(false);
    expect((await json('/realtime/events?limit=0')).events).toHaveLength(1);
    expect((await json('/realtime/events?since=abc')).events).toHaveLength(5);
    expect(await json('/realtime/cursor')).toEqual({ cursor: 5 });
  });

  it('writes every CloudEvent key plus _cursor; filters compare numeric ids as strings', async () => {
    const other = fake.addSchema({ slug: 'straat' });
    const uuid = await fake.createObject(registerId, schemaId, { title: 'x' });
    await fake.createObject(registerId, other, { title: 'y' });
    const [event] = (await json(`/realtime/events?schema=${schemaId}`)).events;
    expect(Object.keys(event)).toEqual(['specversion', 'type', 'source', 'subject', 'id', 'time', 'datacontenttype', 'data', '_cursor']);
    expect(event).toMatchObject({ specversion: '1.0', type: 'or.object.created', source: `${fake.url}/apps/openregister`, subject: `urn:nl-or:127-0-0-1:gebouwen:gebouw:${uuid}`, datacontenttype: 'application/json', _cursor: 1 });
    expect(event.id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.data).toEqual({ register: String(registerId), schema: String(schemaId), uuid, urn: event.subject, organisation: fake.organisation, owner: 'admin', actor: 'admin', extra: [] });
    expect((await json('/realtime/events?schema=gebouw')).events).toEqual([]);
    expect((await json('/realtime/events?schema=')).events).toHaveLength(2);
  });

  it('prunes silently: an old cursor just gets what is left', async () => {
    for (let i = 0; i < 4; i++) await fake.createObject(registerId, schemaId, { n: i });
    expect(fake.pruneFeed(3)).toBe(2);
    expect((await json('/realtime/events?since=1')).events.map((event: any) => event._cursor)).toEqual([3, 4]);
  });

  it('answers 404 on builds without the feed, and the toggle switches it', async () => {
    const old = await startFakeOpenRegister({ feedAvailable: false });
    try {
      const response = await fetch(`${old.apiUrl}/realtime/cursor`, { headers: auth() });
      expect(response.status).toBe(404);
      expect((await fetch(`${old.apiUrl}/audit-trails`, { headers: auth() })).status).toBe(200);
    } finally {
      await old.close();
    }
    fake.setFeedAvailable(false);
    expect((await api('/realtime/events')).status).toBe(404);
    fake.setFeedAvailable(true);
    expect((await api('/realtime/events')).status).toBe(200);
  });
});

describe('audit trail', () => {
  it('sorts ascending whatever _sort says, ignores register, and writes pages as PHP writes ceil()', async () => {
    fake.clock.set('2026-05-15T09:00:00Z');
    for (let i = 0; i < 3; i++) {
      await fake.createObject(registerId, schemaId, { n: i });
      fake.clock.advance(1000);
    }
    const body = await raw('/audit-trails?_sort[created]=DESC&register=999');
    const text = body.body.toString('utf8');
    // ceil() gives a PHP float; JSONResponse has no JSON_PRESERVE_ZERO_FRACTION, so 1.0 is written `1`.
    expect(text.endsWith('"total":3,"page":null,"pages":1,"limit":20,"offset":null}')).toBe(true);
    const page = JSON.parse(text);
    expect(page.results.map((entry: any) => entry.created)).toEqual(['2026-05-15T09:00:00+00:00', '2026-05-15T09:00:01+00:00', '2026-05-15T09:00:02+00:00']);
    expect(page.results[0]).toMatchObject({ register: registerId, schema: schemaId, object: 1, action: 'create', user: 'admin', registerUuid: null });
    expect(await json('/audit-trails?_limit=2&_page=2')).toMatchObject({ total: 3, page: 2, pages: 2, limit: 2, offset: 2, results: [expect.objectContaining({ object: 3 })] });
  });

  it('filters action as a comma list, and prunes after 30 days', async () => {
    const uuid = await fake.createObject(registerId, schemaId, { n: 1 });
    fake.updateObject(uuid, { n: 2 });
    await api(`/objects/${registerId}/${schemaId}/${uuid}`);
    fake.softDelete(uuid);
    expect((await json('/audit-trails?action=create,delete')).results.map((entry: any) => entry.action)).toEqual(['create', 'delete']);
    expect((await json('/audit-trails')).total).toBe(4);
    fake.clock.advance(31 * 86_400_000);
    expect(fake.pruneAudit()).toBe(4);
  });
});

describe('compression', () => {
  it('gzips every 200 JSON answer when the client accepts gzip, and labels big object lists gzip even when it did not', async () => {
    for (let i = 0; i < 11; i++) await fake.createObject(registerId, schemaId, { n: i });
    const viaFetch = await api('/realtime/events');
    expect(((await viaFetch.json()) as { events: unknown[] }).events).toHaveLength(11);
    expect(fake.requests.at(-1)).toMatchObject({ acceptsGzip: true, contentEncoding: 'gzip' });

    const gzipped = await raw('/audit-trails', { ...auth(), 'Accept-Encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gzipped.body).toString()).total).toBe(11);
    const plain = await raw('/audit-trails');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(fake.requests.at(-1)!.acceptsGzip).toBe(false);

    // ObjectsController's own label: a plain body that says it is gzip.
    const labelled = await raw(`/objects/${registerId}/${schemaId}`);
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
    const missing = await api('/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe('{"error":"Name and URL are required"}');
    const created = await api('/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'gis', url: receiverUrl, events: JSON.stringify([CREATED_EVENT]), secret: 's3cret' }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 1, name: 'gis', events: [CREATED_EVENT], secret: '***', enabled: true, method: 'POST', timeout: 30 });
    expect((await json('/webhooks')).total).toBe(1);
  });

  it('delivers ObjectCreatedEvent signed, in the fixture\'s shape, inside the create; updates and deletes send nothing', async () => {
    fake.addWebhook({ name: 'gis', url: receiverUrl, events: [CREATED_EVENT], secret: 's3cret' });
    fake.addWebhook({ name: 'other', url: receiverUrl, events: ['OCA\\OpenRegister\\Event\\ObjectUpdatedEvent'] });
    const uuid = await fake.createObject(registerId, schemaId, { title: 'Café/Zaak' });
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
    expect(envelope).toMatchObject({ event: CREATED_EVENT, webhook: { name: 'gis' }, attempt: 1, data: { objectUuid: uuid, register: String(registerId), action: 'create' } });
    fake.updateObject(uuid, { title: 'b' });
    fake.softDelete(uuid);
    fake.purge(uuid);
    expect(received).toHaveLength(1);
    // The receiver's 500 still counts as delivered (http_errors => false).
    expect(fake.webhookDeliveries.map((delivery) => [delivery.status, delivery.delivered])).toEqual([[500, true]]);
  });

  it('test button: TestEvent delivered → success; unreachable → 500 and the delivery is logged as lost', async () => {
    const id = fake.addWebhook({ name: 'gis', url: receiverUrl, secret: 's3cret' });
    const ok = await api(`/webhooks/${id}/test`, { method: 'POST' });
    expect(await ok.json()).toEqual({ success: true, message: 'Test webhook delivered successfully' });
    expect(JSON.parse(received[0].body)).toMatchObject({ event: 'OCA\\OpenRegister\\Event\\TestEvent', data: { test: true, message: 'This is a test webhook from OpenRegister' } });
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    receiver.listen(0);
    const lost = fake.addWebhook({ name: 'gone', url: receiverUrl });
    await fake.createObject(registerId, schemaId, { title: 'x' });
    const failed = await api(`/webhooks/${lost}/test`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ success: false, message: expect.stringMatching(/^cURL error 7: Failed to connect to 127\.0\.0\.1 port \d+/) });
    expect(fake.webhookDeliveries.filter((delivery) => !delivery.delivered).map((delivery) => delivery.error)).toHaveLength(3);
  });
});

describe('fault injection', () => {
  it('fails the next matching requests with Retry-After, and hangs others', async () => {
    fake.failNext(2, { status: 429, retryAfter: 7, path: /realtime/ });
    const first = await api('/realtime/cursor');
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await api('/registers')).status).toBe(200);
    expect((await api('/realtime/events')).status).toBe(429);
    expect((await api('/realtime/events')).status).toBe(200);
    const release = fake.hang(/audit-trails/);
    await expect(api('/audit-trails', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    release();
    expect((await api('/audit-trails')).status).toBe(200);
  });
});
