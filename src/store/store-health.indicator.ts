import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { StoreHealth } from '../health/store-health.js';
import { StoreMonitor } from './store-monitor.js';

/**
 * Whether the delivery store can be written, as a Terminus health indicator. Bounded by the
 * monitor (800 ms per check, whatever the database does); `lastKnown` reads the monitor's latest
 * result, which it refreshes every 2 s in the background. What "writable" means is the adapter's
 * own `checkWritable`.
 */
@Injectable()
export class StoreHealthIndicator implements StoreHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly monitor: StoreMonitor,
  ) {}

  async isHealthy() {
    return this.answer(await this.monitor.check());
  }

  lastKnown() {
    return this.answer(this.monitor.up);
  }

  private answer(writable: boolean) {
    const session = this.indicators.check('store');
    return writable ? session.up() : session.down({ message: `store cannot be written: ${this.monitor.reason ?? 'unreachable'}` });
  }
}
