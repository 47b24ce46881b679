import type { AttemptVerdict } from '../store/delivery-store.js';

/**
 * Delay before retry number `retry` (1 = the first retry): exponential from `baseInMs`, capped
 * at `maxInMs`, with "equal jitter" (half fixed, half random) so retries of many deliveries that
 * failed together spread out, yet each delay still grows.
 */
export function backoffDelay(retry: number, baseInMs: number, maxInMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxInMs, baseInMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * What follows an attempt: done, another attempt after a backoff, or a dead letter once the
 * series (counted from `seriesStart`, the attempts before the latest replay) used `maxAttempts`.
 */
export function attemptVerdict(
  attempt: number,
  seriesStart: number,
  error: string | undefined,
  now: number,
  retries: { maxAttempts: number; backoffBaseInMs: number; backoffMaxInMs: number },
): AttemptVerdict {
  if (!error) return { status: 'succeeded' };
  const attemptsInSeries = attempt - seriesStart;
  if (attemptsInSeries >= retries.maxAttempts) return { status: 'dead' };
  return { status: 'queued', nextAttemptAt: now + backoffDelay(attemptsInSeries, retries.backoffBaseInMs, retries.backoffMaxInMs) };
}
