import { describe, expect, it } from '@jest/globals';
import { REDACTED, RedactionPolicy } from './redaction.policy.js';

const policy = new RedactionPolicy();
/** What OpenRegister's interception puts into a CloudEvent's payload. */
const event = { payload: { cloudEvent: { data: { headers: { Authorization: 'Basic YWRtaW46b3Itc2VjcmV0', Cookie: 'oc_sessionPassphrase=Zk8Qw3Rt' } } } } };

describe('RedactionPolicy.redactText (a handler error message)', () => {
  it.each([
    ['a credential the event carries, quoted bare', 'callback refused YWRtaW46b3Itc2VjcmV0 (401)', 'YWRtaW46b3Itc2VjcmV0'],
    ['the whole header value the event carries', 'sent Basic YWRtaW46b3Itc2VjcmV0 and got 401', 'YWRtaW46b3Itc2VjcmV0'],
    ['a cookie value the event carries', 'upstream rejected oc_sessionPassphrase=Zk8Qw3Rt', 'Zk8Qw3Rt'],
  ])('blanks %s', (_label, message, secret) => {
    const redacted = policy.redactText(message, event);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain(REDACTED);
  });

  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc', 'Authorization: [REDACTED]'],
    ['request failed {"authorization":"Bearer abc123def456"}', 'request failed {"authorization":"[REDACTED]"}'],
    ['GET /x?access_token=9f8e7d6c5b4a&page=2 failed', 'GET /x?access_token=[REDACTED]&page=2 failed'],
    ['password=hunter22, user=jane', 'password=[REDACTED], user=jane'],
    ['called with Bearer 0123456789abcdef', 'called with Bearer [REDACTED]'],
  ])('blanks what follows a secret key or an auth scheme without the event: %s', (message, expected) => {
    expect(policy.redactText(message)).toBe(expected);
  });

  it('leaves ordinary messages as they are', () => {
    for (const message of ['Handler: down', 'Basic authentication is not configured', 'timed out after 5000 ms', 'passwordless login refused']) {
      expect(policy.redactText(message, event)).toBe(message);
    }
  });

  it('blanks values of the REDACT_FIELDS names as well', () => {
    const withExtra = new RedactionPolicy(['X-Nc-Session', 'bsn']);
    expect(withExtra.redactText('x-nc-session: s3ss10n-value; bsn=123456782')).toBe(`x-nc-session: ${REDACTED}; bsn=${REDACTED}`);
    expect(withExtra.redactText('refused', { person: { bsn: '123456782' } })).toBe('refused');
    expect(withExtra.redactText('no person with 123456782', { person: { bsn: '123456782' } })).toBe(`no person with ${REDACTED}`);
  });

  it('redactError blanks the message, the stack and the causes, and leaves the error itself alone', () => {
    const cause = new Error('token=abcdef123456 rejected');
    const error = new Error('callback with YWRtaW46b3Itc2VjcmV0 failed', { cause });
    const copy = policy.redactError(error, event) as Error;
    expect(copy.message).toBe(`callback with ${REDACTED} failed`);
    expect(copy.stack).not.toContain('YWRtaW46b3Itc2VjcmV0');
    expect((copy.cause as Error).message).toBe(`token=${REDACTED} rejected`);
    expect(error.message).toContain('YWRtaW46b3Itc2VjcmV0');
  });

  it("redactError keeps the error's plain fields (code, status), blanking secret ones", () => {
    const error = Object.assign(new Error('refused'), { code: 'ECONNRESET', status: 401, token: 'abcdef123456', detail: 'sent token=abcdef123456', response: { big: true } });
    expect({ ...(policy.redactError(error) as object) }).toEqual({ code: 'ECONNRESET', status: 401, token: REDACTED, detail: `sent token=${REDACTED}` });
    const typed = policy.redactError(new TypeError('bad token=abcdef123456')) as Error;
    expect(typed).toBeInstanceOf(TypeError);
    expect([typed.name, typed.message]).toEqual(['TypeError', `bad token=${REDACTED}`]);
  });
});
