import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttemptVerdict, DELIVERY_STATUSES, StoredDelivery } from '../store/delivery-store.js';
import { StoreMonitor } from '../store/store-monitor.js';

/**
 * Metrics of the durable inbox: depth by status, dead letters, attempts, time to completion.
 * The depths are read in the background (StoreMonitor.counts): a scrape neither waits on the store
 * nor fails with it, and during an outage serves the last known values with their age.
 */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'outcome'>;
  private readonly completion: Histogram<'status'>;

  constructor(metrics: MetricsService, @Inject(StoreMonitor) monitor: StoreMonitor) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'webhook_queue_depth',
      help: 'Stored deliveries by status (queued, processing, succeeded, dead), as last read (see webhook_queue_stats_age_seconds).',
      labelNames: ['status'] as const,
      registers,
      collect() {
        const known = monitor.counts().counts;
        if (known) for (const status of DELIVERY_STATUSES) this.set({ status }, known[status]);
      },
    });
    new Gauge({
      name: 'webhook_dead_letters',
      help: 'Deliveries whose every attempt failed, waiting for a replay (as last read).',
      registers,
      collect() {
        const known = monitor.counts().counts;
        if (known) this.set(known.dead);
      },
    });
    new Gauge({
      name: 'webhook_queue_stats_age_seconds',
      help: 'Age of the values of webhook_queue_depth and webhook_dead_letters: read every 5 s in the background, older while the store is unreachable.',
      registers,
      collect() {
        const { ageInSeconds } = monitor.counts();
        if (ageInSeconds !== undefined) this.set(ageInSeconds);
      },
    });
    this.attempts = new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Attempts to run the handlers of a stored delivery, by outcome (success, failure; interrupted: a run whose process never recorded it, counted when the delivery is taken over).',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.completion = new Histogram({
      name: 'webhook_delivery_completion_seconds',
      help: 'Time from acknowledgement to the end of a delivery (succeeded, or dead-lettered).',
      labelNames: ['status'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21600],
      registers,
    });
  }

  /** Counts `count` interrupted attempts (taken over, or resumed at start); returns `count`. */
  interrupted(count: number): number {
    if (count > 0) this.attempts.inc({ outcome: 'interrupted' }, count);
    return count;
  }

  attempt(delivery: StoredDelivery, outcome: 'success' | 'failure', verdict: AttemptVerdict, now: number): void {
    this.attempts.inc({ outcome });
    if (verdict.status !== 'queued') this.completion.observe({ status: verdict.status }, (now - delivery.createdAt) / 1000);
  }
}
