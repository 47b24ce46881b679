import { describe, expect, it } from '@jest/globals';
import { createLogger, PinoNestLogger } from './logger.js';
import { REDACTED } from './redact.js';

/** Every credential a request can carry in a header, as Node hands headers over (lowercase). */
const CREDENTIAL_HEADERS = {
  authorization: 'Bearer secret-authorization',
  'proxy-authorization': 'Basic c2VjcmV0LXByb3h5',
  'x-api-key': 'secret-api-key',
  'x-webhook-signature': 'secret-hmac-signature',
  'webhook-signature': 'v1,secret-standard-signature',
  cookie: 'session=secret-cookie',
  'set-cookie': ['session=secret-set-cookie'],
};
const HARMLESS_HEADERS = { 'content-type': 'application/json', 'user-agent': 'OpenRegister-Webhooks/1.0', 'webhook-id': 'msg_1' };

/** The production logger writing its JSON lines into an array. */
function capture(level = 'info') {
  const lines: Record<string, any>[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, any>) });
  return { logger, lines };
}

describe('the service logger blanks credential headers', () => {
  it.each(Object.keys(CREDENTIAL_HEADERS))('redacts headers.%s in a logged headers object', (name) => {
    const { logger, lines } = capture();
    logger.info({ headers: { ...HARMLESS_HEADERS, [name]: CREDENTIAL_HEADERS[name as keyof typeof CREDENTIAL_HEADERS] } }, 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0].headers).toEqual({ ...HARMLESS_HEADERS, [name]: REDACTED });
  });

  it('redacts all of them at once and keeps the other headers', () => {
    const { logger, lines } = capture();
    logger.warn({ headers: { ...HARMLESS_HEADERS, ...CREDENTIAL_HEADERS } }, 'request');
    expect(lines[0].headers).toEqual({ ...HARMLESS_HEADERS, ...Object.fromEntries(Object.keys(CREDENTIAL_HEADERS).map((name) => [name, REDACTED])) });
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
  });

  it("redacts them in Nest's own log calls routed through it", () => {
    const { logger, lines } = capture();
    new PinoNestLogger(logger).warn({ headers: { ...CREDENTIAL_HEADERS } }, 'Test');
    expect(lines[0].headers).toEqual(Object.fromEntries(Object.keys(CREDENTIAL_HEADERS).map((name) => [name, REDACTED])));
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
  });
});

describe('the service logger names an error and its causes once each', () => {
  it('does not append a cause the message already quotes', () => {
    const { logger, lines } = capture();
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    logger.error({ err: new Error(`Could not migrate the PostgreSQL schema (DATABASE_URL): ${cause.message}`, { cause }) }, 'boot failed');
    expect(lines[0].err.message).toBe('Could not migrate the PostgreSQL schema (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:1');
  });

  it('still appends a cause the message does not say', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('DATA_DIR is locked', { cause: new Error('EBUSY') }) }, 'boot failed');
    expect(lines[0].err.message).toBe('DATA_DIR is locked: EBUSY');
  });
});
