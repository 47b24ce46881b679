import type { Logger } from 'pino';
import { flushLog } from '../logging/logger.js';

/**
 * What shutdown may take beyond SHUTDOWN_GRACE_MS: closing the store (STORE_CLOSE_IN_MS), writing
 * the last log lines (at most 2 s) and closing the HTTP server, with room to spare. The process
 * exits within SHUTDOWN_GRACE_MS + this margin of the signal, even when the database hangs.
 */
export const SHUTDOWN_MARGIN_IN_MS = 5_000;

/** How long closing the stores may take at shutdown (write held-back attempts, give up leases, disconnect). */
export const STORE_CLOSE_IN_MS = 2_000;

/**
 * The last resort behind the bounded shutdown steps: once SHUTDOWN_GRACE_MS + SHUTDOWN_MARGIN_IN_MS
 * have passed since the signal, the process says so and exits, whatever is still pending. Armed by
 * the real process only (main.ts); an application in a test is closed by its test.
 */
export function armShutdownDeadline(logger: Logger, graceInMs: number, exit: (code: number) => void = (code) => process.exit(code)): void {
  let armed = false;
  const arm = (signal: NodeJS.Signals) => {
    if (armed) return;
    armed = true;
    const limitInMs = graceInMs + SHUTDOWN_MARGIN_IN_MS;
    setTimeout(() => {
      logger.error({ signal, limitMs: limitInMs }, `Shutdown did not finish within SHUTDOWN_GRACE_MS + ${SHUTDOWN_MARGIN_IN_MS} ms: exiting now, what was left stays in the store`);
      void flushLog(logger, 1_000).finally(() => exit(1));
    }, limitInMs).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => arm(signal));
}
