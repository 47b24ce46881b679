import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttemptVerdict, DeliveryStore, DELIVERY_STATUSES, StoredDelivery } from '../store/delivery-store.js';

/** Metrics of the durable inbox: depth by status, dead letters, attempts, time to completion. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'outcome'>;
  private readonly completion: Histogram<'status'>;

  constructor(metrics: MetricsService, @Inject(DeliveryStore) store: DeliveryStore) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'webhook_queue_depth',
      help: 'Stored deliveries by status (queued, processing, succeeded, dead).',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const counts = await store.counts();
        for (const status of DELIVERY_STATUSES) this.set({ status }, counts[status]);
      },
    });
    new Gauge({
      name: 'webhook_dead_letters',
      help: 'Deliveries whose every attempt failed, waiting for a replay.',
      registers,
      async collect() {
        this.set((await store.counts()).dead);
      },
    });
    this.attempts = new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Attempts to run the handlers of a stored delivery, by outcome (success, failure).',
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

  attempt(delivery: StoredDelivery, outcome: 'success' | 'failure', verdict: AttemptVerdict, now: number): void {
    this.attempts.inc({ outcome });
    if (verdict.status !== 'queued') this.completion.observe({ status: verdict.status }, (now - delivery.createdAt) / 1000);
  }
}
