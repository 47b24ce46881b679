import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * The store's readiness check, provided by the store adapter in use (the health module knows no
 * store: this token and this shape are all it relies on).
 */
export const STORE_HEALTH = Symbol('StoreHealth');

/** A Terminus health indicator of the store, under the key `store`. */
export interface StoreHealth {
  /** Checks now, answering within a second whatever the database does (GET /health/ready). */
  isHealthy(): Promise<HealthIndicatorResult>;
  /** The latest check's result without checking again (`webhook_ready`: a scrape never writes to the store). */
  lastKnown(): HealthIndicatorResult;
}
