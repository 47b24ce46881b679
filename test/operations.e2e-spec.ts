import { Injectable, Module } from '@nestjs/common';
import { afterEach, describe, expect, it } from '@jest/globals';
import { OnWebhookEvent } from '../src/handlers/index.js';
import { ShutdownState } from '../src/health/shutdown.state.js';
import { FIXTURE_SECRET, loadFixture } from './support/fixtures.js';
import { waitFor } from './support/wait-for.js';
import { ServiceProcess } from './support/service-process.js';
import type { TestApp } from './support/test-app.js';
import { useAppsPerTest } from './support/recording-app.js';

describe('operations', () => {
  // The in-process apps; the built service (ServiceProcess) is started and killed by the tests below.
  const apps = useAppsPerTest();
  let service: ServiceProcess | undefined;
  afterEach(() => {
    service?.kill();
    service = undefined;
  });

  it('answers the probes in Terminus JSON and serves Prometheus metrics with the process defaults', async () => {
    const { t } = await apps.start({}, { recording: false });
    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: 'ok' });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { shutdown: { status: 'up' } } });
    const metrics = await t.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of ['webhook_deliveries_total', 'webhook_handler_runs_total', 'webhook_handler_duration_seconds', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(metrics.text).toContain(`# TYPE ${name}`);
    }
  });

  it('on shutdown turns readiness 503 at once and lets the in-flight delivery finish', async () => {
    let release!: () => void;
    let t: TestApp | undefined;
    const started = new Promise<void>((resolveStarted) => {
      @Injectable()
      @OnWebhookEvent('object.created')
      class Slow {
        handle() {
          resolveStarted();
          return new Promise<void>((resolve) => (release = resolve));
        }
      }
      @Module({ providers: [Slow] })
      class Handlers {}
      void apps.start({}, { recording: false, extensions: [Handlers] }).then((booted) => (t = booted.t));
    });
    await waitFor(() => t !== undefined, { timeoutInMs: 20_000, what: 'the app to boot' });
    const app = t!;

    const inFlight = app.send(loadFixture('openregister-object-created'));
    await started;
    const closing = app.close();
    // The drain has begun once ShutdownState says so: waited for, not guessed with a sleep.
    const shutdown = app.app.get(ShutdownState);
    await waitFor(() => shutdown.draining, { timeoutInMs: 10_000, what: 'the drain to begin' });

    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(503);
    // Terminus reports its own shutdown state once Nest is closing; ours says `draining`.
    expect(['error', 'shutting_down']).toContain(((await ready.json()) as { status: string }).status);
    // Inline delivery cannot promise to finish while draining: new ones are refused with 503.
    expect((await app.send(loadFixture('openregister-object-updated'))).status).toBe(503);

    release();
    expect((await inFlight).body.status).toBe('processed');
    await closing;
  });

  it('exits cleanly on SIGTERM', async () => {
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, DELIVERY_MODE: 'inline' });
    await service.ready();
    service.kill('SIGTERM');
    // Nest re-raises the signal once its shutdown hooks are done, so the exit is by SIGTERM.
    expect(await service.exit()).toEqual({ code: null, signal: 'SIGTERM' });
    const lines = service.logLines();
    const started = lines.findIndex((line) => String(line.msg).startsWith('Shutting down'));
    const finished = lines.findIndex((line) => String(line.msg).startsWith('Drain finished'));
    expect(started).toBeGreaterThanOrEqual(0);
    expect(finished).toBeGreaterThan(started);
    expect(lines[finished]).toMatchObject({ level: 'info', inFlight: 0, msg: expect.stringMatching(/^Drain finished after \d+ ms: nothing left$/) });
  });

  it('says when the drain of a queued service finished, with what was left', async () => {
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, DELIVERY_MODE: 'queued', STORE_DRIVER: 'memory' });
    await service.ready();
    service.kill('SIGTERM');
    await service.exit();
    expect(service.logLines().find((line) => String(line.msg).startsWith('Drain finished'))).toMatchObject({ level: 'info', inFlight: 0, runningDeliveries: 0 });
  });

  it('refuses to start without a credential, saying what to set', async () => {
    service = await ServiceProcess.start({});
    expect((await service.exit()).code).toBe(1);
    expect(service.stderr).toContain('WEBHOOK_SECRETS');
    expect(service.stderr).toContain('WEBHOOK_TOKENS');
    expect(service.stderr).toContain('WEBHOOK_ALLOW_UNAUTHENTICATED=true');
  });

  it('refuses to start on a bad value, naming the variable', async () => {
    service = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, WEBHOOK_TOLERANCE_SECONDS: 'five minutes' });
    expect((await service.exit()).code).toBe(1);
    expect(service.stderr).toMatch(/WEBHOOK_TOLERANCE_SECONDS="five minutes": WEBHOOK_TOLERANCE_SECONDS must be a whole number/);
  });

  it('logs JSON only, and warns at start when running unauthenticated', async () => {
    service = await ServiceProcess.start({ WEBHOOK_ALLOW_UNAUTHENTICATED: 'true', DELIVERY_MODE: 'inline' });
    await service.ready();
    const response = await fetch(`${service.url}/webhooks/openregister`, { method: 'POST', body: loadFixture('openregister-object-created').body });
    expect(response.status).toBe(200);
    service.kill('SIGTERM');
    await service.exit();
    expect(service.stdout.length).toBeGreaterThan(0);
    for (const line of service.stdout) expect(() => JSON.parse(line)).not.toThrow();
    expect(service.logLines().some((line) => line.level === 'warn' && String(line.msg).includes('WEBHOOK_ALLOW_UNAUTHENTICATED=true'))).toBe(true);
  });
});
