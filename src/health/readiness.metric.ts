import { Injectable } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { ReadinessIndicators } from './readiness-indicators.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * `webhook_ready`: 1 when /health/ready would answer 200, else 0. Computed on each scrape through
 * Terminus (which throws when one check is down) from the checks' last known results, so an alert
 * sees what the kubelet's probe sees, also on a pod the Service has dropped, and a scrape never
 * writes to the store (its check's own interval does).
 */
@Injectable()
export class ReadinessMetric {
  constructor(metrics: MetricsService, health: HealthCheckService, shutdown: ShutdownState, readiness: ReadinessIndicators) {
    const ready = async (): Promise<boolean> => {
      if (shutdown.draining) return false;
      try {
        await health.check(readiness.lastKnownChecks);
        return true;
      } catch {
        return false;
      }
    };
    new Gauge({
      name: 'webhook_ready',
      help: 'Whether the readiness checks pass (1) or not (0), as GET /health/ready answers 200 or 503.',
      registers: [metrics.registry],
      async collect() {
        this.set((await ready()) ? 1 : 0);
      },
    });
  }
}
