import type { Provider } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { IdempotencyStore } from '../../idempotency/idempotency.store.js';
import { PINO_LOGGER } from '../../logging/logger.js';
import { CatchupStateStore } from '../catchup-state.store.js';
import { DeliveryStore } from '../delivery-store.js';
import { ObjectStateStore } from '../object-state.store.js';
import { migrate } from './migrate.js';
import { PostgresCatchupStateStore } from './postgres-catchup-state.store.js';
import { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { PostgresIdempotencyStore } from './postgres-idempotency.store.js';
import { PostgresObjectStateStore } from './postgres-object-state.store.js';
import { createPool } from './postgres-pool.js';

const POSTGRES_POOL = Symbol('PostgresPool');

/**
 * Opens the pool and brings the schema up to date (under an advisory lock: replicas may start
 * together). A database that cannot be reached stops the start with a message naming DATABASE_URL.
 */
export async function openPostgres(config: AppConfig, logger: Logger): Promise<pg.Pool> {
  const pool = createPool({
    url: config.database.url!,
    poolSize: config.database.poolSize,
    onError: (error) => logger.warn({ err: error }, 'A PostgreSQL connection was lost; the pool connects anew when needed'),
  });
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) logger.info({ versions: applied }, 'PostgreSQL schema migrated');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

/** Options of the delivery store from the configuration. */
export function deliveryStoreOptions(config: AppConfig, pool: pg.Pool, logger: Logger) {
  return {
    pool,
    url: config.database.url!,
    idempotencyTtlInSeconds: config.idempotency.ttlInSeconds,
    leaseInMs: config.delivery.leaseInSeconds * 1000,
    ownsPool: true,
    onBackgroundError: (error: unknown, what: string) => logger.warn({ err: error }, what),
  };
}

/** The StoreModule's providers for STORE_DRIVER=postgres. The delivery store closes the pool last. */
export function postgresProviders(config: AppConfig): Provider[] {
  return [
    { provide: POSTGRES_POOL, inject: [PINO_LOGGER], useFactory: (logger: Logger) => openPostgres(config, logger) },
    {
      provide: DeliveryStore,
      inject: [POSTGRES_POOL, PINO_LOGGER],
      useFactory: async (pool: pg.Pool, logger: Logger) => {
        const store = new PostgresDeliveryStore(deliveryStoreOptions(config, pool, logger));
        await store.start();
        return store;
      },
    },
    {
      provide: IdempotencyStore,
      inject: [POSTGRES_POOL],
      useFactory: (pool: pg.Pool) =>
        new PostgresIdempotencyStore({
          pool,
          ttlInSeconds: config.idempotency.ttlInSeconds,
          // A live replica's inline delivery ends within HANDLER_TIMEOUT_MS; a claim older than
          // that and a lease is one whose replica died.
          inProgressTtlInSeconds: Math.ceil(config.handlerTimeoutInMs / 1000) + config.delivery.leaseInSeconds,
        }),
    },
    // On the delivery store's pool, which it ends: every call is written before it resolves.
    { provide: CatchupStateStore, inject: [POSTGRES_POOL], useFactory: (pool: pg.Pool) => new PostgresCatchupStateStore(pool) },
    { provide: ObjectStateStore, inject: [POSTGRES_POOL], useFactory: (pool: pg.Pool) => new PostgresObjectStateStore({ pool }) },
  ];
}
