/**
 * The two metrics the chart's alerts and dashboard need besides the delivery counters:
 * acknowledgement latency by outcome and readiness, read from the booted app's /metrics.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { DeliveryStore } from '../src/store/delivery-store.js';
import { StoreMonitor } from '../src/store/store-monitor.js';
import { loadFixture } from './support/fixtures.js';
import { useRecordingApp } from './support/recording-app.js';
import { metricValue } from './support/test-app.js';

describe('/metrics', () => {
  const app = useRecordingApp();

  it('times every answer in webhook_ack_duration_seconds, by the same outcome as webhook_deliveries_total', async () => {
    const fixture = loadFixture('openregister-object-created');
    expect((await app.t.send(fixture)).status).toBe(200);
    expect((await app.t.send(fixture, { 'x-webhook-signature': '0'.repeat(64) })).status).toBe(401);

    const text = await app.t.metrics();
    for (const outcome of ['processed', 'unauthorized']) {
      expect(metricValue(text, 'webhook_ack_duration_seconds_count', { outcome })).toBe(1);
      expect(metricValue(text, 'webhook_ack_duration_seconds_bucket', { outcome, le: '+Inf' })).toBe(1);
      const sum = metricValue(text, 'webhook_ack_duration_seconds_sum', { outcome });
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThan(5);
      expect(metricValue(text, 'webhook_deliveries_total', { outcome })).toBe(1);
    }
    expect(metricValue(text, 'webhook_ack_duration_seconds_count', { outcome: 'failed' })).toBe(0);
  });

  it('says the app is ready with webhook_ready 1, as /health/ready does', async () => {
    expect((await app.t.http.get('/health/ready')).status).toBe(200);
    expect(await app.t.metrics()).toMatch(/^webhook_ready 1$/m);
  });

  it("writes nothing to the store on a scrape: webhook_ready comes from the store check's last result", async () => {
    // The monitor's own timers stopped: only a scrape could check the store now.
    app.t.app.get(StoreMonitor).stop();
    const checkWritable = jest.spyOn(app.t.app.get<DeliveryStore>(DeliveryStore), 'checkWritable');
    for (let i = 0; i < 5; i++) expect(await app.t.metrics()).toMatch(/^webhook_ready 1$/m);
    expect(checkWritable).not.toHaveBeenCalled();
    // /health/ready still checks for real.
    expect((await app.t.http.get('/health/ready')).status).toBe(200);
    expect(checkWritable).toHaveBeenCalled();
  });
});
