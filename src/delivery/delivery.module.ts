import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency.store.js';
import { DeliveryStrategy } from './delivery-strategy.js';
import { InlineDeliveryStrategy } from './inline-delivery.strategy.js';

/** Provides the delivery strategy and the stores behind it, as DELIVERY_MODE and STORE_DRIVER say. */
@Module({})
export class DeliveryModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DeliveryModule,
      providers: [
        {
          provide: IdempotencyStore,
          useFactory: () => new MemoryIdempotencyStore(config.idempotency),
        },
        { provide: DeliveryStrategy, useClass: InlineDeliveryStrategy },
      ],
      exports: [DeliveryStrategy, IdempotencyStore],
    };
  }
}
