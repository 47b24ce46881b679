import { afterAll, beforeEach, expect } from '@jest/globals';
import { relative } from 'node:path';

/**
 * Every spec file's time limit (jest.config.js loads this file before each one). Jest bounds each
 * test and hook (`testTimeout`), but not a file: many slow tests, or hooks that each stay just
 * under their bound, could hold CI until its own limit, which names nothing. Past the limit the
 * test running then fails with this file's name, and every later test of the file fails at once
 * instead of running. `JEST_FILE_LIMIT_MS` changes the limit (0: none), for a slow machine.
 */
const LIMIT_IN_MS = Number(process.env.JEST_FILE_LIMIT_MS ?? 300_000);
const file = relative(process.cwd(), expect.getState().testPath ?? 'this spec file');
let overrun: Error | undefined;

// Taken now: a spec that installs Jest's fake timers must not stop the watchdog's clock.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

const timer =
  LIMIT_IN_MS > 0
    ? realSetTimeout(() => {
        overrun = new Error(`${file} ran past its limit of ${LIMIT_IN_MS / 1000} s (JEST_FILE_LIMIT_MS): stopped, its remaining tests fail`);
        process.stderr.write(`\n[file watchdog] ${overrun.message}\n`);
        // Thrown from a timer: Jest fails the test running now with it.
        throw overrun;
      }, LIMIT_IN_MS)
    : undefined;
timer?.unref();

beforeEach(() => {
  if (overrun) throw overrun;
});

afterAll(() => {
  if (timer) realClearTimeout(timer);
});
