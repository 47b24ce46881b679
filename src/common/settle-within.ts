import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until every promise has settled or `ms` have passed, whichever comes first, and then
 * cancels the timer: a grace-period timer left running would keep the process (or a test run)
 * alive for the rest of the period after everything had already finished.
 * @returns true when everything settled in time.
 */
export async function settleWithin(promises: Iterable<Promise<unknown>>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = Promise.allSettled(promises).then(() => true);
  const timedOut = sleep(Math.max(0, ms), false, { signal: timer.signal }).catch(() => false);
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    timer.abort();
  }
}
