import { Inject, Injectable, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { settleWithin } from '../common/settle-within.js';
import { STORE_CLOSE_IN_MS } from '../health/shutdown-deadline.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { DeliveryStore } from './delivery-store.js';
import { DataDirLock } from './sqlite/data-dir.js';
import { DATA_DIR_LOCK } from './sqlite/sqlite.providers.js';
import { StoreMonitor } from './store-monitor.js';

/**
 * Starts watching the store once it is open, and closes it last, after the workers have stopped
 * (every driver; DATA_DIR's lock only exists for `sqlite`).
 */
@Injectable()
export class StoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    private readonly monitor: StoreMonitor,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(DATA_DIR_LOCK) private readonly lock?: DataDirLock,
  ) {}

  onModuleInit(): void {
    this.monitor.watch(this.store);
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
