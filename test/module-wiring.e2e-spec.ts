import { describe, expect, it } from '@jest/globals';
import { DiscoveryService } from '@nestjs/core';
import { DeliveryStrategy } from '../src/delivery/delivery-strategy.js';
import { DeliveryWorker } from '../src/delivery/delivery-worker.js';
import { DeliveryStore } from '../src/store/delivery-store.js';
import { loadFixture } from './support/fixtures.js';
import { useRecordingApp } from './support/recording-app.js';

describe('module wiring: one delivery module for the webhook, admin and catch-up modules', () => {
  // Catch-up on (never reaching this address: its first call only fails and is retried later).
  const app = useRecordingApp(
    { DELIVERY_MODE: 'queued', ADMIN_TOKEN: 'wiring-admin-token', OPENREGISTER_URL: 'http://127.0.0.1:9', OPENREGISTER_USERNAME: 'admin', OPENREGISTER_PASSWORD: 'app-password' },
    { recording: false },
  );

  it('holds one store and one strategy, which every consumer gets', async () => {
    const providers = app.t.app.get(DiscoveryService).getProviders();
    expect(providers.filter((wrapper) => wrapper.token === DeliveryStore)).toHaveLength(1);
    expect(providers.filter((wrapper) => wrapper.token === DeliveryStrategy)).toHaveLength(1);
    // The admin API reads what the webhook route stored: both ends of the same store.
    const accepted = await app.t.send(loadFixture('openregister-object-created'));
    expect(accepted.status).toBe(202);
    const listed = await fetch(`${app.t.url}/admin/deliveries/${accepted.body.deliveryId}`, { headers: { authorization: 'Bearer wiring-admin-token' } });
    expect(listed.status).toBe(200);
  });

  it('runs exactly one worker', () => {
    const workers = app.t.app.get(DiscoveryService).getProviders().filter((wrapper) => wrapper.metatype === DeliveryWorker);
    expect(workers).toHaveLength(1);
  });
});
