import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Values of the `outcome` label of `webhook_deliveries_total`. */
export type DeliveryOutcome =
  | 'accepted'
  | 'processed'
  | 'duplicate'
  | 'ignored'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid'
  | 'throttled'
  | 'failed';

/**
 * The service's Prometheus metrics, in a registry of its own (so several apps in one test
 * process never collide), plus Node's default process metrics.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly deliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook deliveries by envelope format, event type and outcome.',
    labelNames: ['format', 'event', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Measured where the outcome is recorded, so it covers refusals as well as acknowledgements. */
  readonly ackDuration = new Histogram({
    name: 'webhook_ack_duration_seconds',
    help: "Time from a delivery's arrival to the answer, by outcome (as webhook_deliveries_total).",
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly handlerRuns = new Counter({
    name: 'webhook_handler_runs_total',
    help: 'Handler runs by event type, handler and outcome (success, failure, timeout).',
    labelNames: ['event', 'handler', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly handlerDuration = new Histogram({
    name: 'webhook_handler_duration_seconds',
    help: 'How long one handler took for one event.',
    labelNames: ['event', 'handler'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
