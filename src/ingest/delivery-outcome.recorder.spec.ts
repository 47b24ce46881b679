import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { MetricsService } from '../metrics/metrics.service.js';
import { DeliveryOutcomeRecorder } from './delivery-outcome.recorder.js';

/** count and sum of webhook_ack_duration_seconds for one outcome. */
async function ackOf(metrics: MetricsService, outcome: string): Promise<{ count: number; sum: number }> {
  const { values } = await metrics.ackDuration.get();
  const pick = (name: string) => values.find((v) => v.metricName === name && v.labels.outcome === outcome)?.value ?? 0;
  return { count: pick('webhook_ack_duration_seconds_count'), sum: pick('webhook_ack_duration_seconds_sum') };
}

describe('DeliveryOutcomeRecorder', () => {
  it('observes the time since the trace started in webhook_ack_duration_seconds, by outcome', async () => {
    const metrics = new MetricsService();
    const recorder = new DeliveryOutcomeRecorder(metrics, pino({ level: 'silent' }));
    const startedAt = performance.now() - 250;
    recorder.record({ deliveryId: 'd1', startedAt }, 'accepted', { status: 202 });
    recorder.record({ deliveryId: 'd2', startedAt: performance.now() }, 'unauthorized', { status: 401 });

    const accepted = await ackOf(metrics, 'accepted');
    expect(accepted.count).toBe(1);
    expect(accepted.sum).toBeGreaterThanOrEqual(0.25);
    expect(accepted.sum).toBeLessThan(5);
    const refused = await ackOf(metrics, 'unauthorized');
    expect(refused.count).toBe(1);
    expect(refused.sum).toBeLessThan(0.25);
    expect((await ackOf(metrics, 'failed')).count).toBe(0);
  });

  it('counts the delivery in webhook_deliveries_total with the same outcome', async () => {
    const metrics = new MetricsService();
    new DeliveryOutcomeRecorder(metrics, pino({ level: 'silent' })).record(
      { deliveryId: 'd1', startedAt: performance.now(), format: 'openregister', event: 'object.created' },
      'failed',
      { status: 503 },
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('webhook_deliveries_total{format="openregister",event="object.created",outcome="failed"} 1');
    expect(text).toContain('webhook_ack_duration_seconds_count{outcome="failed"} 1');
  });
});
