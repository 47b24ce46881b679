import type { Logger } from 'pino';
import type { StoreMonitor } from '../store/store-monitor.js';

/** Logs a failed store call, or, with a monitor, leaves it to the monitor, which stays quiet while an outage is known (its own lines tell it). */
export function reportStoreError(logger: Logger, monitor: StoreMonitor | undefined, error: unknown, what: string, fields: object = {}): void {
  if (monitor) monitor.backgroundError(error, what, fields, 'error');
  else logger.error({ ...fields, err: error }, what);
}
