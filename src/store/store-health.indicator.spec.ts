import { afterEach, describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { DeliveryStore } from './delivery-store.js';
import { StoreHealthIndicator } from './store-health.indicator.js';
import { type MonitorLog, StoreMonitor } from './store-monitor.js';

const quiet: MonitorLog = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

describe('StoreHealthIndicator', () => {
  const monitors: StoreMonitor[] = [];
  afterEach(() => monitors.splice(0).forEach((monitor) => monitor.stop()));

  /** An indicator over a store that works, refuses writes, or never answers, as `state.mode` says. */
  function indicator(checkTimeoutInMs = 800) {
    const state = { mode: 'up' as 'up' | 'down' | 'hang', checks: 0 };
    const store = {
      checkWritable: () => {
        state.checks++;
        if (state.mode === 'up') return Promise.resolve();
        return state.mode === 'down' ? Promise.reject(new Error('attempt to write a readonly database')) : new Promise<void>(() => undefined);
      },
      counts: () => Promise.resolve({ queued: 0, processing: 0, succeeded: 0, dead: 0 }),
    } as unknown as DeliveryStore;
    const monitor = new StoreMonitor(quiet, { probeIntervalInMs: 0, checkTimeoutInMs });
    monitor.watch(store);
    monitors.push(monitor);
    return { health: new StoreHealthIndicator(new HealthIndicatorService(), monitor), state };
  }

  it('is up under the key `store` while the store can be written', async () => {
    const { health } = indicator();
    expect(await health.isHealthy()).toEqual({ store: { status: 'up' } });
  });

  it("is down with the store's reason when a write fails, and when none answers in time", async () => {
    const { health, state } = indicator(50);
    state.mode = 'down';
    expect(await health.isHealthy()).toEqual({ store: { status: 'down', message: 'store cannot be written: attempt to write a readonly database' } });
    state.mode = 'hang';
    expect(await health.isHealthy()).toEqual({ store: { status: 'down', message: 'store cannot be written: no answer within 50 ms' } });
  });

  it("answers `lastKnown` from the latest check without checking again (a scrape never writes)", async () => {
    const { health, state } = indicator();
    state.mode = 'down';
    await health.isHealthy();
    const checks = state.checks;
    expect(health.lastKnown()).toEqual({ store: { status: 'down', message: 'store cannot be written: attempt to write a readonly database' } });
    expect(state.checks).toBe(checks);
  });
});
