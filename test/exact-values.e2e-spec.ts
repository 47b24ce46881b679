import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loadFixture } from './support/fixtures.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createdBodyFor, signedHeaders } from './support/signed-deliveries.js';
import { useAppsPerTest } from './support/recording-app.js';

// Written by PHP's json_encode (test/fixtures/generate-php-fixtures.php): PHP_INT_MAX, PHP_INT_MIN,
// 2^53 ± 1, 1.0e+100, -0, [] for an empty list, integer-like keys, \/ and \uXXXX escapes.
const BIG = loadFixture('openregister-object-created-big-numbers');
const BIG_UUID = '7d1e0c9a-3b2f-4e8d-a1c6-9f8e7d6c5b4a';
const ADMIN_TOKEN = 'exact-values-admin-token';

/** What the sender meant, with every integer exact. */
const SENT_DATA = {
  title: 'Perceel Utrecht C 1234',
  kadastraalId: 9223372036854775807n,
  grootboek: [-9223372036854775808n, -9007199254740993n, 9007199254740992n, 9007199254740991, 12],
  oppervlakte: 1e100,
  correctie: -0,
  aandeel: 0.1,
  kenmerken: [],
  zones: { '10': 'centrum', '9': 'binnenstad' },
  url: 'https://or.example.org/percelen/1234',
  naam: 'Café \u{1F3DB} \u2028',
};

/** A signed creation of a fresh object with a user field `deep` of `levels` nested arrays: the body is 3 levels deeper. */
function deepBody(levels: number): string {
  return createdBodyFor(randomUUID()).replace('"title":', `"deep":${'['.repeat(levels)}${']'.repeat(levels)},"title":`);
}

describe('exact values and bounded depth, through the booted app', () => {
  const apps = useAppsPerTest();
  let target: ForwardTarget | undefined;
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  it('hands the handler every integer past 2^53 as a bigint with the sent digits, everything else as sent', async () => {
    const { t, handled } = await apps.start();

    const response = await t.send(BIG);

    expect(response.body).toMatchObject({ status: 'processed' });
    const { object } = handled.received[0].event;
    expect(object?.uuid).toBe(BIG_UUID);
    expect(object?.data).toStrictEqual(SENT_DATA);
    expect(Object.is(object?.data.correctie, -0)).toBe(true);
    expect(object?.meta.description).toBe(9223372036854775806n);
  });

  it('tells apart two big integers that JSON.parse would round to the same number', async () => {
    const { t, handled } = await apps.start();
    // Two updates (a creation is keyed by the object's uuid alone), differing only in that integer.
    const update = BIG.body.toString('latin1').replace('ObjectCreatedEvent', 'ObjectUpdatedEvent');
    const other = update.replace('"kadastraalId":9223372036854775807', '"kadastraalId":9223372036854775806');
    expect(other).not.toBe(update);
    expect(Number(9223372036854775806n)).toBe(Number(9223372036854775807n));

    expect((await t.post(update, signedHeaders(update))).body.status).toBe('processed');
    expect((await t.post(other, signedHeaders(other))).body.status).toBe('processed');
    expect((await t.post(update, signedHeaders(update))).body.status).toBe('duplicate');

    expect(handled.received.map(({ event }) => event.object?.data.kadastraalId)).toEqual([9223372036854775807n, 9223372036854775806n]);
  });

  it('keeps the digits in the stored event, on a retry read back from the store, in the admin API and in forwarded JSON', async () => {
    target = await ForwardTarget.start();
    const { t, handled } = await apps.start({ DELIVERY_MODE: 'queued', ADMIN_TOKEN, FORWARD_URLS: target.url, DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '20' });
    // The first attempt fails, so the second runs on the event read back from the store.
    handled.failWith = 'not yet';
    const admin = request(t.app.getHttpServer());
    const detail = async (id: string) => admin.get(`/admin/deliveries/${id}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);

    const response = await t.send(BIG);
    expect(response.status).toBe(202);
    const id = response.body.deliveryId as string;
    await waitFor(async () => ((await detail(id)).body.history?.length ?? 0) >= 1, { timeoutInMs: 10_000, what: 'the first attempt' });
    handled.failWith = undefined;
    await waitFor(async () => (await detail(id)).body.status === 'succeeded', { timeoutInMs: 10_000, what: 'the retry' });

    expect(handled.received).toHaveLength(1);
    expect(handled.received[0].context.attempt).toBeGreaterThanOrEqual(2);
    // JSON.stringify writes -0 as 0, so the stored event holds 0 (equal to -0 in JavaScript).
    expect(handled.received[0].event.object?.data).toStrictEqual({ ...SENT_DATA, correctie: 0 });

    const adminText = (await detail(id)).text;
    expect(adminText).toContain('"kadastraalId":9223372036854775807,"grootboek":[-9223372036854775808,-9007199254740993,9007199254740992,9007199254740991,12]');
    expect(adminText).toContain('"description":9223372036854775806');

    await waitFor(() => target!.received.length >= 2, { timeoutInMs: 10_000, what: 'two forwards' });
    for (const forwarded of target.received) {
      expect(forwarded.rawBody).toContain('"kadastraalId":9223372036854775807,"grootboek":[-9223372036854775808,');
    }
  });

  it.each(['inline', 'queued'])('%s: takes a body nested exactly 512 levels deep, as PHP may send it', async (mode) => {
    const { t, handled } = await apps.start({ DELIVERY_MODE: mode });
    const body = deepBody(509);

    const response = await t.post(body, signedHeaders(body));

    expect(response.status).toBe(mode === 'inline' ? 200 : 202);
    await waitFor(() => handled.received.length === 1, { timeoutInMs: 10_000, what: 'the handler' });
    let level: unknown = handled.received[0].event.object?.data.deep;
    let depth = 0;
    while (Array.isArray(level)) [level, depth] = [level[0], depth + 1];
    expect(depth).toBe(509);
  });

  it.each([
    ['one level more than 512, in an object field', deepBody(510)],
    ['20,000 levels in an object field', deepBody(20_000)],
    ['20,000 levels of arrays as data', `{"event":"x","webhook":{},"data":${'['.repeat(20_000)}${']'.repeat(20_000)},"attempt":1}`],
    ['20,000 levels of objects in a Nextcloud event', `{"event":{"class":"C","x":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}},"time":1}`],
    ['20,000 levels around a big integer', `{"event":"x","webhook":{},"data":{"objectType":"object","object":{"id":"u","a":${'['.repeat(20_000)}9223372036854775807${']'.repeat(20_000)}}}}`],
  ])('refuses %s with a 400 that names the limit, never a 500', async (_name, body) => {
    const { t, handled } = await apps.start();

    const response = await t.post(body, signedHeaders(body));

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'malformed', message: 'Body is nested deeper than 512 levels' });
    expect(handled.received).toHaveLength(0);
    // And the service goes on taking deliveries.
    const next = createdBodyFor(randomUUID());
    expect((await t.post(next, signedHeaders(next))).status).toBe(200);
  });
});
