import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { StoreModule } from '../store/store.module.js';
import { DeliveryStrategy } from './delivery-strategy.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { InlineDeliveryStrategy } from './inline-delivery.strategy.js';
import { QueuedDeliveryStrategy } from './queued-delivery.strategy.js';
import { RetentionJob } from './retention.job.js';

/** Provides the delivery strategy DELIVERY_MODE names, and for `queued` the worker behind it. */
@Module({})
export class DeliveryModule {
  static forRoot(config: AppConfig): DynamicModule {
    const queued = config.delivery.mode === 'queued';
    const providers: Provider[] = queued
      ? [DeliveryWorker, DeliveryMetrics, RetentionJob, { provide: DeliveryStrategy, useClass: QueuedDeliveryStrategy }]
      : [{ provide: DeliveryStrategy, useClass: InlineDeliveryStrategy }];
    return {
      module: DeliveryModule,
      imports: [StoreModule.forRoot(config)],
      providers,
      exports: [DeliveryStrategy, StoreModule, ...(queued ? [DeliveryWorker] : [])],
    };
  }
}
