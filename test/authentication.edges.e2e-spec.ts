import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '../src/auth/standard-webhooks.js';
import { FIXTURE_SENT_AT, loadFixture } from './support/fixtures.js';
import { expectAnswered, expectRefused } from './support/expectations.js';
import { createdBodyFor, signedHeaders } from './support/signed-deliveries.js';
import { useRecordingApp, withRecordingApp } from './support/recording-app.js';

/**
 * The edges the broader specs in authentication.e2e-spec.ts step over: each of these let a
 * planted bug through before (a half-compared digest, a tolerance read from the default, an
 * IPv4 client matched against IPv6 entries).
 */

/** The hex digit that differs from `digit` (so the signature keeps its form and length). */
const otherDigit = (digit: string) => (digit === '0' ? '1' : '0');
const withDigitChanged = (hex: string, at: number) => hex.slice(0, at) + otherDigit(hex[at]) + hex.slice(at + 1);

describe('an HMAC signature with a single hex digit changed', () => {
  const app = useRecordingApp();

  it.each([
    ['the first digit', 0],
    ['a digit in the first half', 17],
    ['the last digit of the first half', 31],
    ['the first digit of the second half', 32],
    ['a digit in the second half', 50],
    ['the last digit', 63],
  ])('is refused 401 when it is %s', async (_label, at) => {
    const body = createdBodyFor(randomUUID());
    const headers = signedHeaders(body);
    const signature = headers['X-Webhook-Signature'];
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    const changed = withDigitChanged(signature, at);
    expect(changed).toHaveLength(64);
    expect([...changed].filter((digit, index) => digit !== signature[index])).toHaveLength(1);

    await expectRefused(app.t, () => app.t.post(body, { ...headers, 'X-Webhook-Signature': changed }), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: 'X-Webhook-Signature does not match the body',
      handled: app.handled,
    });
  });

  it('while the same body with its signature unchanged is accepted', async () => {
    const body = createdBodyFor(randomUUID());
    await expectAnswered(app.t, () => app.t.post(body, signedHeaders(body)));
  });
});

describe('a WEBHOOK_TOLERANCE_SECONDS other than the default, at its edge', () => {
  const created = loadFixture('openregister-object-created');
  const TOLERANCE = 42;
  const app = useRecordingApp({ WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE) });

  // Refusals first: the fixture is accepted once only (then it is a duplicate).
  it.each([
    ['old', FIXTURE_SENT_AT + (TOLERANCE + 1) * 1000],
    ['in the future', FIXTURE_SENT_AT - (TOLERANCE + 1) * 1000],
  ])(`refuses a signed body timestamp ${TOLERANCE + 1} s %s`, async (_label, now) => {
    app.t.clock.time = now;
    await expectRefused(app.t, () => app.t.send(created), {
      status: 401,
      error: 'unauthorized',
      outcome: 'unauthorized',
      detail: `timestamp must be within ${TOLERANCE} s of the server time (WEBHOOK_TOLERANCE_SECONDS)`,
      handled: app.handled,
    });
  });

  it(`accepts a signed body timestamp exactly ${TOLERANCE} s old`, async () => {
    app.t.clock.time = FIXTURE_SENT_AT + TOLERANCE * 1000;
    await expectAnswered(app.t, () => app.t.send(created));
    expect(app.handled.received).toHaveLength(1);
  });

  it(`applies it to webhook-timestamp as well: ${TOLERANCE} s accepted, ${TOLERANCE + 1} s refused`, async () => {
    const nowInSeconds = Math.floor(app.t.clock.now() / 1000);
    const standard = (timestamp: number) => {
      const id = `msg_${randomUUID()}`;
      const body = createdBodyFor(randomUUID());
      return app.t.post(body, { 'Content-Type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook('fixture-secret', id, timestamp, body) });
    };
    await expectRefused(app.t, () => standard(nowInSeconds - TOLERANCE - 1), { status: 401, error: 'unauthorized', outcome: 'unauthorized', detail: 'webhook-timestamp is outside the tolerance window', handled: app.handled });
    await expectAnswered(app.t, () => standard(nowInSeconds - TOLERANCE));
  });
});

describe('IP_ALLOWLIST keeps IPv4 and IPv6 apart, end to end', () => {
  const created = loadFixture('openregister-object-created');

  /** Boots with this allowlist, sends the fixture from 127.0.0.1 (or as X-Forwarded-For says), closes. */
  async function statusFor(env: Record<string, string>, forwardedFor?: string): Promise<{ status: number; handled: number }> {
    return withRecordingApp(env, async ({ t, handled }) => {
      const response = await t.send(created, forwardedFor === undefined ? {} : { 'X-Forwarded-For': forwardedFor });
      return { status: response.status, handled: handled.received.length };
    });
  }

  it.each(['::/0', '::1', '2001:db8::/32', '::1,2001:db8::/32'])('refuses 403 the IPv4 client 127.0.0.1 when IP_ALLOWLIST=%s holds IPv6 entries only', async (allowlist) => {
    expect(await statusFor({ IP_ALLOWLIST: allowlist })).toEqual({ status: 403, handled: 0 });
  });

  it.each([
    ['an IPv4-mapped range carrying it', '::ffff:127.0.0.0/104', 200],
    ['an IPv4-mapped address of it', '::ffff:127.0.0.1', 200],
    ['an IPv4-mapped range carrying another network', '::ffff:10.0.0.0/104', 403],
  ])('matches the IPv4 client 127.0.0.1 against %s as the IPv4 it carries', async (_label, allowlist, status) => {
    expect((await statusFor({ IP_ALLOWLIST: allowlist })).status).toBe(status);
  });

  it.each([
    ['an IPv4-mapped client', '::ffff:10.1.2.3', '10.0.0.0/8', 200],
    ['an IPv4-mapped client outside the range', '::ffff:192.168.1.1', '10.0.0.0/8', 403],
    ['an IPv4 client', '10.1.2.3', '::/0', 403],
    ['an IPv6 client', '2001:db8::1', '10.0.0.0/8', 403],
    ['an IPv6 client', '2001:db8::1', '2001:db8::/32', 200],
  ])('behind a trusted proxy, matches %s (%s) against IP_ALLOWLIST=%s', async (_label, client, allowlist, status) => {
    expect((await statusFor({ IP_ALLOWLIST: allowlist, TRUST_PROXY: 'true' }, client)).status).toBe(status);
  });
});
