import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { DeliveryStore } from '../store/delivery-store.js';
import { ObjectStateStore } from '../store/object-state.store.js';

const HOUR_IN_MS = 3_600_000;
const DAY_IN_MS = 24 * HOUR_IN_MS;

/**
 * Prunes finished deliveries older than DELIVERY_RETENTION_DAYS, at start and hourly (0 keeps all),
 * and with them the object states past their expiry (`get` already ignores those: this only
 * frees their space, as the delivery store's pruning does for expired idempotency keys).
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    @Inject(ObjectStateStore) private readonly objectStates: ObjectStateStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.delivery.retentionInDays === 0) return;
    void this.prune();
    this.timer = setInterval(() => void this.prune(), HOUR_IN_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async prune(): Promise<void> {
    const now = this.clock.now();
    try {
      const removed = await this.store.deleteFinishedBefore(now - this.config.delivery.retentionInDays * DAY_IN_MS);
      if (removed > 0) this.logger.info({ removed }, 'Pruned finished deliveries past retention');
    } catch (error) {
      this.logger.error({ err: error }, 'Retention pruning failed');
    }
    // Apart: a failure of one sweep leaves the other to run.
    try {
      const removed = await this.objectStates.deleteExpired(now);
      if (removed > 0) this.logger.info({ removed }, 'Removed expired object states');
    } catch (error) {
      this.logger.error({ err: error }, 'Removing expired object states failed');
    }
  }
}
