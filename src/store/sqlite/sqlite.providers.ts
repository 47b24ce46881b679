import type { Provider } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { STORE_HEALTH } from '../../health/store-health.js';
import { IdempotencyStore } from '../../idempotency/idempotency.store.js';
import { MemoryIdempotencyStore } from '../../idempotency/memory-idempotency.store.js';
import { PINO_LOGGER } from '../../logging/logger.js';
import { CatchupStateStore } from '../catchup-state.store.js';
import { DeliveryStore } from '../delivery-store.js';
import { ObjectStateStore } from '../object-state.store.js';
import { StoreHealthIndicator } from '../store-health.indicator.js';
import { STORE_OPTIONS, type StoreModuleOptions } from '../store-options.js';
import { DataDirLock } from './data-dir.js';
import { SqliteCatchupStateStore } from './sqlite-catchup-state.store.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';
import { ThreadedDeliveryStore } from './thread/threaded-delivery.store.js';
import { SqliteIdempotencyStore } from './sqlite-idempotency.store.js';
import { SqliteObjectStateStore } from './sqlite-object-state.store.js';

/** DATA_DIR's lock, held while the app runs (`sqlite` only): the store's lifecycle releases it last. */
export const DATA_DIR_LOCK = Symbol('DataDirLock');
const SQLITE_DATABASE = Symbol('SqliteDatabase');

/** STORE_DRIVER=sqlite: the SQLite adapters on DATA_DIR's file, locked; durable. */
export function sqliteProviders(): Provider[] {
  return [
    // Taken before the database is opened: nothing touches the inbox without it.
    { provide: DATA_DIR_LOCK, inject: [STORE_OPTIONS], useFactory: (options: StoreModuleOptions) => DataDirLock.acquire(options.dataDir) },
    { provide: SQLITE_DATABASE, inject: [STORE_OPTIONS, DATA_DIR_LOCK], useFactory: (options: StoreModuleOptions) => openDatabase(options.dataDir) },
    {
      provide: IdempotencyStore,
      inject: [SQLITE_DATABASE, STORE_OPTIONS, PINO_LOGGER, Clock],
      useFactory: (db: Database.Database, options: StoreModuleOptions, logger: Logger, clock: Clock) =>
        new SqliteIdempotencyStore(db, {
          ttlInSeconds: options.idempotency.ttlInSeconds,
          now: () => clock.now(),
          onUnwrittenSettlements: (error, keys) =>
            logger.error({ err: error, keys }, 'Could not record the end of these deliveries: until restart or expiry, resends of them are answered as duplicates'),
        }),
    },
    ...onSqliteDatabase(),
  ];
}

/** STORE_DRIVER=memory: the same adapters on an in-memory database, and idempotency keys in memory; nothing survives a restart. */
export function memoryProviders(): Provider[] {
  return [
    { provide: SQLITE_DATABASE, useFactory: () => openDatabase(':memory:') },
    {
      provide: IdempotencyStore,
      inject: [STORE_OPTIONS, Clock],
      useFactory: (options: StoreModuleOptions, clock: Clock) => new MemoryIdempotencyStore({ ...options.idempotency, now: () => clock.now() }),
    },
    ...onSqliteDatabase(),
  ];
}

/** The delivery, catch-up and object-state stores on SQLITE_DATABASE, and their health; their times are the app's clock's. */
function onSqliteDatabase(): Provider[] {
  return [
    {
      provide: DeliveryStore,
      inject: [SQLITE_DATABASE, STORE_OPTIONS, PINO_LOGGER, Clock],
      useFactory: (db: Database.Database, options: StoreModuleOptions, logger: Logger, clock: Clock) => {
        const onUnrecordedAttempts = (error: unknown, deliveryIds: string[]) =>
          logger.error({ err: error, deliveryIds }, 'Could not record delivery attempts: those deliveries run again at the next start');
        if (options.storeThread) return threadedDeliveryStore(db, options, logger, clock, onUnrecordedAttempts);
        return new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: options.idempotency.ttlInSeconds, now: () => clock.now(), groupCommit: options.groupCommit, onUnrecordedAttempts });
      },
    },
    // On the delivery store's database, which closes it: nothing of theirs is held back.
    { provide: CatchupStateStore, inject: [SQLITE_DATABASE, Clock], useFactory: (db: Database.Database, clock: Clock) => new SqliteCatchupStateStore(db, { now: () => clock.now() }) },
    { provide: ObjectStateStore, inject: [SQLITE_DATABASE, Clock], useFactory: (db: Database.Database, clock: Clock) => new SqliteObjectStateStore(db, { now: () => clock.now() }) },
    // Writable means one row of store_health written in the database (SqliteDeliveryStore.checkWritable).
    { provide: STORE_HEALTH, useClass: StoreHealthIndicator },
  ];
}

/** SQLITE_STORE_THREAD=true: the delivery store on a thread of its own, on the same file; `db` (the other stores') closes with it. */
function threadedDeliveryStore(
  db: Database.Database,
  options: StoreModuleOptions,
  logger: Logger,
  clock: Clock,
  onUnrecordedAttempts: (error: unknown, deliveryIds: string[]) => void,
): Promise<ThreadedDeliveryStore> {
  return ThreadedDeliveryStore.start({
    dataDir: options.dataDir,
    idempotencyTtlInSeconds: options.idempotency.ttlInSeconds,
    groupCommit: options.groupCommit,
    now: () => clock.now(),
    onUnrecordedAttempts,
    onStopped: (error) => logger.error({ err: error }, 'The delivery store thread stopped: deliveries are refused (503) until the service restarts'),
    onClosed: () => db.close(),
  });
}
