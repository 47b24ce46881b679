import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { DELIVERY_MODES, STORE_DRIVERS } from '../src/config/environment.js';
import { FIXTURE_SECRET } from './support/fixtures.js';
import { TEST_HTTP_ADAPTER } from './support/http-adapter.js';
import { freePort, ServiceProcess } from './support/service-process.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A refusal must be at once: the built service loads in about 1 s, so 10 s means it hung. */
const EXIT_WITHIN_MS = 10_000;

/** The exit of a service that should refuse to start, or a failure once EXIT_WITHIN_MS have passed. */
async function exitWithin(service: ServiceProcess): Promise<{ code: number | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${EXIT_WITHIN_MS} ms; stdout: ${service.stdout.join('\n')}`)), EXIT_WITHIN_MS);
  });
  try {
    const { code } = await Promise.race([service.exit(), timeout]);
    return { code };
  } finally {
    clearTimeout(timer);
  }
}

/** Nothing may say the service is up when it is not. */
function expectNeverSaidStarted(service: ServiceProcess): void {
  expect(service.stdout.filter((line) => /started|listening/i.test(line))).toEqual([]);
}

describe('start-up settings', () => {
  let service: ServiceProcess | undefined;
  let blocker: Server | undefined;
  afterEach(async () => {
    service?.kill();
    service = undefined;
    if (blocker) {
      blocker.close();
      await once(blocker, 'close');
      blocker = undefined;
    }
  });

  it.each([
    ['every interface', '::'],
    ['loopback only', '127.0.0.1'],
  ])('exits 1 at once with one line naming PORT when the port is taken (%s)', async (_label, host) => {
    const port = await freePort();
    blocker = createServer();
    blocker.listen(port, host);
    await once(blocker, 'listening');

    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory', PORT: String(port) });
    const { code } = await exitWithin(service);
    expect(code).toBe(1);
    expect(service.stderr.trim().split('\n')).toEqual([`Cannot start: PORT=${port} is already in use (another process listens on it); set PORT to a free port`]);
    expectNeverSaidStarted(service);
  });

  it('exits 1 at once naming STORE_DRIVER and its choices when the driver does not exist', async () => {
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, STORE_DRIVER: 'postgress' });
    const { code } = await exitWithin(service);
    expect(code).toBe(1);
    expect(service.stderr).toContain(`STORE_DRIVER="postgress": STORE_DRIVER must be one of ${STORE_DRIVERS.join(', ')}`);
    expectNeverSaidStarted(service);
  });

  it('exits 1 at once naming DELIVERY_MODE when the mode does not exist', async () => {
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, STORE_DRIVER: 'memory', DELIVERY_MODE: 'async' });
    const { code } = await exitWithin(service);
    expect(code).toBe(1);
    expect(service.stderr).toContain(`DELIVERY_MODE="async": DELIVERY_MODE must be one of ${DELIVERY_MODES.join(', ')}`);
    expectNeverSaidStarted(service);
  });

  it('exits 1 once with every configuration mistake, one line each', async () => {
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, WEBHOOK_BODY_LIMIT: '5xb', IP_ALLOWLIST: 'banana', TRUST_PROXY: 'cherry', HANDLER_TIMEOUT_MS: '-5' });
    expect((await exitWithin(service)).code).toBe(1);
    expect(service.stderr.trim().split('\n')).toEqual([
      'Invalid configuration:',
      '  WEBHOOK_BODY_LIMIT="5xb": WEBHOOK_BODY_LIMIT must be a size such as 5mb, 512kb or 1048576',
      '  HANDLER_TIMEOUT_MS="-5": HANDLER_TIMEOUT_MS must be a whole number of milliseconds, at least 1',
      expect.stringMatching(/^ {2}IP_ALLOWLIST: "banana" is not an IP address or CIDR range/),
      expect.stringMatching(/^ {2}TRUST_PROXY: "cherry" is not true, false, a hop count/),
    ]);
    expectNeverSaidStarted(service);
  });

  it('exits 1 naming the handler and its decorator, not the port, when a handler subscribes to a misspelt event type', async () => {
    const preload = fileURLToPath(new URL('./support/misspelt-handler.preload.mjs', import.meta.url));
    service = await ServiceProcess.start({
      WEBHOOK_SECRETS: FIXTURE_SECRET, DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory',
      NODE_OPTIONS: `--import ${preload}`, TEST_HANDLER_EVENTS: 'object.updated,object.create',
    });
    expect((await exitWithin(service)).code).toBe(1);
    expect(service.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Cannot start: Webhook handler SyncToGis: @OnWebhookEvent\("object.updated", "object.create"\): "object.create" is not an event type the service delivers; did you mean "object.created"/),
    ]);
    expect(service.stderr).not.toContain('PORT');
    expectNeverSaidStarted(service);
  });

  it('says what failed once in its JSON line, without repeating the cause', async () => {
    const port = await freePort();
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, STORE_DRIVER: 'postgres', DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/x` });
    expect((await exitWithin(service)).code).toBe(1);
    const failed = service.logLines().filter((line) => line.level === 'error');
    expect(failed).toHaveLength(1);
    const { message } = failed[0].err as { message: string };
    expect(message.match(/ECONNREFUSED/g)).toHaveLength(1);
    expect(service.stderr.match(/ECONNREFUSED/g)).toHaveLength(1);
  });

  it('logs the address it actually listens on', async () => {
    const port = await freePort();
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory', PORT: String(port) });
    await service.ready();
    const line = service.logLines().find((entry) => /^openregister-webhooks \S+ is listening/.test(String(entry.msg)));
    // Every interface: IPv6 and IPv4 where the host has IPv6, else IPv4 only.
    expect([`[::]:${port}`, `0.0.0.0:${port}`]).toContain(line?.listening);
    expect(line?.msg).toBe(`openregister-webhooks ${VERSION} is listening on ${String(line?.listening)} (${TEST_HTTP_ADAPTER}, memory store, inline mode, 1 handler(s))`);
  });

  it('says at info, in one line, what started; Nest\'s boot narration only at debug', async () => {
    service = await ServiceProcess.start({
      WEBHOOK_SECRETS: FIXTURE_SECRET, STORE_DRIVER: 'memory', ADMIN_TOKEN: 'admin-token', FORWARD_URLS: 'http://127.0.0.1:9/hook',
      WEBHOOK_BODY_LIMIT: '1mb', HANDLER_TIMEOUT_MS: '5000',
    });
    await service.ready();
    const lines = service.logLines();
    const start = lines.filter((entry) => /^openregister-webhooks \S+ is listening/.test(String(entry.msg)));
    expect(start).toHaveLength(1);
    expect(start[0]).toMatchObject({
      level: 'info',
      version: VERSION,
      platform: TEST_HTTP_ADAPTER,
      store: 'memory',
      mode: 'queued',
      handlers: expect.arrayContaining([{ name: 'AuditLogHandler', events: ['*'] }, { name: 'ForwardHandler', events: ['*'] }]),
      limits: { bodyLimitBytes: 1024 * 1024, handlerTimeoutMs: 5000, deliveryConcurrency: 8, deliveryMaxAttempts: 8, shutdownGraceMs: 10_000 },
      features: { catchUp: false, forwarding: true, adminApi: true, previousStateTracking: false, auditLog: true, ipAllowlist: false, adminIpAllowlist: false },
    });
    expect(JSON.stringify(start[0])).not.toContain('admin-token');
    const noise = lines.filter((entry) => ['NestFactory', 'NestApplication', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer'].includes(String(entry.context)));
    expect(noise).toEqual([]);
  });
});
