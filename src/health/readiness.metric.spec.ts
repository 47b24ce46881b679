import { describe, expect, it } from '@jest/globals';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { MetricsService } from '../metrics/metrics.service.js';
import { ReadinessIndicators } from './readiness-indicators.js';
import { ReadinessMetric } from './readiness.metric.js';
import type { ShutdownState } from './shutdown.state.js';

const up: HealthIndicatorFunction = () => ({ store: { status: 'up' } });
const down: HealthIndicatorFunction = async () => ({ store: { status: 'down', message: 'store cannot be written' } });
const throwing: HealthIndicatorFunction = () => {
  throw new Error('store is gone');
};

/** The value of webhook_ready in a scrape of a fresh registry with these checks. */
async function scrape(checks: HealthIndicatorFunction[], draining = false): Promise<number> {
  const metrics = new MetricsService();
  const readiness = new ReadinessIndicators();
  for (const check of checks) readiness.register(check);
  new ReadinessMetric(metrics, { draining } as ShutdownState, readiness);
  const text = await metrics.registry.getSingleMetricAsString('webhook_ready');
  const line = text.split('\n').find((l) => l.startsWith('webhook_ready '));
  if (!line) throw new Error(`no webhook_ready sample in:\n${text}`);
  return Number(line.split(' ')[1]);
}

describe('webhook_ready', () => {
  it('is 1 when every readiness check is up (and with no checks at all)', async () => {
    expect(await scrape([up, up])).toBe(1);
    expect(await scrape([])).toBe(1);
  });

  it('is 0 when one check is down, whether it reports it or throws', async () => {
    expect(await scrape([up, down])).toBe(0);
    expect(await scrape([throwing, up])).toBe(0);
  });

  it('is 0 while draining, as /health/ready answers 503 then', async () => {
    expect(await scrape([up], true)).toBe(0);
  });

  it('follows the checks from one scrape to the next', async () => {
    const metrics = new MetricsService();
    const readiness = new ReadinessIndicators();
    let writable = true;
    readiness.register(() => ({ store: { status: writable ? 'up' : 'down' } }));
    new ReadinessMetric(metrics, { draining: false } as ShutdownState, readiness);
    expect(await metrics.registry.getSingleMetricAsString('webhook_ready')).toMatch(/^webhook_ready 1$/m);
    writable = false;
    expect(await metrics.registry.getSingleMetricAsString('webhook_ready')).toMatch(/^webhook_ready 0$/m);
  });
});
