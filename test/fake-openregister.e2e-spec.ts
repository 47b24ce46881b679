import { describe, expect, it } from '@jest/globals';
import { basicAuth as auth, useFakeOpenRegister } from './support/fake-openregister-client.js';
import { startFakeOpenRegister } from './support/fake-openregister.js';

/**
 * Proves the fake OpenRegister (objects, feed, audit trail, auth) against the facts read from
 * OpenRegister's real source (/work/research/openregister-api.md) through real HTTP, so specs built
 * on it test against OpenRegister's behaviour and not against a guess. Webhooks, compression and
 * faults: fake-openregister.http.e2e-spec.ts.
 */

const t = useFakeOpenRegister();

describe('auth and catalogue', () => {
  it('answers 401 with Nextcloud\'s message on non-public routes without or with wrong credentials', async () => {
    for (const path of ['/realtime/cursor', '/registers', '/audit-trails', '/webhooks']) {
      for (const headers of [{}, auth('admin', 'wrong')]) {
        const response = await fetch(`${t.fake.apiUrl}${path}`, { headers });
        expect(response.status).toBe(401);
        expect(await response.text()).toBe('{"message":"Current user is not logged in"}');
      }
    }
    expect(t.fake.requests.at(-1)!.user).toBeNull();
  });

  it('serves the public pages (schemas index, object show) anonymously', async () => {
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { title: 'Stadhuis' });
    expect((await fetch(`${t.fake.apiUrl}/schemas`)).status).toBe(200);
    expect((await fetch(`${t.fake.apiUrl}/objects/${t.registerId}/${t.schemaId}/${uuid}`)).status).toBe(200);
    expect(t.fake.auditEntries().at(-1)).toMatchObject({ action: 'read', user: 'System', userName: 'System' });
  });

  it('lists registers and schemas with numeric ids', async () => {
    const registers = await t.json('/registers');
    expect(registers).toEqual({ results: [expect.objectContaining({ id: t.registerId, slug: 'gebouwen', schemas: [t.schemaId], uuid: expect.any(String) })] });
    const schemas = await t.json('/schemas');
    expect(schemas.results[0]).toMatchObject({ id: t.schemaId, slug: 'gebouw', '@self': { extendedBy: [] } });
  });
});

describe('objects', () => {
  it('renders ObjectEntity::jsonSerialize with show()\'s empty stripping, by id or slug', async () => {
    t.fake.clock.set('2026-05-15T09:40:44Z');
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { title: 'Stadhuis', note: '', tags: [], count: 0 });
    for (const path of [`/objects/${t.registerId}/${t.schemaId}/${uuid}`, `/objects/gebouwen/gebouw/${uuid}`]) {
      const text = await (await t.api(path)).text();
      expect(text).toBe(
        `{"title":"Stadhuis","count":0,"@self":{"id":"${uuid}","name":"${uuid}","description":1,` +
          `"uri":"${t.fake.url.replaceAll('/', '\\/')}\\/index.php\\/apps\\/openregister\\/api\\/objects\\/${t.registerId}\\/${t.schemaId}\\/${uuid}",` +
          `"register":"${t.registerId}","schema":"${t.schemaId}","owner":"admin","organisation":"${t.fake.organisation}",` +
          `"updated":"2026-05-15T09:40:44+00:00","created":"2026-05-15T09:40:44+00:00"},"id":"${uuid}"}`,
      );
    }
    expect((await t.json(`/objects/${t.registerId}/${t.schemaId}/${uuid}?_empty=true`))['@self']).toHaveProperty('deleted', []);
  });

  it('changes @self.updated on an update only when the second changes, as PHP\'s format(\'c\') does', async () => {
    t.fake.clock.set('2026-05-15T09:40:44.100Z');
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { title: 'a' });
    t.fake.clock.advance(500);
    t.fake.updateObject(uuid, { title: 'b' });
    expect((t.fake.getObject(uuid)!['@self'] as any).updated).toBe('2026-05-15T09:40:44+00:00');
    t.fake.clock.advance(1000);
    t.fake.updateObject(uuid, { title: 'c' });
    expect((t.fake.getObject(uuid)!['@self'] as any).updated).toBe('2026-05-15T09:40:45+00:00');
    const [create, sameSecond, nextSecond] = t.fake.auditEntries();
    expect(Object.keys(create.changed)).toEqual(['title', '@self', 'id']);
    // Same second: @self is identical, so only the field changed.
    expect(Object.keys(sameSecond.changed)).toEqual(['title']);
    expect(Object.keys(nextSecond.changed)).toEqual(['title', '@self']);
  });

  it('soft delete: or.object.updated, audit delete, then 404 {"error":"Not Found"}; purge: or.object.deleted and no audit', async () => {
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { title: 'Stadhuis' });
    expect(() => t.fake.purge(uuid)).toThrow('Object is not deleted');
    const deleted = t.fake.softDelete(uuid, { by: 'alice' });
    expect(Object.keys(deleted)).toEqual(['deletedBy', 'deletedAt', 'objectId', 'organisation']);
    expect(deleted).toMatchObject({ deletedBy: 'alice', objectId: uuid, organisation: t.fake.organisation });
    const response = await t.api(`/objects/${t.registerId}/${t.schemaId}/${uuid}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"error":"Not Found"}');
    t.fake.purge(uuid);
    expect((await t.api(`/objects/${t.registerId}/${t.schemaId}/${uuid}`)).status).toBe(404);
    expect(t.fake.feedEvents().map((event) => event.type)).toEqual(['or.object.created', 'or.object.updated', 'or.object.deleted']);
    expect(t.fake.auditEntries().map((entry) => [entry.action, entry.changed])).toEqual([['create', expect.any(Object)], ['delete', []]]);
  });

  it('restore writes nothing; transition writes updated then transitioned with {action, from, to}', async () => {
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { status: 'draft' });
    t.fake.softDelete(uuid);
    t.fake.restore(uuid);
    t.fake.transition(uuid, { action: 'publish', from: 'draft', to: 'published', fields: { status: 'published' } });
    const events = t.fake.feedEvents();
    expect(events.map((event) => event.type)).toEqual(['or.object.created', 'or.object.updated', 'or.object.updated', 'or.object.transitioned']);
    expect((events[3].data as any).extra).toEqual({ action: 'publish', from: 'draft', to: 'published' });
    expect(t.fake.auditEntries().map((entry) => entry.action)).toEqual(['create', 'delete', 'update']);
  });
});

describe('realtime feed', () => {
  it('pages ascending with the controller\'s limit clamp, hasMore = page full, cursor = last id or since', async () => {
    for (let i = 0; i < 5; i++) await t.fake.createObject(t.registerId, t.schemaId, { n: i });
    const first = await t.json('/realtime/events?limit=2');
    expect(first.events.map((event: any) => event._cursor)).toEqual([1, 2]);
    expect(first).toMatchObject({ cursor: 2, hasMore: true });
    expect(await t.json('/realtime/events?since=2&limit=3')).toMatchObject({ cursor: 5, hasMore: true });
    expect(await t.json('/realtime/events?since=5&limit=3')).toEqual({ events: [], cursor: 5, hasMore: false });
    expect((await t.json('/realtime/events?since=3')).hasMore).toBe(false);
    expect((await t.json('/realtime/events?limit=0')).events).toHaveLength(1);
    expect((await t.json('/realtime/events?since=abc')).events).toHaveLength(5);
    expect(await t.json('/realtime/cursor')).toEqual({ cursor: 5 });
  });

  it('writes every CloudEvent key plus _cursor; filters compare numeric ids as strings', async () => {
    const other = t.fake.addSchema({ slug: 'straat' });
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { title: 'x' });
    await t.fake.createObject(t.registerId, other, { title: 'y' });
    const [event] = (await t.json(`/realtime/events?schema=${t.schemaId}`)).events;
    expect(Object.keys(event)).toEqual(['specversion', 'type', 'source', 'subject', 'id', 'time', 'datacontenttype', 'data', '_cursor']);
    expect(event).toMatchObject({ specversion: '1.0', type: 'or.object.created', source: `${t.fake.url}/apps/openregister`, subject: `urn:nl-or:127-0-0-1:gebouwen:gebouw:${uuid}`, datacontenttype: 'application/json', _cursor: 1 });
    expect(event.id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.data).toEqual({ register: String(t.registerId), schema: String(t.schemaId), uuid, urn: event.subject, organisation: t.fake.organisation, owner: 'admin', actor: 'admin', extra: [] });
    expect((await t.json('/realtime/events?schema=gebouw')).events).toEqual([]);
    expect((await t.json('/realtime/events?schema=')).events).toHaveLength(2);
  });

  it('prunes silently: an old cursor just gets what is left', async () => {
    for (let i = 0; i < 4; i++) await t.fake.createObject(t.registerId, t.schemaId, { n: i });
    expect(t.fake.pruneFeed(3)).toBe(2);
    expect((await t.json('/realtime/events?since=1')).events.map((event: any) => event._cursor)).toEqual([3, 4]);
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
    t.fake.setFeedAvailable(false);
    expect((await t.api('/realtime/events')).status).toBe(404);
    t.fake.setFeedAvailable(true);
    expect((await t.api('/realtime/events')).status).toBe(200);
  });
});

describe('audit trail', () => {
  it('sorts ascending whatever _sort says, ignores register, and writes pages as PHP writes ceil()', async () => {
    t.fake.clock.set('2026-05-15T09:00:00Z');
    for (let i = 0; i < 3; i++) {
      await t.fake.createObject(t.registerId, t.schemaId, { n: i });
      t.fake.clock.advance(1000);
    }
    const body = await t.raw('/audit-trails?_sort[created]=DESC&register=999');
    const text = body.body.toString('utf8');
    // ceil() gives a PHP float; JSONResponse has no JSON_PRESERVE_ZERO_FRACTION, so 1.0 is written `1`.
    expect(text.endsWith('"total":3,"page":null,"pages":1,"limit":20,"offset":null}')).toBe(true);
    const page = JSON.parse(text);
    expect(page.results.map((entry: any) => entry.created)).toEqual(['2026-05-15T09:00:00+00:00', '2026-05-15T09:00:01+00:00', '2026-05-15T09:00:02+00:00']);
    expect(page.results[0]).toMatchObject({ register: t.registerId, schema: t.schemaId, object: 1, action: 'create', user: 'admin', registerUuid: null });
    expect(await t.json('/audit-trails?_limit=2&_page=2')).toMatchObject({ total: 3, page: 2, pages: 2, limit: 2, offset: 2, results: [expect.objectContaining({ object: 3 })] });
  });

  it('filters action as a comma list, and prunes after 30 days', async () => {
    const uuid = await t.fake.createObject(t.registerId, t.schemaId, { n: 1 });
    t.fake.updateObject(uuid, { n: 2 });
    await t.api(`/objects/${t.registerId}/${t.schemaId}/${uuid}`);
    t.fake.softDelete(uuid);
    expect((await t.json('/audit-trails?action=create,delete')).results.map((entry: any) => entry.action)).toEqual(['create', 'delete']);
    expect((await t.json('/audit-trails')).total).toBe(4);
    t.fake.clock.advance(31 * 86_400_000);
    expect(t.fake.pruneAudit()).toBe(4);
  });
});
