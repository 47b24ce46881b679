import { DynamicModule, Module } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CatchupMetrics } from './catchup.metrics.js';
import { CatchupService } from './catchup.service.js';

/**
 * Catch-up from OpenRegister's change feed (or audit trail), on when OPENREGISTER_URL is set. It
 * enters the delivery path through the `delivery` module's strategy, as a webhook does after its
 * idempotency key, so handlers, retries, dead letters, order per object and the admin API hold.
 */
@Module({})
export class CatchupModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.catchup) return { module: CatchupModule };
    return {
      module: CatchupModule,
      providers: [
        { provide: CatchupMetrics, inject: [MetricsService, Clock], useFactory: (metrics: MetricsService, clock: Clock) => new CatchupMetrics(metrics, () => clock.now()) },
        CatchupService,
      ],
    };
  }
}
