import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { signHmac } from '../src/auth/hmac-signature.js';
import { signStandardWebhook } from '../src/auth/standard-webhooks.js';
import { loadConfig } from '../src/config/app-config.js';
import { FIXTURE_SECRET, FIXTURE_SENT_AT, FIXTURE_TOKEN, loadFixture } from './support/fixtures.js';
import { HandledEvents } from './support/recording.handler.js';
import { expectAnswered, expectRefused } from './support/expectations.js';
import { createdBodyFor, FIXTURE_OBJECT_UUID, signedHeaders } from './support/signed-deliveries.js';
import { useRecordingApp, withRecordingApp } from './support/recording-app.js';
import { deliveryLines, startTestApp, type TestApp } from './support/test-app.js';

const created = loadFixture('openregister-object-created');
const nextcloud = loadFixture('nextcloud-node-created');

/** Boots an app with the recording handler, runs `body`, always closes it. */
async function withApp(env: Record<string, string>, body: (t: TestApp, handled: HandledEvents) => Promise<void>): Promise<void> {
  await withRecordingApp(env, async ({ t, handled }) => {
    await body(t, handled);
  });
}

describe('HMAC signatures are checked on the exact bytes', () => {
  const app = useRecordingApp();

  it('refuses a body with one byte changed, keeping its signature, and runs no handler', async () => {
    const tampered = Buffer.from(created.body);
    const at = tampered.indexOf('"city":"Utrecht"') + '"city":"U'.length;
    tampered[at] = 'u'.charCodeAt(0);
    expect(tampered.equals(created.body)).toBe(false);

    const response = await expectRefused(app.t, () => app.t.post(tampered, created.headers), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: 'X-Webhook-Signature does not match the body',
    });
    expect(response.body.details).toHaveLength(1);
    expect(app.handled.received).toHaveLength(0);
  });

  it('refuses the same JSON re-serialised: the PHP escapes are part of what was signed', async () => {
    const reserialised = JSON.stringify(JSON.parse(created.body.toString('utf8')));
    // What a body parser that re-serialises would hand over: same data, other bytes.
    expect(reserialised).not.toContain('\\/');
    expect(reserialised).not.toContain('\\u00e9');
    expect(JSON.parse(reserialised)).toEqual(JSON.parse(created.body.toString('utf8')));

    await expectRefused(app.t, () => app.t.post(reserialised, created.headers), { status: 401, error: 'unauthorized', outcome: 'unauthorized' });
    expect(app.handled.received).toHaveLength(0);
  });

  it('accepts a `sha256=`-prefixed signature', async () => {
    await expectAnswered(app.t, () => app.t.send(created, { 'X-Webhook-Signature': `sha256=${created.headers['X-Webhook-Signature']}` }));
    expect(app.handled.received.map(({ event }) => event.object?.uuid)).toEqual([FIXTURE_OBJECT_UUID]);
  });

  it('refuses a signature made with a secret it does not know', async () => {
    const body = createdBodyFor(randomUUID());
    await expectRefused(app.t, () => app.t.post(body, signedHeaders(body, 'not-the-secret')), { status: 401, error: 'unauthorized', outcome: 'unauthorized' });
    expect(app.handled.received).toHaveLength(0);
  });

  // OpenRegister's documentation shows the signature as `X-Signature: sha256=<hex>`; its code sends X-Webhook-Signature.
  it('accepts the signature as `X-Signature: sha256=<hex>`, as OpenRegister\'s documentation shows it', async () => {
    const uuid = randomUUID();
    const body = createdBodyFor(uuid);
    const { 'X-Webhook-Signature': signature, ...rest } = signedHeaders(body);
    await expectAnswered(app.t, () => app.t.post(body, { ...rest, 'X-Signature': `sha256=${signature}` }));
    expect(app.handled.received.map(({ event }) => event.object?.uuid)).toEqual([uuid]);
  });

  it('refuses an X-Signature over other bytes, naming that header', async () => {
    const body = createdBodyFor(randomUUID());
    const { 'X-Webhook-Signature': signature, ...rest } = signedHeaders(body);
    await expectRefused(app.t, () => app.t.post(`${body} `, { ...rest, 'X-Signature': `sha256=${signature}` }), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: 'X-Signature does not match the body',
    });
    expect(app.handled.received).toHaveLength(0);
  });
});

describe('the signed body timestamp limits replays', () => {
  const refusedOpenRegister = 'format="openregister",event="unknown",outcome="unauthorized"';

  it.each([
    ['too old', FIXTURE_SENT_AT + 301_000],
    ['in the future', FIXTURE_SENT_AT - 301_000],
  ])('refuses a delivery whose signed timestamp is %s (301 s off)', async (_label, now) => {
    await withApp({}, async (t, handled) => {
      t.clock.time = now;
      const response = await expectRefused(t, () => t.send(created), {
        status: 401,
        error: 'unauthorized',
        outcome: 'unauthorized',
        detail: /within 300 s .*WEBHOOK_TOLERANCE_SECONDS/,
      });
      expect(response.body.message).toMatch(/tolerance/);
      // The body was genuine, so it was parsed: the refusal names its format.
      expect((await t.metrics()).split('\n').some((line) => line.startsWith(`webhook_deliveries_total{${refusedOpenRegister}} 1`))).toBe(true);
      expect(handled.received).toHaveLength(0);
    });
  });

  it('accepts a delivery right inside the window (300 s old)', async () => {
    await withApp({}, async (t, handled) => {
      t.clock.time = FIXTURE_SENT_AT + 300_000;
      await expectAnswered(t, () => t.send(created));
      expect(handled.received).toHaveLength(1);
    });
  });

  it('accepts the same old delivery with WEBHOOK_TOLERANCE_SECONDS=0 (no window)', async () => {
    await withApp({ WEBHOOK_TOLERANCE_SECONDS: '0' }, async (t, handled) => {
      t.clock.time = FIXTURE_SENT_AT + 301_000;
      await expectAnswered(t, () => t.send(created));
      t.clock.time = FIXTURE_SENT_AT + 30 * 24 * 3600_000;
      await expectAnswered(t, () => t.send(loadFixture('openregister-object-updated')));
      expect(handled.received.map(({ event }) => event.type)).toEqual(['object.created', 'object.updated']);
    });
  });
});

describe('secret rotation: WEBHOOK_SECRETS lists the new and the old secret', () => {
  const app = useRecordingApp({ WEBHOOK_SECRETS: 'new-secret,fixture-secret' });

  it('accepts the fixture, signed with the old secret', async () => {
    await expectAnswered(app.t, () => app.t.send(created));
    expect(app.handled.received.at(-1)?.event.object?.uuid).toBe(FIXTURE_OBJECT_UUID);
  });

  it('accepts a body signed with the new secret', async () => {
    const uuid = randomUUID();
    const body = createdBodyFor(uuid, 'Rotated');
    expect(signHmac('new-secret', body)).not.toBe(signHmac(FIXTURE_SECRET, body));
    await expectAnswered(app.t, () => app.t.post(body, signedHeaders(body, 'new-secret')));
    expect(app.handled.received.at(-1)?.event.object).toMatchObject({ uuid, data: expect.objectContaining({ title: 'Rotated' }) });
  });

  it('refuses a body signed with a third, unknown secret', async () => {
    const count = app.handled.received.length;
    const body = createdBodyFor(randomUUID());
    await expectRefused(app.t, () => app.t.post(body, signedHeaders(body, 'third-secret')), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: 'X-Webhook-Signature does not match the body',
    });
    expect(app.handled.received).toHaveLength(count);
  });
});

describe('static tokens (Nextcloud webhook_listeners)', () => {
  it('accepts `Authorization: Bearer <token>`', async () => {
    await withApp({}, async (t, handled) => {
      expect(nextcloud.headers.Authorization).toBe(`Bearer ${FIXTURE_TOKEN}`);
      await expectAnswered(t, () => t.send(nextcloud));
      expect(handled.received).toHaveLength(1);
    });
  });

  it('accepts `X-Api-Key: <token>` with no Authorization header', async () => {
    await withApp({}, async (t, handled) => {
      await expectAnswered(t, () => t.send(nextcloud, { Authorization: undefined, 'X-Api-Key': FIXTURE_TOKEN }));
      expect(handled.received).toHaveLength(1);
    });
  });

  it('refuses a wrong token', async () => {
    await withApp({}, async (t, handled) => {
      await expectRefused(t, () => t.send(nextcloud, { Authorization: 'Bearer not-the-token' }), {
        status: 401,
        error: 'unauthorized',
        outcome: 'unauthorized',
        detail: 'the token is not valid',
      });
      await expectRefused(t, () => t.send(nextcloud, { Authorization: undefined, 'X-Api-Key': 'not-the-token' }), {
        status: 401,
        error: 'unauthorized',
        outcome: 'unauthorized',
        detail: 'the token is not valid',
      });
      expect(handled.received).toHaveLength(0);
    });
  });

  it('refuses a delivery with no credentials at all', async () => {
    await withApp({}, async (t, handled) => {
      const response = await expectRefused(t, () => t.send(nextcloud, { Authorization: undefined }), {
        status: 401,
        error: 'unauthorized',
        outcome: 'unauthorized',
      });
      expect(response.body.details).toEqual(['no credentials presented']);
      // An OpenRegister body without its signature header is no better.
      await expectRefused(t, () => t.send(created, { 'X-Webhook-Signature': undefined }), {
        status: 401,
        error: 'unauthorized',
        outcome: 'unauthorized',
        detail: 'no credentials presented',
      });
      expect(handled.received).toHaveLength(0);
    });
  });
});

describe('Standard Webhooks signatures', () => {
  const WHSEC = 'whsec_' + Buffer.from('a standard-webhooks key, 32 byte').toString('base64');
  const app = useRecordingApp({ WEBHOOK_SECRETS: `${WHSEC},${FIXTURE_SECRET}` });

  const nowInSeconds = () => Math.floor(app.t.clock.now() / 1000);
  const standardHeaders = (secret: string, id: string, timestamp: number, body: string) => ({
    'Content-Type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
  });

  it.each([
    ['a whsec_ (base64) secret', WHSEC],
    ['a plain secret', FIXTURE_SECRET],
  ])('accepts a delivery signed with %s', async (_label, secret) => {
    const uuid = randomUUID();
    const body = createdBodyFor(uuid);
    await expectAnswered(app.t, () => app.t.post(body, standardHeaders(secret, `msg_${uuid}`, nowInSeconds(), body)));
    expect(app.handled.received.at(-1)?.event.object?.uuid).toBe(uuid);
  });

  it('accepts a sender rotating its secret that lists the new signature first and the old one after', async () => {
    const uuid = randomUUID();
    const id = `msg_${uuid}`;
    const body = createdBodyFor(uuid);
    const headers = standardHeaders(WHSEC, id, nowInSeconds(), body);
    const retired = signStandardWebhook('whsec_' + Buffer.from('a retired key nobody here knows').toString('base64'), id, nowInSeconds(), body);
    await expectAnswered(app.t, () => app.t.post(body, { ...headers, 'webhook-signature': `${headers['webhook-signature']} ${retired}` }));
    expect(app.handled.received.at(-1)?.event.object?.uuid).toBe(uuid);
  });

  it('refuses a stale webhook-timestamp', async () => {
    const count = app.handled.received.length;
    const body = createdBodyFor(randomUUID());
    await expectRefused(app.t, () => app.t.post(body, standardHeaders(WHSEC, `msg_${randomUUID()}`, nowInSeconds() - 301, body)), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: 'webhook-timestamp is outside the tolerance window',
    });
    expect(app.handled.received).toHaveLength(count);
  });

  it('refuses a webhook-signature over other bytes', async () => {
    const count = app.handled.received.length;
    const body = createdBodyFor(randomUUID());
    const headers = standardHeaders(WHSEC, `msg_${randomUUID()}`, nowInSeconds(), body);
    await expectRefused(app.t, () => app.t.post(body.replace('Stadhuis', 'Stadhuiz'), headers), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: 'webhook-signature does not match',
    });
    expect(app.handled.received).toHaveLength(count);
  });

  it('uses webhook-id as the idempotency key: the same id with another body is a duplicate', async () => {
    const id = `msg_${randomUUID()}`;
    const first = randomUUID();
    const firstBody = createdBodyFor(first);
    const secondBody = createdBodyFor(randomUUID(), 'Another object entirely');
    await expectAnswered(app.t, () => app.t.post(firstBody, standardHeaders(WHSEC, id, nowInSeconds(), firstBody)));
    const count = app.handled.received.length;
    await expectAnswered(app.t, () => app.t.post(secondBody, standardHeaders(WHSEC, id, nowInSeconds(), secondBody)), 'duplicate');
    expect(app.handled.received).toHaveLength(count);
    expect(app.handled.received.at(-1)?.event.object?.uuid).toBe(first);
  });
});

describe('credentials never reach the logs', () => {
  it('logs neither a presented token nor a credential inside a signed payload', async () => {
    await withApp({}, async (t, handled) => {
      await expectAnswered(t, () => t.send(nextcloud));
      await expectAnswered(t, () => t.send(nextcloud, { Authorization: undefined, 'X-Api-Key': FIXTURE_TOKEN }), 'duplicate');
      await expectRefused(t, () => t.send(nextcloud, { Authorization: 'Bearer wrong-secret-token' }), { status: 401, error: 'unauthorized', outcome: 'unauthorized' });

      const uuid = randomUUID();
      const body = createdBodyFor(uuid).replace('"city":"Utrecht"', '"city":"Utrecht","Authorization":"Bearer secret-in-payload"');
      await expectAnswered(t, () => t.post(body, signedHeaders(body)));
      // The handler gets the user's field as sent; only the logs must not show it.
      expect(handled.received.at(-1)?.event.object?.data.Authorization).toBe('Bearer secret-in-payload');

      const logged = JSON.stringify(t.logs);
      expect(t.logs.length).toBeGreaterThan(4);
      expect(logged).not.toContain(FIXTURE_TOKEN);
      expect(logged).not.toContain('wrong-secret-token');
      expect(logged).not.toContain('secret-in-payload');
      expect(logged).not.toContain(FIXTURE_SECRET);
    });
  });

  it('logs no credential a user field carries into an update, even in the audit line of changes', async () => {
    await withApp({}, async (t, handled) => {
      // The same update as the fixture, with a credential added to the new state of the object.
      const body = loadFixture('nextcloud-openregister-object-updated').body
        .toString('utf8')
        .replace('"tags":["monument"]', '"tags":["monument"],"Authorization":"Bearer secret-in-payload","api":{"token":"secret-in-payload-2"}');
      // A Buffer: fetch would add `Content-Type: text/plain` to a string, and Nextcloud sends none.
      await expectAnswered(t, () => t.post(Buffer.from(body), loadFixture('nextcloud-openregister-object-updated').headers));
      const [{ event }] = handled.received;
      expect(event.changes).toEqual(
        expect.arrayContaining([
          { path: '/Authorization', op: 'add', newValue: 'Bearer secret-in-payload' },
          { path: '/api', op: 'add', newValue: { token: 'secret-in-payload-2' } },
        ]),
      );
      const audit = t.logs.filter((line) => line.audit === true);
      expect(audit).toHaveLength(1);

      const logged = JSON.stringify(t.logs);
      expect(logged).not.toContain(FIXTURE_TOKEN);
      expect(logged).not.toContain('secret-in-payload');
    });
  });
});

describe('credentials in the previous state never reach the audit line', () => {
  it('blanks the old value of a credential an update removed or replaced, at its path and nested', async () => {
    await withApp({}, async (t) => {
      const fixture = loadFixture('nextcloud-openregister-object-updated');
      // Only the old state (oldObject, the one with the "open" tag) carries the credentials.
      const body = fixture.body
        .toString('utf8')
        .replace('"tags":["monument","open"]', '"tags":["monument","open"],"password":"old-secret-in-payload-1","api":{"url":"https://gis.example","token":"old-secret-in-payload-2"}');
      await expectAnswered(t, () => t.post(Buffer.from(body), fixture.headers));
      const [audit] = t.logs.filter((line) => line.audit === true);
      expect(audit.changes).toEqual(
        expect.arrayContaining([
          { path: '/password', op: 'remove', oldValue: '[REDACTED]' },
          { path: '/api', op: 'remove', oldValue: { url: 'https://gis.example', token: '[REDACTED]' } },
        ]),
      );
      expect(JSON.stringify(t.logs)).not.toContain('old-secret-in-payload');
    });
  });
});

describe('IP allowlist', () => {
  it('answers 403 `forbidden` to an address outside IP_ALLOWLIST, before any handler', async () => {
    await withApp({ IP_ALLOWLIST: '10.0.0.0/8' }, async (t, handled) => {
      const response = await expectRefused(t, () => t.send(created), { status: 403, error: 'forbidden', outcome: 'forbidden' });
      expect(response.body.message).toMatch(/127\.0\.0\.1/);
      expect(handled.received).toHaveLength(0);
    });
  });

  it.each([
    ['/webhooks/openregister/', 403],
    ['/webhooks/openregister?via=query', 403],
    ['//webhooks/openregister', 404],
    ['/WEBHOOKS/openregister', 404],
  ])('keeps an address outside IP_ALLOWLIST out on another spelling of the route too: %s (%i)', async (path, status) => {
    await withApp({ IP_ALLOWLIST: '10.0.0.0/8' }, async (t, handled) => {
      const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: created.headers, body: created.body });
      // The same route (trailing slash, query) meets the intake hook; any other spelling is no route.
      expect(response.status).toBe(status);
      expect(handled.received).toHaveLength(0);
    });
  });

  it('accepts an address inside IP_ALLOWLIST', async () => {
    await withApp({ IP_ALLOWLIST: '127.0.0.1/32' }, async (t, handled) => {
      await expectAnswered(t, () => t.send(created));
      expect(handled.received).toHaveLength(1);
    });
  });

  it('believes X-Forwarded-For only with TRUST_PROXY', async () => {
    await withApp({ IP_ALLOWLIST: '10.0.0.0/8', TRUST_PROXY: 'true' }, async (t, handled) => {
      await expectAnswered(t, () => t.send(created, { 'X-Forwarded-For': '10.1.2.3' }));
      expect(handled.received).toHaveLength(1);
      // No proxy header: the socket address counts, and it is not allowed.
      await expectRefused(t, () => t.send(loadFixture('openregister-object-updated')), { status: 403, error: 'forbidden', outcome: 'forbidden' });
    });
    await withApp({ IP_ALLOWLIST: '10.0.0.0/8' }, async (t, handled) => {
      await expectRefused(t, () => t.send(created, { 'X-Forwarded-For': '10.1.2.3' }), { status: 403, error: 'forbidden', outcome: 'forbidden' });
      expect(handled.received).toHaveLength(0);
    });
  });
});

describe('start-up without credentials', () => {
  it('refuses to start with no secret and no token, naming what to set', () => {
    for (const env of [{}, { WEBHOOK_SECRETS: '', WEBHOOK_TOKENS: '' }, { WEBHOOK_SECRETS: ' , ', WEBHOOK_ALLOW_UNAUTHENTICATED: 'false' }]) {
      let message = '';
      try {
        loadConfig(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/WEBHOOK_SECRETS/);
      expect(message).toMatch(/WEBHOOK_ALLOW_UNAUTHENTICATED/);
    }
  });

  it('does not boot the app either', async () => {
    await expect(startTestApp({ WEBHOOK_SECRETS: '', WEBHOOK_TOKENS: '' })).rejects.toThrow(/WEBHOOK_ALLOW_UNAUTHENTICATED/);
  });

  it('with WEBHOOK_ALLOW_UNAUTHENTICATED=true boots, warns at start and accepts an unsigned delivery', async () => {
    await withApp({ WEBHOOK_ALLOW_UNAUTHENTICATED: 'true', WEBHOOK_SECRETS: '', WEBHOOK_TOKENS: '' }, async (t, handled) => {
      const warnings = t.logs.filter((line) => line.level === 'warn' && /WEBHOOK_ALLOW_UNAUTHENTICATED/.test(String(line.msg)));
      expect(warnings).toHaveLength(1);
      expect(deliveryLines(t.logs)).toHaveLength(0);

      await expectAnswered(t, () => t.send(created, { 'X-Webhook-Signature': undefined }));
      expect(handled.received.map(({ event }) => event.object?.uuid)).toEqual([FIXTURE_OBJECT_UUID]);
    });
  });
});
