/**
 * Reads the service's `/metrics` to learn what became of OpenRegister's test event. OpenRegister
 * calls any HTTP answer a delivered webhook, a 401 too, so its `{success: true}` proves only that
 * something answered; the service's own count of outcomes proves that the signature was accepted.
 */

/** Outcomes of `webhook_deliveries_total` that mean the delivery was authenticated and taken. */
const TAKEN = new Set(['processed', 'ignored', 'accepted', 'duplicate']);

/** Outcomes that refuse a delivery before it is read: its event label is then `unknown`. */
export const REFUSALS = ['unauthorized', 'forbidden', 'invalid', 'throttled'] as const;

export interface TestEventCounts {
  /** Test events the service took (a test event runs no handler: `ignored`, or `processed` inline). */
  taken: number;
  /** Deliveries refused, by outcome, whatever their event. */
  refused: Record<(typeof REFUSALS)[number], number>;
}

/** Sums `webhook_deliveries_total` from Prometheus text into what the test event can have become. */
export function testEventCounts(metrics: string): TestEventCounts {
  const counts: TestEventCounts = { taken: 0, refused: { unauthorized: 0, forbidden: 0, invalid: 0, throttled: 0 } };
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('webhook_deliveries_total{')) continue;
    const labels = Object.fromEntries([...line.slice(0, line.lastIndexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (labels.event === 'test' && TAKEN.has(labels.outcome)) counts.taken += value;
    if ((REFUSALS as readonly string[]).includes(labels.outcome)) counts.refused[labels.outcome as (typeof REFUSALS)[number]] += value;
  }
  return counts;
}

/** What the service did with the test event, from its counts before and after: taken, refused (how), or not seen. */
export function testEventVerdict(before: TestEventCounts, after: TestEventCounts): { taken: true } | { taken: false; refusedAs?: (typeof REFUSALS)[number] } {
  if (after.taken > before.taken) return { taken: true };
  const refusedAs = REFUSALS.find((outcome) => after.refused[outcome] > before.refused[outcome]);
  return { taken: false, refusedAs };
}

/** Why a refusal happened, in the service's settings. */
export const REFUSAL_HINT: Record<(typeof REFUSALS)[number], string> = {
  unauthorized: "the webhook's secret is not in the service's WEBHOOK_SECRETS (add the one `register` printed), or the clocks differ by more than WEBHOOK_TOLERANCE_SECONDS",
  forbidden: "OpenRegister's address is not in the service's IP_ALLOWLIST (check TRUST_PROXY behind a proxy)",
  invalid: 'the service could not read the body (WEBHOOK_BODY_LIMIT, or a proxy changing it)',
  throttled: 'the service throttled it (THROTTLE_* limits)',
};
