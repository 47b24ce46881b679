import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import type { ModuleMetadata } from '@nestjs/common';
import type { AppOptions } from '../../src/app.module.js';
import { HandledEvents, RecordingModule } from './recording.handler.js';
import { startTestApp, type TestApp, type TestClock } from './test-app.js';

export interface RecordingAppOptions {
  /** Modules with more handlers, beside the recording one. */
  extensions?: ModuleMetadata['imports'];
  clock?: TestClock;
  /**
   * `false` boots the app without the recording handler, for specs whose own handlers must be the
   * only ones (a handler count, a failing handler's retries) or that need no handler at all;
   * reading `handled` then throws.
   */
  recording?: boolean;
  /** Where the app's spans go (the tracing spec's in-memory exporter). */
  traceExporter?: AppOptions['traceExporter'];
}

/** A booted app whose every handled event is recorded. */
export interface RecordingApp {
  readonly t: TestApp;
  readonly handled: HandledEvents;
}

/**
 * The real app with the recording handler, booted once for the enclosing `describe` (or once per
 * test with `per: 'test'`) and always closed after it. The recorded events are cleared before each
 * test (`clearEachTest: false` lets them add up over the describe's tests, in Jest's order). Use its fields inside tests: `const app = useRecordingApp(env); ... app.t.send(...)`.
 */
export function useRecordingApp(env: Record<string, string> = {}, options: RecordingAppOptions & { per?: 'describe' | 'test'; clearEachTest?: boolean } = {}): RecordingApp {
  let current: RecordingApp | undefined;
  const [before, after] = options.per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    current = await startRecordingApp(env, options);
  });
  after(async () => {
    await current?.t.close();
    current = undefined;
  });
  // Each test starts with nothing recorded, so none depends on what the tests before it sent
  // (their order is Jest's, or random with --randomize).
  if (options.clearEachTest !== false && options.recording !== false) beforeEach(() => void current?.handled.received.splice(0));
  const started = () => {
    if (!current) throw new Error('useRecordingApp: the app is booted before the tests; read it inside a test, not at describe time');
    return current;
  };
  return {
    get t() {
      return started().t;
    },
    get handled() {
      return started().handled;
    },
  };
}

/** Starts apps inside a test; every app started is closed after that test (see {@link useAppsPerTest}). */
export interface AppsPerTest {
  start(env?: Record<string, string>, options?: RecordingAppOptions): Promise<RecordingApp>;
}

/**
 * For describes whose tests each boot their own app (a setting, a handler or a clock of the test's
 * own), or more than one: `const apps = useAppsPerTest(); ... const { t, handled } = await apps.start(env)`.
 * Every app a test started is closed after it, last started first, whatever happened; call it
 * before the describe's own `afterEach`, so the apps are closed before what they talk to (a forward
 * target, a proxy, a database).
 */
export function useAppsPerTest(): AppsPerTest {
  const started: RecordingApp[] = [];
  afterEach(async () => {
    for (const app of started.splice(0).reverse()) await app.t.close();
  });
  return {
    async start(env = {}, options = {}) {
      const app = await startRecordingApp(env, options);
      started.push(app);
      return app;
    },
  };
}

/** Boots the app with the recording handler for one piece of work and closes it afterwards, whatever happens. */
export async function withRecordingApp<T>(env: Record<string, string>, work: (app: RecordingApp) => Promise<T>, options: RecordingAppOptions = {}): Promise<T> {
  const app = await startRecordingApp(env, options);
  try {
    return await work(app);
  } finally {
    await app.t.close();
  }
}

/** Boots the app (with the recording handler unless `recording: false`), not yet closed: its caller closes it (the helpers above; CatchupHarness). */
export async function startRecordingApp(env: Record<string, string>, options: RecordingAppOptions = {}): Promise<RecordingApp> {
  const recording = options.recording ?? true;
  const extensions = [...(recording ? [RecordingModule] : []), ...(options.extensions ?? [])];
  const t = await startTestApp(env, { clock: options.clock, extensions, traceExporter: options.traceExporter });
  // Closing twice is harmless: a test may close its app early (to boot another, or to watch the
  // shutdown), and the harness's close after it then has nothing left to do.
  const close = t.close;
  let closing: Promise<void> | undefined;
  t.close = () => (closing ??= close());
  const handled = recording ? t.app.get(HandledEvents) : undefined;
  return {
    t,
    get handled(): HandledEvents {
      if (!handled) throw new Error('this app was booted with recording: false, so it records no events');
      return handled;
    },
  };
}
