import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import type { ModuleMetadata } from '@nestjs/common';
import { HandledEvents, RecordingModule } from './recording.handler.js';
import { startTestApp, type TestApp, type TestClock } from './test-app.js';

export interface RecordingAppOptions {
  /** Modules with more handlers, beside the recording one. */
  extensions?: ModuleMetadata['imports'];
  clock?: TestClock;
}

/** A booted app whose every handled event is recorded. */
export interface RecordingApp {
  readonly t: TestApp;
  readonly handled: HandledEvents;
}

/**
 * The real app with the recording handler, booted once for the enclosing `describe` (or once per
 * test with `per: 'test'`) and always closed after it; with `clearEachTest` the recorded events are
 * cleared before each test (otherwise they add up over the describe's tests). Use its fields inside tests: `const app = useRecordingApp(env); ... app.t.send(...)`.
 */
export function useRecordingApp(env: Record<string, string> = {}, options: RecordingAppOptions & { per?: 'describe' | 'test'; clearEachTest?: boolean } = {}): RecordingApp {
  let current: { t: TestApp; handled: HandledEvents } | undefined;
  const [before, after] = options.per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    current = await startRecordingApp(env, options);
  });
  after(async () => {
    await current?.t.close();
    current = undefined;
  });
  if (options.clearEachTest) beforeEach(() => void current?.handled.received.splice(0));
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

/** Boots the app with the recording handler for one piece of work and closes it afterwards, whatever happens. */
export async function withRecordingApp<T>(env: Record<string, string>, work: (app: RecordingApp) => Promise<T>, options: RecordingAppOptions = {}): Promise<T> {
  const app = await startRecordingApp(env, options);
  try {
    return await work(app);
  } finally {
    await app.t.close();
  }
}

async function startRecordingApp(env: Record<string, string>, options: RecordingAppOptions): Promise<RecordingApp> {
  const t = await startTestApp(env, { clock: options.clock, extensions: [RecordingModule, ...(options.extensions ?? [])] });
  return { t, handled: t.app.get(HandledEvents) };
}
