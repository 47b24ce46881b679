import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { DELIVERY_MODES, STORE_DRIVERS } from '../src/config/environment.js';
import { FIXTURE_SECRET } from './support/fixtures.js';
import { freePort, ServiceProcess } from './support/service-process.js';

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

  it('logs the address it actually listens on', async () => {
    const port = await freePort();
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory', PORT: String(port) });
    await service.ready();
    const line = service.logLines().find((entry) => String(entry.msg).startsWith('openregister-webhooks is listening'));
    // Every interface: IPv6 and IPv4 where the host has IPv6, else IPv4 only.
    expect([`[::]:${port}`, `0.0.0.0:${port}`]).toContain(line?.listening);
    expect(line?.msg).toBe(`openregister-webhooks is listening on ${String(line?.listening)}`);
  });
});
