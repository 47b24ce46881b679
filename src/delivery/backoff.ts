/**
 * Delay before retry number `retry` (1 = the first retry): exponential from `baseInMs`, capped
 * at `maxInMs`, with "equal jitter" (half fixed, half random) so retries of many deliveries that
 * failed together spread out, yet each delay still grows.
 */
export function backoffDelay(retry: number, baseInMs: number, maxInMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxInMs, baseInMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
