import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/** What catch-up did and how far behind OpenRegister it is. */
@Injectable()
export class CatchupMetrics {
  readonly events: Counter<'type'>;
  readonly recovered: Counter;
  readonly up: Gauge;
  readonly leader: Gauge;
  /** When catch-up last reached the end of OpenRegister's changes (or started), ms since the epoch. */
  caughtUpAt: number;

  constructor(metrics: MetricsService, now: () => number) {
    const registers = [metrics.registry];
    this.caughtUpAt = now();
    const lagInSeconds = () => Math.max(0, (now() - this.caughtUpAt) / 1000);
    new Gauge({
      name: 'webhook_catchup_lag_seconds',
      help: "Seconds since catch-up last reached the end of OpenRegister's changes (grows while OpenRegister cannot be read).",
      registers,
      collect() {
        this.set(lagInSeconds());
      },
    });
    this.events = new Counter({
      name: 'webhook_catchup_events_total',
      help: "Object changes catch-up read from OpenRegister's change feed or audit trail, by event type.",
      labelNames: ['type'] as const,
      registers,
    });
    this.recovered = new Counter({
      name: 'webhook_catchup_recovered_total',
      help: 'Changes catch-up delivered that no webhook had delivered (not duplicates).',
      registers,
    });
    this.up = new Gauge({ name: 'webhook_catchup_up', help: 'Whether the last read of OpenRegister succeeded (1) or failed (0).', registers });
    this.leader = new Gauge({ name: 'webhook_catchup_leader', help: 'Whether this replica holds the catch-up reader lease (1) or not (0).', registers });
  }
}
