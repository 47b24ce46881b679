import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * Other modules register what readiness depends on (the delivery store, for instance) here,
 * so the health controller needs to know none of them.
 */
@Injectable()
export class ReadinessIndicators {
  readonly checks: HealthIndicatorFunction[] = [];

  register(check: HealthIndicatorFunction): void {
    this.checks.push(check);
  }
}
