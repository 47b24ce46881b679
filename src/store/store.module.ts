import { ConfigurableModuleBuilder, type DynamicModule, Module, type Provider } from '@nestjs/common';
import { STORE_HEALTH } from '../health/store-health.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import { CatchupStateStore } from './catchup-state.store.js';
import { DeliveryStore } from './delivery-store.js';
import { ObjectStateStore } from './object-state.store.js';
import { postgresProviders } from './postgres/postgres.providers.js';
import { memoryProviders, sqliteProviders } from './sqlite/sqlite.providers.js';
import { StoreLifecycle } from './store-lifecycle.js';
import { StoreMonitor } from './store-monitor.js';
import { storeMonitorProvider } from './store-monitor.provider.js';
import { STORE_OPTIONS, type StoreDriver, type StoreModuleOptions } from './store-options.js';

const ADAPTERS: Record<StoreDriver, () => Provider[]> = { sqlite: sqliteProviders, memory: memoryProviders, postgres: postgresProviders };

/**
 * `driver` picks the adapters, so it is known when the module is defined; everything else the
 * adapters read comes from the injected options (`STORE_OPTIONS`).
 */
const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<StoreModuleOptions>({ optionsInjectionToken: STORE_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras({ driver: 'sqlite' as StoreDriver }, (definition: DynamicModule, { driver }): DynamicModule => ({
    ...definition,
    // Imported once by the app: one store, one monitor and one lifecycle for every consumer.
    global: true,
    providers: [...(definition.providers ?? []), ...ADAPTERS[driver](), storeMonitorProvider, StoreLifecycle],
    exports: [DeliveryStore, IdempotencyStore, CatchupStateStore, ObjectStateStore, StoreMonitor, STORE_HEALTH],
  }))
  .build();

/**
 * The stores behind delivery, chosen by STORE_DRIVER: `sqlite` (in DATA_DIR, durable), `memory`
 * (the same adapter on an in-memory database: nothing survives a restart) or `postgres`
 * (DATABASE_URL, shared by several replicas). Each adapter also provides the store's readiness
 * check under `STORE_HEALTH`.
 */
@Module({})
export class StoreModule extends ConfigurableModuleClass {}
