import { Inject, Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { STORE_HEALTH, type StoreHealth } from './store-health.js';

/**
 * What readiness depends on: the store's health indicator (`STORE_HEALTH`, provided by the store
 * adapter in use) and whatever other modules register, so the health controller needs to know
 * none of them.
 */
@Injectable()
export class ReadinessIndicators {
  readonly checks: HealthIndicatorFunction[] = [];
  /** The same checks as last known, for `webhook_ready`: a scrape must not write to the store. */
  readonly lastKnownChecks: HealthIndicatorFunction[] = [];

  /** `store`: required in the app (Nest injects it); absent only where a spec builds this by hand. */
  constructor(@Inject(STORE_HEALTH) store?: StoreHealth) {
    if (store) this.register(() => store.isHealthy(), () => store.lastKnown());
  }

  /**
   * @param lastKnown answers from the latest result of `check` (kept fresh in the background by
   *   its owner) instead of checking again; absent: `check` itself, which must then be cheap.
   */
  register(check: HealthIndicatorFunction, lastKnown: HealthIndicatorFunction = check): void {
    this.checks.push(check);
    this.lastKnownChecks.push(lastKnown);
  }
}
