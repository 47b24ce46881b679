import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE } from '../src/store/sqlite/sqlite-database.js';
import { loadFixture } from './support/fixtures.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { ServiceProcess, startForwardingService } from './support/service-process.js';
import { createdBodyFor, FIXTURE_OBJECT_UUID, inPool, signedHeaders } from './support/signed-deliveries.js';

const UPDATED = loadFixture('openregister-object-updated').body.toString('utf8');

/** An update of object `uuid` to version `1.0.<n>`, as OpenRegister would sign it. */
function updatedBodyFor(uuid: string, n: number): string {
  return UPDATED.replaceAll(FIXTURE_OBJECT_UUID, uuid).replace('"version":"1.0.3"', `"version":"1.0.${n}"`);
}

async function post(service: ServiceProcess, body: string): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${service.url}/webhooks/openregister`, { method: 'POST', headers: signedHeaders(body), body });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('queued delivery through the built service', () => {
  let dataDir: string;
  let target: ForwardTarget;
  let service: ServiceProcess | undefined;

  const start = async (env: Record<string, string> = {}) => {
    service = await startForwardingService(dataDir, target.url, {
      FORWARD_SECRET: 'whsec_dGVzdC1mb3J3YXJkLXNlY3JldA==',
      AUDIT_LOG_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    });
    return service;
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orw-durability-'));
    target = await ForwardTarget.start();
  });
  afterEach(async () => {
    service?.kill();
    await service?.exit();
    service = undefined;
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged delivery and re-runs no completed one across a SIGKILL', async () => {
    // Slow enough that most deliveries are still queued or running when the process is killed.
    target.behaviour = () => ({ status: 200, delayInMs: 100 });
    const first = await start();
    const bodies = Array.from({ length: 300 }, () => createdBodyFor(randomUUID()));
    const answers = await inPool(bodies.length, 25, (index) => post(first, bodies[index]));
    expect(answers.every((answer) => answer.status === 202 && answer.body.status === 'accepted')).toBe(true);
    const acknowledged = new Set(answers.map((answer) => answer.body.deliveryId));

    await waitFor(() => target.received.length >= 40, { timeoutInMs: 20_000, what: 'some deliveries to be forwarded' });
    first.kill('SIGKILL');
    await first.exit();
    const receivedBeforeCrash = target.received.length;

    // What the store says was finished at the moment of the crash.
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    const completed = new Set((db.prepare(`SELECT id FROM deliveries WHERE status = 'succeeded'`).all() as { id: string }[]).map((row) => row.id));
    db.close();
    expect(completed.size).toBeGreaterThan(0);
    expect(completed.size).toBeLessThan(acknowledged.size);

    target.behaviour = () => ({ status: 200 });
    await start();
    await waitFor(() => [...acknowledged].every((id) => target.ids().has(id)), { timeoutInMs: 30_000, what: 'every acknowledged delivery to arrive' });

    const afterRestart = target.received.slice(receivedBeforeCrash).map((request) => request.webhookId);
    expect(afterRestart.filter((id) => completed.has(id))).toEqual([]);
    expect(target.ids()).toEqual(acknowledged);
  }, 90_000);

  it('refuses to start a second process on the same DATA_DIR, and leaves the first one running', async () => {
    const first = await start();
    const body = createdBodyFor(randomUUID());
    expect((await post(first, body)).status).toBe(202);
    const second = await ServiceProcess.start({ WEBHOOK_SECRETS: 'x', DELIVERY_MODE: 'queued', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect((await second.exit()).code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^DATA_DIR=${dataDir}: another openregister-webhooks process is using this directory.*\\n$`));
    await waitFor(() => target.received.length === 1, { timeoutInMs: 20_000 });
    expect((await post(first, createdBodyFor(randomUUID()))).status).toBe(202);
  }, 60_000);

  it('still answers a resend of a handled delivery as a duplicate after a restart', async () => {
    const first = await start();
    const body = createdBodyFor(randomUUID());
    const accepted = await post(first, body);
    expect(accepted.status).toBe(202);
    await waitFor(() => target.received.length === 1, { timeoutInMs: 20_000 });
    first.kill('SIGTERM');
    await first.exit();

    const second = await start();
    const resend = await post(second, body.replace('"attempt":1', '"attempt":2'));
    expect(resend).toEqual({ status: 200, body: { status: 'duplicate', deliveryId: expect.any(String), originalDeliveryId: accepted.body.deliveryId } });
    // Nothing was stored for the resend, so no run of it can come: the store, not a sleep, says so.
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    const stored = db.prepare(`SELECT id, status FROM deliveries`).all();
    db.close();
    expect(stored).toEqual([{ id: accepted.body.deliveryId, status: 'succeeded' }]);
    expect(target.received).toHaveLength(1);
  }, 60_000);

  it('keeps per-object order: no update is handled before the create that preceded it', async () => {
    // Every object's create fails once, so its updates must wait for its retry.
    const failedOnce = new Set<string>();
    target.behaviour = ({ body }) => {
      const uuid = body.event.object.uuid as string;
      if (body.event.type === 'object.created' && !failedOnce.has(uuid)) {
        failedOnce.add(uuid);
        return { status: 500 };
      }
      return { status: 200 };
    };
    const service = await start({ DELIVERY_CONCURRENCY: '8' });
    const objects = Array.from({ length: 6 }, () => randomUUID());
    for (const uuid of objects) {
      expect((await post(service, createdBodyFor(uuid))).status).toBe(202);
      for (let n = 4; n <= 6; n++) expect((await post(service, updatedBodyFor(uuid, n))).status).toBe(202);
    }
    await waitFor(() => target.received.filter((request) => request.body.event.type === 'object.updated').length === objects.length * 3, { timeoutInMs: 30_000, what: 'all updates' });

    for (const uuid of objects) {
      const sequence = target.received
        .filter((request) => request.body.event.object.uuid === uuid)
        .map((request) => `${request.body.event.type as string}@${(request.body.event.object.meta.version as string) ?? ''}`);
      expect(sequence).toEqual(['object.created@1.0.2', 'object.created@1.0.2', 'object.updated@1.0.4', 'object.updated@1.0.5', 'object.updated@1.0.6']);
    }
  }, 60_000);
});
