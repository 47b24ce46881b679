import { describe, expect, it } from '@jest/globals';
import { createLogger, flushLog, PinoNestLogger } from './logger.js';
import { REDACTED } from './redact.js';

/** Every credential a request can carry in a header, as Node hands headers over (lowercase). */
const CREDENTIAL_HEADERS = {
  authorization: 'Bearer secret-authorization',
  'proxy-authorization': 'Basic c2VjcmV0LXByb3h5',
  'x-api-key': 'secret-api-key',
  'x-webhook-signature': 'secret-hmac-signature',
  'webhook-signature': 'v1,secret-standard-signature',
  'x-signature': 'sha256=secret-documented-signature',
  cookie: 'session=secret-cookie',
  'set-cookie': ['session=secret-set-cookie'],
};
const HARMLESS_HEADERS = { 'content-type': 'application/json', 'user-agent': 'OpenRegister-Webhooks/1.0', 'webhook-id': 'msg_1' };

/** The production logger writing its JSON lines into an array. */
function capture(level = 'info', redactFields: string[] = []) {
  const lines: Record<string, any>[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, any>) }, { redactFields });
  return { logger, lines };
}

describe('the service logger blanks credential headers', () => {
  it('redacts the headers REDACT_FIELDS names too, whatever their case, and leaves the rest', () => {
    const { logger, lines } = capture('info', ['X-Nc-Session', 'bsn', 'not"a-header']);
    logger.info({ headers: { ...HARMLESS_HEADERS, 'x-nc-session': 'secret-session', bsn: '123456782' } }, 'request');
    expect(lines[0].headers).toEqual({ ...HARMLESS_HEADERS, 'x-nc-session': REDACTED, bsn: REDACTED });
  });

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

describe("Nest's boot narration", () => {
  it.each(['NestFactory', 'NestApplication', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer'])('is at debug for %s', (context) => {
    const { logger, lines } = capture('debug');
    new PinoNestLogger(logger).log('AppModule dependencies initialized', context);
    expect(lines.map((line) => line.level)).toEqual(['debug']);
    const quiet = capture('info');
    new PinoNestLogger(quiet.logger).log('AppModule dependencies initialized', context);
    expect(quiet.lines).toEqual([]);
  });

  it('keeps other contexts at info and warnings at warn', () => {
    const { logger, lines } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('Admin API on', 'AdminModule');
    nest.warn('careful', 'RoutesResolver');
    expect(lines.map((line) => line.level)).toEqual(['info', 'warn']);
  });
});

describe('flushLog', () => {
  it('waits until the last line is on disk, where pino\'s flush(cb) calls back at once', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const pino = (await import('pino')).default;
    const file = join(mkdtempSync(join(tmpdir(), 'flush-log-')), 'log');
    const destination = pino.destination({ dest: file, sync: false });
    await new Promise((resolve) => destination.once('ready', resolve));
    const logger = createLogger('info', destination);
    for (let index = 0; index < 200; index++) logger.info({ index, padding: 'x'.repeat(500) }, 'line');
    logger.info('the last line');
    await flushLog(logger, 2_000);
    expect(readFileSync(file, 'utf8')).toContain('the last line');
  });
});
