import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** The bound: past it the wait fails, naming `what`. Not a timing assertion, only a guard against a hang. */
  timeoutInMs?: number;
  /** What is waited for, as the failure message says it: "timed out after 10000 ms waiting for <what>". */
  what?: string;
  /** Between two checks. */
  intervalInMs?: number;
}

/**
 * Checks `check` until it holds (a truthy value), and fails once `timeoutInMs` has passed without
 * it. The one way specs wait for something to happen; never a fixed sleep. Uses real timers: a
 * spec on Jest's fake timers advances them itself instead.
 */
export async function waitFor(check: () => unknown, { timeoutInMs = 10_000, what = 'a condition', intervalInMs = 20 }: WaitForOptions = {}): Promise<void> {
  const deadline = performance.now() + timeoutInMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutInMs} ms waiting for ${what}`);
    await sleep(intervalInMs);
  }
}
