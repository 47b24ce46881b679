import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * Other modules register what readiness depends on (the delivery store, for instance) here,
 * so the health controller needs to know none of them.
 */
@Injectable()
export class ReadinessIndicators {
  readonly checks: HealthIndicatorFunction[] = [];
  /** The same checks as last known, for `webhook_ready`: a scrape must not write to the store. */
  readonly lastKnownChecks: HealthIndicatorFunction[] = [];

  /**
   * @param lastKnown answers from the latest result of `check` (kept fresh in the background by
   *   its owner) instead of checking again; absent: `check` itself, which must then be cheap.
   */
  register(check: HealthIndicatorFunction, lastKnown: HealthIndicatorFunction = check): void {
    this.checks.push(check);
    this.lastKnownChecks.push(lastKnown);
  }
}
