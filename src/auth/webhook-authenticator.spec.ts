import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config/app-config.js';
import { signHmac } from './hmac-signature.js';
import { NO_TOKENS_CONFIGURED, WebhookAuthenticator } from './webhook-authenticator.js';

const BODY = Buffer.from('{"notification":"n","object":{"uuid":"u","data":{"id":"u"}},"context":[],"timestamp":"2026-05-15T10:00:00+00:00"}');
const authenticator = (env: Record<string, string>) => new WebhookAuthenticator(loadConfig(env), { now: () => Date.parse('2026-05-15T10:00:05Z') });

describe('WebhookAuthenticator and unsigned senders (a schema notification)', () => {
  it('accepts the token the rule sends in Authorization: Bearer', () => {
    expect(authenticator({ WEBHOOK_SECRETS: 's', WEBHOOK_TOKENS: 't' }).authenticate({ authorization: 'Bearer t' }, BODY)).toEqual({ ok: true, method: 'token' });
  });

  it('refuses a token when only HMAC secrets are set, saying to set WEBHOOK_TOKENS', () => {
    const verdict = authenticator({ WEBHOOK_SECRETS: 't' }).authenticate({ authorization: 'Bearer t' }, BODY);
    expect(verdict).toEqual({ ok: false, reason: NO_TOKENS_CONFIGURED });
    expect(NO_TOKENS_CONFIGURED).toMatch(/WEBHOOK_TOKENS is not set/);
  });

  it('refuses no credentials at all when only HMAC secrets are set, naming WEBHOOK_TOKENS', () => {
    const verdict = authenticator({ WEBHOOK_SECRETS: 's' }).authenticate({}, BODY);
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/^no credentials presented; .*WEBHOOK_TOKENS/) });
  });

  it('still says only "no credentials presented" when tokens are set', () => {
    expect(authenticator({ WEBHOOK_SECRETS: 's', WEBHOOK_TOKENS: 't' }).authenticate({}, BODY)).toEqual({ ok: false, reason: 'no credentials presented' });
  });

  it('keeps HMAC as it was: a valid signature passes, a token beside a secrets-only set-up does not weaken it', () => {
    const secretsOnly = authenticator({ WEBHOOK_SECRETS: 's' });
    expect(secretsOnly.authenticate({ 'x-webhook-signature': signHmac('s', BODY) }, BODY)).toEqual({ ok: true, method: 'hmac' });
    expect(secretsOnly.authenticate({ 'x-webhook-signature': signHmac('other', BODY), authorization: 'Bearer s' }, BODY)).toEqual({
      ok: false,
      reason: `X-Webhook-Signature does not match the body; ${NO_TOKENS_CONFIGURED}`,
    });
  });
});

describe('WebhookAuthenticator and the X-Signature alias', () => {
  const signature = signHmac('s', BODY);

  it.each([signature, `sha256=${signature}`])('accepts X-Signature: %s as an HMAC signature', (value) => {
    expect(authenticator({ WEBHOOK_SECRETS: 's' }).authenticate({ 'x-signature': value }, BODY)).toEqual({ ok: true, method: 'hmac' });
  });

  it('accepts a good X-Signature next to a stale X-Webhook-Signature', () => {
    expect(authenticator({ WEBHOOK_SECRETS: 's' }).authenticate({ 'x-webhook-signature': '0'.repeat(64), 'x-signature': signature }, BODY)).toEqual({ ok: true, method: 'hmac' });
  });

  it('refuses a wrong X-Signature, naming that header', () => {
    expect(authenticator({ WEBHOOK_SECRETS: 's' }).authenticate({ 'x-signature': `sha256=${'0'.repeat(64)}` }, BODY)).toEqual({ ok: false, reason: 'X-Signature does not match the body' });
  });
});
