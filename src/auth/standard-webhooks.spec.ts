import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { signStandardWebhook, verifyStandardWebhook } from './standard-webhooks.js';

// The known answer published with the Standard Webhooks specification.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const PAYLOAD = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const headers = (signature = SIGNATURE) => ({ id: ID, timestamp: String(TIMESTAMP), signature });

describe('signStandardWebhook', () => {
  it('produces the specification known answer', () => {
    expect(signStandardWebhook(SECRET, ID, TIMESTAMP, PAYLOAD)).toBe(SIGNATURE);
  });

  it('agrees with a direct HMAC-SHA256 over id.timestamp.payload keyed by the decoded secret', () => {
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const direct = createHmac('sha256', key).update(`${ID}.${TIMESTAMP}.${PAYLOAD}`).digest('base64');
    expect(SIGNATURE).toBe(`v1,${direct}`);
  });

  it('signs a Buffer body the same as the string', () => {
    expect(signStandardWebhook(SECRET, ID, TIMESTAMP, Buffer.from(PAYLOAD))).toBe(SIGNATURE);
  });
});

describe('verifyStandardWebhook', () => {
  it('accepts the known answer with tolerance 0 (timestamp not checked)', () => {
    expect(verifyStandardWebhook([SECRET], PAYLOAD, headers(), 0, 0)).toEqual({ ok: true, timestampInSeconds: TIMESTAMP });
  });

  it('accepts a timestamp 10 s old with a 300 s tolerance', () => {
    expect(verifyStandardWebhook([SECRET], PAYLOAD, headers(), 300, TIMESTAMP + 10)).toEqual({ ok: true, timestampInSeconds: TIMESTAMP });
  });

  it('refuses a timestamp far in the past', () => {
    const verdict = verifyStandardWebhook([SECRET], PAYLOAD, headers(), 300, TIMESTAMP + 301);
    expect(verdict.ok).toBe(false);
  });

  it('refuses a timestamp far in the future', () => {
    const verdict = verifyStandardWebhook([SECRET], PAYLOAD, headers(), 300, TIMESTAMP - 301);
    expect(verdict.ok).toBe(false);
  });

  it('accepts a header listing several signatures when one of them is right', () => {
    const signature = `v1,Zm9vYmFyYmF6 v2,c29tZXRoaW5nZWxzZQ== ${SIGNATURE}`;
    expect(verifyStandardWebhook([SECRET], PAYLOAD, headers(signature), 0, 0).ok).toBe(true);
  });

  it('accepts a rotation header whose valid signature comes first, before signatures it cannot check', () => {
    const signature = `${SIGNATURE} v1,Zm9vYmFyYmF6 v1,c29tZXRoaW5nZWxzZQ==`;
    expect(verifyStandardWebhook([SECRET], PAYLOAD, headers(signature), 0, 0)).toEqual({ ok: true, timestampInSeconds: TIMESTAMP });
  });

  it('accepts the valid signature anywhere in the list: first, middle or last', () => {
    const others = ['v1,Zm9vYmFyYmF6', 'v1,c29tZXRoaW5nZWxzZQ=='];
    for (const position of [0, 1, 2]) {
      const parts = [...others];
      parts.splice(position, 0, SIGNATURE);
      expect([position, verifyStandardWebhook([SECRET], PAYLOAD, headers(parts.join(' ')), 0, 0).ok]).toEqual([position, true]);
    }
  });

  it('refuses a header whose signatures are all wrong', () => {
    const verdict = verifyStandardWebhook([SECRET], PAYLOAD, headers('v1,Zm9vYmFyYmF6 v1,c29tZXRoaW5nZWxzZQ=='), 0, 0);
    expect(verdict).toEqual({ ok: false, reason: expect.stringContaining('signature') });
  });

  it('refuses the right digest under another version tag', () => {
    expect(verifyStandardWebhook([SECRET], PAYLOAD, headers(SIGNATURE.replace('v1,', 'v2,')), 0, 0).ok).toBe(false);
  });

  it('refuses a changed payload', () => {
    expect(verifyStandardWebhook([SECRET], '{"test": 2432232315}', headers(), 0, 0).ok).toBe(false);
  });

  it.each(['id', 'timestamp', 'signature'] as const)('refuses when webhook-%s is missing', (missing) => {
    const partial = { ...headers(), [missing]: undefined };
    expect(verifyStandardWebhook([SECRET], PAYLOAD, partial, 0, 0).ok).toBe(false);
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(verifyStandardWebhook([SECRET], PAYLOAD, { ...headers(), timestamp: '1614265330.0' }, 0, 0).ok).toBe(false);
  });

  it('accepts the same base64 secret without the whsec_ prefix', () => {
    const unprefixed = SECRET.slice('whsec_'.length);
    expect(verifyStandardWebhook([unprefixed], PAYLOAD, headers(), 0, 0).ok).toBe(true);
  });

  it('finds the right secret among several (rotation)', () => {
    expect(verifyStandardWebhook(['whsec_b2xkLXNlY3JldC1vbGQ=', SECRET], PAYLOAD, headers(), 0, 0).ok).toBe(true);
  });

  it('round-trips a plain-text secret', () => {
    const signature = signStandardWebhook('fixture-secret', ID, TIMESTAMP, PAYLOAD);
    expect(verifyStandardWebhook(['fixture-secret'], PAYLOAD, headers(signature), 0, 0).ok).toBe(true);
  });

  it('keys a plain-text secret by its UTF-8 bytes', () => {
    const direct = createHmac('sha256', 'fixture-secret').update(`${ID}.${TIMESTAMP}.${PAYLOAD}`).digest('base64');
    expect(signStandardWebhook('fixture-secret', ID, TIMESTAMP, PAYLOAD)).toBe(`v1,${direct}`);
  });

  it('refuses a plain-text-secret signature checked against another secret', () => {
    const signature = signStandardWebhook('fixture-secret', ID, TIMESTAMP, PAYLOAD);
    expect(verifyStandardWebhook(['other-secret'], PAYLOAD, headers(signature), 0, 0).ok).toBe(false);
  });
});
