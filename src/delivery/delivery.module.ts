import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { ObjectStateStore } from '../store/object-state.store.js';
import { DeliveryAttempt } from './delivery-attempt.js';
import { DeliveryStrategy } from './delivery-strategy.js';
import { DeliveryWorker } from './delivery-worker.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { InlineDeliveryStrategy } from './inline-delivery.strategy.js';
import { PreviousStateStrategy } from './previous-state.strategy.js';
import { QueuedDeliveryStrategy } from './queued-delivery.strategy.js';
import { RetentionJob } from './retention.job.js';

/**
 * Provides the delivery strategy DELIVERY_MODE names (wrapped to fill in previous states when
 * TRACK_PREVIOUS_STATE is on), and for `queued` the worker behind it, on the stores of the global
 * `StoreModule`. Global and imported once by the app: a second `forRoot()` would start a second worker.
 */
@Module({})
export class DeliveryModule {
  static forRoot(config: AppConfig): DynamicModule {
    const queued = config.delivery.mode === 'queued';
    const strategy: Type<DeliveryStrategy> = queued ? QueuedDeliveryStrategy : InlineDeliveryStrategy;
    const providers: Provider[] = [
      ...(queued ? [DeliveryWorker, DeliveryAttempt, DeliveryMetrics, RetentionJob] : []),
      strategy,
      config.trackPreviousState
        ? {
            provide: DeliveryStrategy,
            inject: [strategy, ObjectStateStore, Clock, PINO_LOGGER],
            useFactory: (inner: DeliveryStrategy, states: ObjectStateStore, clock: Clock, logger: Logger) =>
              new PreviousStateStrategy(inner, states, config.idempotency.ttlInSeconds * 1000, clock, logger),
          }
        : { provide: DeliveryStrategy, useExisting: strategy },
    ];
    return {
      module: DeliveryModule,
      global: true,
      providers,
      exports: [DeliveryStrategy],
    };
  }
}
