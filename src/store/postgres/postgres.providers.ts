import type { Provider } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
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
import { createPool, explicitSslMode, type PostgresTimeouts } from './postgres-pool.js';
import { StoreMonitor } from '../store-monitor.js';

const POSTGRES_POOL = Symbol('PostgresPool');

/**
 * Opens the pool and brings the schema up to date (under an advisory lock: replicas may start
 * together). A database that cannot be reached stops the start with a message naming DATABASE_URL.
 */
export async function openPostgres(config: AppConfig, logger: Logger, monitor?: StoreMonitor): Promise<pg.Pool> {
  const { url, note } = explicitSslMode(config.database.url!);
  if (note) logger.warn({ sslmode: new URL(config.database.url!).searchParams.get('sslmode') }, note);
  const pool = createPool({
    url,
    poolSize: config.database.poolSize,
    timeouts: timeoutsOf(config),
    onError: (error) =>
      monitor
        ? monitor.backgroundError(error, 'A PostgreSQL connection was lost; the pool connects anew when needed')
        : logger.warn({ err: error }, 'A PostgreSQL connection was lost; the pool connects anew when needed'),
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

/** DATABASE_CONNECT_TIMEOUT_MS and DATABASE_STATEMENT_TIMEOUT_MS. */
function timeoutsOf(config: AppConfig): PostgresTimeouts {
  return { connectInMs: config.database.connectTimeoutInMs, statementInMs: config.database.statementTimeoutInMs };
}

/**
 * Options of the delivery store from the configuration. Its background errors go through the
 * monitor, which tells an outage once instead of once per failed renewal or reconnect.
 */
export function deliveryStoreOptions(config: AppConfig, pool: pg.Pool, logger: Logger, monitor?: StoreMonitor) {
  return {
    pool,
    url: explicitSslMode(config.database.url!).url,
    timeouts: timeoutsOf(config),
    idempotencyTtlInSeconds: config.idempotency.ttlInSeconds,
    leaseInMs: config.delivery.leaseInSeconds * 1000,
    ownsPool: true,
    onBackgroundError: (error: unknown, what: string) => (monitor ? monitor.backgroundError(error, what) : logger.warn({ err: error }, what)),
  };
}

/**
 * The StoreModule's providers for STORE_DRIVER=postgres. The delivery store closes the pool last.
 * Times the stores write or compare are the app's clock's; leases are the database's.
 */
export function postgresProviders(config: AppConfig): Provider[] {
  return [
    {
      provide: POSTGRES_POOL,
      inject: [PINO_LOGGER, StoreMonitor],
      useFactory: (logger: Logger, monitor: StoreMonitor) => openPostgres(config, logger, monitor),
    },
    {
      provide: DeliveryStore,
      inject: [POSTGRES_POOL, PINO_LOGGER, StoreMonitor, Clock],
      useFactory: async (pool: pg.Pool, logger: Logger, monitor: StoreMonitor, clock: Clock) => {
        const store = new PostgresDeliveryStore({ ...deliveryStoreOptions(config, pool, logger, monitor), now: () => clock.now() });
        await store.start();
        return store;
      },
    },
    {
      provide: IdempotencyStore,
      inject: [POSTGRES_POOL, Clock],
      useFactory: (pool: pg.Pool, clock: Clock) =>
        new PostgresIdempotencyStore({
          pool,
          now: () => clock.now(),
          ttlInSeconds: config.idempotency.ttlInSeconds,
          // A live replica's inline delivery ends within HANDLER_TIMEOUT_MS; a claim older than
          // that and a lease is one whose replica died.
          inProgressTtlInSeconds: Math.ceil(config.handlerTimeoutInMs / 1000) + config.delivery.leaseInSeconds,
        }),
    },
    // On the delivery store's pool, which it ends: every call is written before it resolves.
    { provide: CatchupStateStore, inject: [POSTGRES_POOL], useFactory: (pool: pg.Pool) => new PostgresCatchupStateStore(pool) },
    { provide: ObjectStateStore, inject: [POSTGRES_POOL, Clock], useFactory: (pool: pg.Pool, clock: Clock) => new PostgresObjectStateStore({ pool, now: () => clock.now() }) },
  ];
}
