import type { Provider } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { STORE_HEALTH } from '../../health/store-health.js';
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
import { StoreHealthIndicator } from '../store-health.indicator.js';
import { StoreMonitor } from '../store-monitor.js';
import { STORE_OPTIONS, type StoreModuleOptions } from '../store-options.js';

const POSTGRES_POOL = Symbol('PostgresPool');

/**
 * Opens the pool and brings the schema up to date (under an advisory lock: replicas may start
 * together). A database that cannot be reached stops the start with a message naming DATABASE_URL.
 */
export async function openPostgres(database: StoreModuleOptions['database'], logger: Logger, monitor?: StoreMonitor): Promise<pg.Pool> {
  const { url, note } = explicitSslMode(database.url!);
  if (note) logger.warn({ sslmode: new URL(database.url!).searchParams.get('sslmode') }, note);
  const pool = createPool({
    url,
    poolSize: database.poolSize,
    timeouts: timeoutsOf(database),
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
function timeoutsOf(database: StoreModuleOptions['database']): PostgresTimeouts {
  return { connectInMs: database.connectTimeoutInMs, statementInMs: database.statementTimeoutInMs };
}

/**
 * Options of the delivery store from the store module's options. Its background errors go through
 * the monitor, which tells an outage once instead of once per failed renewal or reconnect.
 */
export function deliveryStoreOptions(options: StoreModuleOptions, pool: pg.Pool, logger: Logger, monitor?: StoreMonitor) {
  return {
    pool,
    url: explicitSslMode(options.database.url!).url,
    timeouts: timeoutsOf(options.database),
    idempotencyTtlInSeconds: options.idempotency.ttlInSeconds,
    leaseInMs: options.leaseInSeconds * 1000,
    ownsPool: true,
    onBackgroundError: (error: unknown, what: string) => (monitor ? monitor.backgroundError(error, what) : logger.warn({ err: error }, what)),
  };
}

/**
 * STORE_DRIVER=postgres: the StoreModule's providers on DATABASE_URL, shared by several replicas.
 * The delivery store closes the pool last. Times the stores write or compare are the app's
 * clock's; leases are the database's.
 */
export function postgresProviders(): Provider[] {
  return [
    {
      provide: POSTGRES_POOL,
      inject: [STORE_OPTIONS, PINO_LOGGER, StoreMonitor],
      useFactory: (options: StoreModuleOptions, logger: Logger, monitor: StoreMonitor) => openPostgres(options.database, logger, monitor),
    },
    {
      provide: DeliveryStore,
      inject: [POSTGRES_POOL, STORE_OPTIONS, PINO_LOGGER, StoreMonitor, Clock],
      useFactory: async (pool: pg.Pool, options: StoreModuleOptions, logger: Logger, monitor: StoreMonitor, clock: Clock) => {
        const store = new PostgresDeliveryStore({ ...deliveryStoreOptions(options, pool, logger, monitor), now: () => clock.now() });
        await store.start();
        return store;
      },
    },
    {
      provide: IdempotencyStore,
      inject: [POSTGRES_POOL, STORE_OPTIONS, Clock],
      useFactory: (pool: pg.Pool, options: StoreModuleOptions, clock: Clock) =>
        new PostgresIdempotencyStore({
          pool,
          now: () => clock.now(),
          ttlInSeconds: options.idempotency.ttlInSeconds,
          // A live replica's inline delivery ends within HANDLER_TIMEOUT_MS; a claim older than
          // that and a lease is one whose replica died.
          inProgressTtlInSeconds: Math.ceil(options.handlerTimeoutInMs / 1000) + options.leaseInSeconds,
        }),
    },
    // On the delivery store's pool, which it ends: every call is written before it resolves.
    { provide: CatchupStateStore, inject: [POSTGRES_POOL], useFactory: (pool: pg.Pool) => new PostgresCatchupStateStore(pool) },
    { provide: ObjectStateStore, inject: [POSTGRES_POOL, Clock], useFactory: (pool: pg.Pool, clock: Clock) => new PostgresObjectStateStore({ pool, now: () => clock.now() }) },
    // Writable means one row of store_health upserted within the statement timeout (PostgresDeliveryStore.checkWritable).
    { provide: STORE_HEALTH, useClass: StoreHealthIndicator },
  ];
}
