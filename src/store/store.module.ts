import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Provider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { settleWithin } from '../common/settle-within.js';
import { ReadinessIndicators } from '../health/readiness-indicators.js';
import { STORE_CLOSE_IN_MS } from '../health/shutdown-deadline.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency.store.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { CatchupStateStore } from './catchup-state.store.js';
import { DeliveryStore } from './delivery-store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { Gauge } from 'prom-client';
import { StoreMonitor } from './store-monitor.js';
import { ObjectStateStore } from './object-state.store.js';
import { DataDirLock } from './sqlite/data-dir.js';
import { openDatabase } from './sqlite/sqlite-database.js';
import { SqliteCatchupStateStore } from './sqlite/sqlite-catchup-state.store.js';
import { SqliteDeliveryStore } from './sqlite/sqlite-delivery.store.js';
import { SqliteIdempotencyStore } from './sqlite/sqlite-idempotency.store.js';
import { SqliteObjectStateStore } from './sqlite/sqlite-object-state.store.js';
import { postgresProviders } from './postgres/postgres.providers.js';

const SQLITE_DATABASE = Symbol('SqliteDatabase');
const DATA_DIR_LOCK = Symbol('DataDirLock');

/** Registers the store's readiness check and closes it last, after the workers have stopped. */
@Injectable()
class StoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    @Inject(DATA_DIR_LOCK) private readonly lock: DataDirLock | undefined,
    private readonly readiness: ReadinessIndicators,
    private readonly indicators: HealthIndicatorService,
    private readonly monitor: StoreMonitor,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.monitor.watch(this.store);
    // Bounded by the monitor: answers within a second whatever the database does. The metric's
    // variant reads the latest check's result (the monitor checks every 2 s in the background).
    const answer = (ok: boolean) => {
      const session = this.indicators.check('store');
      return ok ? session.up() : session.down({ message: `store cannot be written: ${this.monitor.reason ?? 'unreachable'}` });
    };
    this.readiness.register(
      async () => answer(await this.monitor.check()),
      () => answer(this.monitor.up),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.monitor.stop();
    // First: it writes held-back completions to the database the delivery store closes. Each
    // step runs even when one before it failed: the inbox is still closed (its held-back attempts
    // written, the pool ended) and DATA_DIR unlocked. Bounded: a hung database must not hold the
    // process (what is not written runs again: at-least-once).
    const closing = (async () => {
      try {
        await this.idempotency.close?.();
      } finally {
        await this.store.close();
      }
    })();
    const closed = settleWithin([closing], STORE_CLOSE_IN_MS);
    try {
      if (!(await closed)) this.logger.warn({ storeCloseMs: STORE_CLOSE_IN_MS }, `The store did not close within ${STORE_CLOSE_IN_MS} ms (database unreachable?): its connections are abandoned, and unwritten attempts run again`);
    } finally {
      this.lock?.release();
    }
  }
}

/**
 * The stores behind delivery, chosen by STORE_DRIVER: `sqlite` (in DATA_DIR, durable),
 * `memory` (the same adapter on an in-memory database: nothing survives a restart) or
 * `postgres` (DATABASE_URL, shared by several replicas).
 */
@Module({})
export class StoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers =
      config.delivery.store === 'postgres' ? [{ provide: DATA_DIR_LOCK, useFactory: () => undefined }, ...postgresProviders(config)] : sqliteProviders(config);
    return {
      module: StoreModule,
      providers: [...providers, storeMonitorProvider, StoreLifecycle],
      exports: [DeliveryStore, IdempotencyStore, CatchupStateStore, ObjectStateStore, StoreMonitor],
    };
  }
}

/** The store's reachability (readiness, outage log lines) and `webhook_store_up`. */
const storeMonitorProvider: Provider = {
  provide: StoreMonitor,
  inject: [PINO_LOGGER, MetricsService],
  useFactory: (logger: Logger, metrics: MetricsService) => {
    const monitor = new StoreMonitor(logger);
    new Gauge({
      name: 'webhook_store_up',
      help: 'Whether the delivery store could be written at the latest check (1) or not (0); checked every few seconds.',
      registers: [metrics.registry],
      collect() {
        this.set(monitor.up ? 1 : 0);
      },
    });
    return monitor;
  },
};

/** `sqlite` and `memory`: the SQLite adapters, on DATA_DIR's file (locked) or in memory; their times are the app's clock's. */
function sqliteProviders(config: AppConfig): Provider[] {
  const durable = config.delivery.store === 'sqlite';
  return [
      // Taken before the database is opened: nothing touches the inbox without it.
      { provide: DATA_DIR_LOCK, useFactory: () => (durable ? DataDirLock.acquire(config.delivery.dataDir) : undefined) },
      { provide: SQLITE_DATABASE, inject: [DATA_DIR_LOCK], useFactory: () => openDatabase(durable ? config.delivery.dataDir : ':memory:') },
      {
        provide: DeliveryStore,
        inject: [SQLITE_DATABASE, PINO_LOGGER, Clock],
        useFactory: (db: Database.Database, logger: Logger, clock: Clock) =>
          new SqliteDeliveryStore(db, {
            idempotencyTtlInSeconds: config.idempotency.ttlInSeconds,
            now: () => clock.now(),
            groupCommit: config.delivery.groupCommit,
            onUnrecordedAttempts: (error, deliveryIds) =>
              logger.error({ err: error, deliveryIds }, 'Could not record delivery attempts: those deliveries run again at the next start'),
          }),
      },
      {
        provide: IdempotencyStore,
        inject: [SQLITE_DATABASE, APP_CONFIG, PINO_LOGGER, Clock],
        useFactory: (db: Database.Database, appConfig: AppConfig, logger: Logger, clock: Clock) =>
          durable
            ? new SqliteIdempotencyStore(db, {
                ttlInSeconds: appConfig.idempotency.ttlInSeconds,
                now: () => clock.now(),
                onUnwrittenSettlements: (error, keys) =>
                  logger.error({ err: error, keys }, 'Could not record the end of these deliveries: until restart or expiry, resends of them are answered as duplicates'),
              })
            : new MemoryIdempotencyStore({ ...appConfig.idempotency, now: () => clock.now() }),
      },
      // On the delivery store's database, which closes it: nothing of theirs is held back.
      { provide: CatchupStateStore, inject: [SQLITE_DATABASE, Clock], useFactory: (db: Database.Database, clock: Clock) => new SqliteCatchupStateStore(db, { now: () => clock.now() }) },
      { provide: ObjectStateStore, inject: [SQLITE_DATABASE, Clock], useFactory: (db: Database.Database, clock: Clock) => new SqliteObjectStateStore(db, { now: () => clock.now() }) },
  ];
}
