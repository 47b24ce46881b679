import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenRegisterEvent } from '../../src/events/openregister-event.js';
import { startFakeOpenRegister, type FakeOpenRegister, type FakeOpenRegisterOptions } from './fake-openregister.js';
import { FIXTURE_SECRET } from './fixtures.js';
import { waitFor } from './wait-for.js';
import { startRecordingApp } from './recording-app.js';
import type { HandledEvents } from './recording.handler.js';
import { metricValue, TestClock, type TestApp } from './test-app.js';

/** Catch-up every second, queued, with the fake's credentials; the replay window off (the fake signs with the real time). */
export function catchupEnv(fake: FakeOpenRegister, env: Record<string, string> = {}): Record<string, string> {
  return {
    DELIVERY_MODE: 'queued',
    WEBHOOK_TOLERANCE_SECONDS: '0',
    OPENREGISTER_URL: fake.url,
    OPENREGISTER_USERNAME: fake.username,
    OPENREGISTER_PASSWORD: fake.password,
    CATCHUP_INTERVAL_SECONDS: '1',
    OPENREGISTER_TIMEOUT_MS: '2000',
    ...env,
  };
}

/** A fake OpenRegister with register `meldingen` and schema `melding`. */
export async function startOpenRegister(options: FakeOpenRegisterOptions = {}) {
  const fake = await startFakeOpenRegister(options);
  const register = fake.addRegister({ slug: 'meldingen' });
  const schema = fake.addSchema({ slug: 'melding', register });
  return { fake, register, schema };
}

/**
 * The service under test with catch-up on, recording every handled event; its clock at the real
 * time (movable). Resolves once catch-up has read OpenRegister successfully (its first read sets
 * the checkpoint at OpenRegister's current end), unless `firstRead` is false.
 */
export async function startCatchupApp(fake: FakeOpenRegister, env: Record<string, string> = {}, options: { clock?: TestClock; firstRead?: boolean } = {}) {
  const { t, handled } = await startRecordingApp(catchupEnv(fake, env), { clock: options.clock ?? new TestClock(Date.now()) });
  if (options.firstRead !== false) await waitFor(async () => metricValue(await t.metrics(), 'webhook_catchup_up', {}) === 1, { timeoutInMs: 20_000, what: "catch-up's first read" });
  return { t, handled };
}

/** Registers the app as the fake's webhook receiver (OpenRegister then pushes creations to it). */
export function pushTo(fake: FakeOpenRegister, t: TestApp): number {
  return fake.addWebhook({ name: 'openregister-webhooks', url: `${t.url}/webhooks/openregister`, events: ['OCA\\OpenRegister\\Event\\ObjectCreatedEvent'], secret: FIXTURE_SECRET });
}

/** `type uuid` of each handled event, in handling order. */
export function handledChanges(handled: HandledEvents): string[] {
  return handled.received.map(({ event }) => `${event.type} ${event.object?.uuid ?? event.previous?.uuid}`);
}

export function handledOf(handled: HandledEvents, type: string, uuid: string): OpenRegisterEvent[] {
  return handled.received.filter(({ event }) => event.type === type && event.object?.uuid === uuid).map(({ event }) => event);
}

/** How many changes of `type` catch-up has read (`webhook_catchup_events_total`). */
export async function catchupRead(t: TestApp, type: string): Promise<number> {
  return metricValue(await t.metrics(), 'webhook_catchup_events_total', { type });
}

/** What one catch-up spec started: closed after each test, even one that failed half-way. */
export class CatchupHarness {
  fake?: FakeOpenRegister;
  readonly apps: TestApp[] = [];
  private readonly dirs: string[] = [];

  /** A fake OpenRegister with register `meldingen` and schema `melding`, closed after the test. */
  async openRegister(options: FakeOpenRegisterOptions = {}) {
    const started = await startOpenRegister(options);
    this.fake = started.fake;
    return started;
  }

  /** The app under test (see startCatchupApp), closed after the test unless `stop` closed it. */
  async app(env: Record<string, string> = {}, options: { clock?: TestClock; firstRead?: boolean } = {}) {
    const started = await startCatchupApp(this.fake!, env, options);
    this.apps.push(started.t);
    return started;
  }

  /** Closes an app now (the service going down). */
  async stop(t: TestApp): Promise<void> {
    this.apps.splice(this.apps.indexOf(t), 1);
    await t.close();
  }

  /** A SQLite DATA_DIR, removed after the test. */
  dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'orw-catchup-'));
    this.dirs.push(dir);
    return dir;
  }

  async close(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.close();
    await this.fake?.close();
    this.fake = undefined;
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
