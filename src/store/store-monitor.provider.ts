import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { PINO_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { StoreMonitor } from './store-monitor.js';

/** The store's reachability (readiness, outage log lines) and `webhook_store_up`, whichever the adapter. */
export const storeMonitorProvider: Provider = {
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
