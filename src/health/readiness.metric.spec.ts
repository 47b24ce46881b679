import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { HealthCheckService, type HealthIndicatorFunction, TerminusModule } from '@nestjs/terminus';
import { MetricsService } from '../metrics/metrics.service.js';
import { ReadinessIndicators } from './readiness-indicators.js';
import { ReadinessMetric } from './readiness.metric.js';
import type { ShutdownState } from './shutdown.state.js';

const up: HealthIndicatorFunction = () => ({ store: { status: 'up' } });
const down: HealthIndicatorFunction = async () => ({ store: { status: 'down', message: 'store cannot be written' } });
const throwing: HealthIndicatorFunction = () => {
  throw new Error('store is gone');
};

/** A registry with webhook_ready over these checks, and a way to read it as a scrape would. */
async function gauge(checks: HealthIndicatorFunction[], shutdown: { draining: boolean } = { draining: false }, readiness = new ReadinessIndicators()) {
  const module = await Test.createTestingModule({ imports: [TerminusModule.forRoot({ logger: false })] }).compile();
  const metrics = new MetricsService();
  for (const check of checks) readiness.register(check);
  new ReadinessMetric(metrics, module.get(HealthCheckService), shutdown as ShutdownState, readiness);
  return async (): Promise<number> => {
    const line = (await metrics.registry.getSingleMetricAsString('webhook_ready')).split('\n').find((l) => l.startsWith('webhook_ready '));
    if (!line) throw new Error('no webhook_ready sample');
    return Number(line.split(' ')[1]);
  };
}

describe('webhook_ready', () => {
  it('is 1 when every readiness check is up (and with no checks at all)', async () => {
    expect(await (await gauge([up, up]))()).toBe(1);
    expect(await (await gauge([]))()).toBe(1);
  });

  it('is 0 when one check is down, whether it reports it or throws', async () => {
    expect(await (await gauge([up, down]))()).toBe(0);
    expect(await (await gauge([throwing, up]))()).toBe(0);
  });

  it('is 0 while draining, as /health/ready answers 503 then', async () => {
    expect(await (await gauge([up], { draining: true }))()).toBe(0);
  });

  it('follows the checks and the drain from one scrape to the next', async () => {
    let writable = true;
    const shutdown = { draining: false };
    const scrape = await gauge([() => ({ store: { status: writable ? 'up' : 'down' } })], shutdown);
    expect(await scrape()).toBe(1);
    writable = false;
    expect(await scrape()).toBe(0);
    writable = true;
    expect(await scrape()).toBe(1);
    shutdown.draining = true;
    expect(await scrape()).toBe(0);
  });

  it("answers from a check's last known result when it has one: a scrape does not run the check itself", async () => {
    let liveChecks = 0;
    let lastKnownUp = true;
    const readiness = new ReadinessIndicators();
    readiness.register(
      () => {
        liveChecks++;
        return { store: { status: 'up' } };
      },
      () => ({ store: { status: lastKnownUp ? 'up' : 'down' } }),
    );
    const scrape = await gauge([], { draining: false }, readiness);
    expect(await scrape()).toBe(1);
    lastKnownUp = false;
    expect(await scrape()).toBe(0);
    expect(liveChecks).toBe(0);
  });
});
