import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { ReadinessIndicators } from './readiness-indicators.js';
import { ShutdownState } from './shutdown.state.js';

/** True when every check reports `up`; a check that throws (older Terminus style) counts as down. */
export async function allUp(checks: readonly HealthIndicatorFunction[]): Promise<boolean> {
  for (const check of checks) {
    try {
      const result = await check();
      if (!Object.values(result).every((entry) => entry.status === 'up')) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * `webhook_ready`: 1 when /health/ready would answer 200, else 0. Computed on each scrape from the
 * same checks, so an alert sees what the kubelet's probe sees, also on a pod the Service dropped.
 */
@Injectable()
export class ReadinessMetric {
  constructor(metrics: MetricsService, shutdown: ShutdownState, readiness: ReadinessIndicators) {
    new Gauge({
      name: 'webhook_ready',
      help: 'Whether the readiness checks pass (1) or not (0), as GET /health/ready answers 200 or 503.',
      registers: [metrics.registry],
      async collect() {
        this.set(!shutdown.draining && (await allUp(readiness.checks)) ? 1 : 0);
      },
    });
  }
}
