import { Injectable, Module } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANY_EVENT, OnWebhookEvent, type DeliveryContext, type OpenRegisterEvent } from '../src/handlers/index.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { createdBodyFor, signedHeaders } from './support/signed-deliveries.js';
import { useAppsPerTest } from './support/recording-app.js';
import type { TestApp } from './support/test-app.js';

const TOKEN = 'admin-test-token';
const ADMIN_ENV = {
  DELIVERY_MODE: 'queued',
  STORE_DRIVER: 'memory',
  ADMIN_TOKEN: TOKEN,
  DELIVERY_MAX_ATTEMPTS: '2',
  DELIVERY_BACKOFF_BASE_MS: '10',
  DELIVERY_BACKOFF_MAX_MS: '20',
};

/** What the switchable handler does: succeed, throw, or wait at a gate; and every run it made. */
@Injectable()
class HandlerSwitch {
  failWith?: string;
  gate?: Promise<void>;
  readonly runs: { uuid?: string; deliveryId: string; attempt: number; failed: boolean }[] = [];
}

@Injectable()
@OnWebhookEvent(ANY_EVENT)
class SwitchableHandler {
  constructor(private readonly state: HandlerSwitch) {}

  async handle(event: OpenRegisterEvent, { deliveryId, attempt }: DeliveryContext): Promise<void> {
    await this.state.gate;
    const failWith = this.state.failWith;
    this.state.runs.push({ uuid: event.object?.uuid, deliveryId, attempt, failed: failWith !== undefined });
    if (failWith !== undefined) throw new Error(failWith);
  }
}

@Module({ providers: [HandlerSwitch, SwitchableHandler] })
class SwitchableModule {}

describe('admin API', () => {
  let t: TestApp | undefined;
  // Declared before the apps' closing: a run held at the gate would hold up the close.
  afterEach(() => {
    const state = t?.app.get(HandlerSwitch);
    if (state) state.gate = undefined;
    t = undefined;
  });
  const apps = useAppsPerTest();

  const start = async (env: Record<string, string> = {}) => {
    const started = (await apps.start({ ...ADMIN_ENV, ...env }, { recording: false, extensions: [SwitchableModule] })).t;
    t = started;
    return { app: started, state: started.app.get(HandlerSwitch) };
  };
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const admin = {
    get: (path: string) => t!.http.get(path).set(auth),
    post: (path: string) => t!.http.post(path).set(auth),
    delete: (path: string) => t!.http.delete(path).set(auth),
  };
  /** Sends a created event about a fresh object; returns the delivery id of its 202. */
  const accept = async (): Promise<string> => {
    const body = createdBodyFor(randomUUID());
    const response = await t!.post(body, signedHeaders(body));
    expect(response.status).toBe(202);
    return response.body.deliveryId as string;
  };
  const statusOf = async (id: string) => (await admin.get(`/admin/deliveries/${id}`)).body.status as string;
  const waitForStatus = (ids: string[], status: string) =>
    waitFor(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === status), { timeoutInMs: 10_000, what: `deliveries ${status}` });

  it('answers 401 on every route without the token, with another token or another scheme', async () => {
    await start();
    const routes: [string, string][] = [
      ['get', '/admin/deliveries'],
      ['get', '/admin/deliveries/some-id'],
      ['post', '/admin/deliveries/some-id/replay'],
      ['post', '/admin/deliveries/replay'],
      ['delete', '/admin/deliveries?before=2026-01-01'],
    ];
    for (const [method, path] of routes) {
      const call = () => (t!.http as any)[method](path);
      const none = await call();
      expect([path, none.status]).toEqual([path, 401]);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="admin"');
      expect((await call().set('Authorization', 'Bearer admin-test-tokeN')).status).toBe(401);
      expect((await call().set('Authorization', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`)).status).toBe(401);
      expect((await call().set('Authorization', TOKEN)).status).toBe(401);
    }
    expect((await admin.get('/admin/deliveries')).status).toBe(200);
    expect((await t!.http.get('/admin/deliveries').set('Authorization', `bearer  ${TOKEN}`)).status).toBe(200);
  });

  it('lists deliveries newest first, in pages, filtered by status, with ISO timestamps', async () => {
    await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await accept());
    await waitForStatus(ids, 'succeeded');

    const firstPage = await admin.get('/admin/deliveries?limit=2');
    expect(firstPage.status).toBe(200);
    expect(firstPage.body).toMatchObject({ total: 5, limit: 2, offset: 0 });
    const newestFirst = [...ids].reverse();
    expect(firstPage.body.items.map((item: { id: string }) => item.id)).toEqual(newestFirst.slice(0, 2));
    const lastPage = await admin.get('/admin/deliveries?limit=2&offset=4');
    expect(lastPage.body.items.map((item: { id: string }) => item.id)).toEqual(newestFirst.slice(4));
    expect((await admin.get('/admin/deliveries?offset=10')).body).toEqual({ items: [], total: 5, limit: 50, offset: 10 });

    const [item] = firstPage.body.items;
    expect(item).toEqual({
      id: ids[4],
      status: 'succeeded',
      eventType: 'object.created',
      source: 'webhook',
      objectUuid: expect.any(String),
      register: expect.any(String),
      schema: expect.any(String),
      attempts: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.stringMatching(/Z$/),
      completedAt: expect.stringMatching(/Z$/),
    });
    expect((await admin.get('/admin/deliveries?status=succeeded')).body.total).toBe(5);
    expect((await admin.get('/admin/deliveries?status=dead')).body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
  });

  it('shows a dead letter with both failed attempts, replays it once the handler is fixed, and keeps the history', async () => {
    const { state } = await start();
    state.failWith = 'GIS is down';
    const id = await accept();
    await waitForStatus([id], 'dead');

    const dead = await admin.get(`/admin/deliveries/${id}`);
    expect(dead.status).toBe(200);
    expect(dead.body).toMatchObject({ id, status: 'dead', attempts: 2, lastError: 'SwitchableHandler: GIS is down', eventType: 'object.created' });
    expect(dead.body.event).toMatchObject({ type: 'object.created', object: { uuid: dead.body.objectUuid } });
    expect(dead.body.history).toEqual([
      { attempt: 1, outcome: 'failed', error: 'SwitchableHandler: GIS is down', startedAt: expect.stringMatching(/Z$/), finishedAt: expect.stringMatching(/Z$/) },
      { attempt: 2, outcome: 'failed', error: 'SwitchableHandler: GIS is down', startedAt: expect.stringMatching(/Z$/), finishedAt: expect.stringMatching(/Z$/) },
    ]);
    const deadList = await admin.get('/admin/deliveries?status=dead');
    expect(deadList.body.items.map((item: { id: string }) => item.id)).toEqual([id]);

    state.failWith = undefined;
    const replay = await admin.post(`/admin/deliveries/${id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ status: 'queued', id });
    await waitForStatus([id], 'succeeded');

    expect(state.runs.filter((run) => run.deliveryId === id).map(({ attempt, failed }) => ({ attempt, failed }))).toEqual([
      { attempt: 1, failed: true },
      { attempt: 2, failed: true },
      { attempt: 3, failed: false },
    ]);
    const detail = (await admin.get(`/admin/deliveries/${id}`)).body;
    expect(detail.attempts).toBe(3);
    expect(detail.history.map(({ attempt, outcome }: { attempt: number; outcome: string }) => ({ attempt, outcome }))).toEqual([
      { attempt: 1, outcome: 'failed' },
      { attempt: 2, outcome: 'failed' },
      { attempt: 3, outcome: 'succeeded' },
    ]);
    expect(detail.history[2].error).toBeUndefined();

    // A succeeded delivery may be replayed too: it runs again as attempt 4.
    expect((await admin.post(`/admin/deliveries/${id}/replay`)).status).toBe(202);
    await waitFor(() => state.runs.some((run) => run.deliveryId === id && run.attempt === 4), { timeoutInMs: 10_000, what: 'attempt 4' });
  });

  it('refuses to replay a delivery that is still processing (409) and an unknown one (404)', async () => {
    const { state } = await start();
    let release!: () => void;
    state.gate = new Promise<void>((resolve) => (release = resolve));
    const id = await accept();
    await waitForStatus([id], 'processing');

    const conflict = await admin.post(`/admin/deliveries/${id}/replay`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe(`Delivery ${id} is processing: only dead or succeeded deliveries can be replayed`);
    release();
    await waitForStatus([id], 'succeeded');

    const unknown = await admin.post('/admin/deliveries/no-such-delivery/replay');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('No delivery no-such-delivery');
    expect((await admin.get('/admin/deliveries/no-such-delivery')).status).toBe(404);
  });

  it('replays every dead letter at once', async () => {
    const { state } = await start();
    state.failWith = 'CRM refused';
    const dead = [await accept(), await accept()];
    await waitForStatus(dead, 'dead');
    state.failWith = undefined;
    const fine = await accept();
    await waitForStatus([fine], 'succeeded');

    const replay = await admin.post('/admin/deliveries/replay');
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayed: 2 });
    await waitForStatus(dead, 'succeeded');
    for (const id of dead) expect(state.runs.filter((run) => run.deliveryId === id).map((run) => run.attempt)).toEqual([1, 2, 3]);
    // The delivery that had succeeded was not run again.
    expect(state.runs.filter((run) => run.deliveryId === fine)).toHaveLength(1);
    expect((await admin.post('/admin/deliveries/replay')).body).toEqual({ replayed: 0 });
  });

  it('deletes finished deliveries last updated before a date, never unfinished ones', async () => {
    const { state } = await start();
    state.failWith = 'down';
    const dead = await accept();
    await waitForStatus([dead], 'dead');
    state.failWith = undefined;
    const done = await accept();
    await waitForStatus([done], 'succeeded');
    let release!: () => void;
    state.gate = new Promise<void>((resolve) => (release = resolve));
    const busy = await accept();
    await waitForStatus([busy], 'processing');

    const none = await admin.delete('/admin/deliveries?before=2000-01-01');
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ deleted: 0 });
    expect((await admin.get('/admin/deliveries')).body.total).toBe(3);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await admin.delete(`/admin/deliveries?before=${encodeURIComponent(future)}`)).body).toEqual({ deleted: 2 });
    const left = (await admin.get('/admin/deliveries')).body;
    expect(left.items.map((item: { id: string }) => item.id)).toEqual([busy]);
    expect((await admin.get(`/admin/deliveries/${dead}`)).status).toBe(404);
    release();
    await waitForStatus([busy], 'succeeded');
  });

  it('answers 400 with a reason for bad query values', async () => {
    await start();
    const bad: [string, string][] = [
      ['/admin/deliveries?status=failed', 'status must be one of queued, processing, succeeded, dead'],
      ['/admin/deliveries?limit=0', 'limit must be between 1 and 500'],
      ['/admin/deliveries?limit=501', 'limit must be between 1 and 500'],
      ['/admin/deliveries?limit=ten', 'limit must be a whole number'],
      ['/admin/deliveries?limit=1.5', 'limit must be a whole number'],
      ['/admin/deliveries?offset=-1', 'offset must be 0 or more'],
      ['/admin/deliveries?state=dead', 'property state should not exist'],
    ];
    for (const [path, reason] of bad) {
      const response = await admin.get(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.body.message).toContain(reason);
    }
    expect((await admin.get('/admin/deliveries?limit=500&offset=0&status=queued')).status).toBe(200);

    const badDeletes = ['/admin/deliveries?before=yesterday', '/admin/deliveries?before=2026-02-30', '/admin/deliveries?before=1700000000000'];
    for (const path of badDeletes) {
      const response = await admin.delete(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.body.details).toEqual([expect.stringContaining('before must be an ISO 8601 date')]);
    }
    const bare = await admin.delete('/admin/deliveries');
    expect({ status: bare.status, body: bare.body }).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'invalid',
        message: expect.stringMatching(/^before is required: .*\?before=2026-01-31T12:00:00Z$/),
        details: [expect.stringMatching(/^before is required/)],
      },
    });
  });

  it('answers only addresses in ADMIN_IP_ALLOWLIST (403 to others, before the token), leaving the webhook route alone', async () => {
    await start({ ADMIN_IP_ALLOWLIST: '203.0.113.0/24', TRUST_PROXY: '1' });
    const outside = await admin.get('/admin/deliveries');
    expect({ status: outside.status, body: outside.body }).toEqual({
      status: 403,
      body: { statusCode: 403, error: 'forbidden', message: expect.stringMatching(/^Address \S*127\.0\.0\.1 is not allowed to use \/admin \(ADMIN_IP_ALLOWLIST\)$/) },
    });
    // Refused by address before the token is looked at: no token gets a 403 too, not a 401.
    expect((await t!.http.get('/admin/deliveries')).status).toBe(403);
    expect((await admin.get('/admin/deliveries').set('X-Forwarded-For', '203.0.113.9')).status).toBe(200);
    expect((await t!.http.get('/admin/deliveries').set('X-Forwarded-For', '203.0.113.9')).status).toBe(401);
    expect((await t!.http.get('/health/ready')).status).toBe(200);
  });

  it('changes nothing for a caller refused by address or token: a dead letter stays dead and is kept', async () => {
    const { state } = await start({ ADMIN_IP_ALLOWLIST: '203.0.113.0/24', TRUST_PROXY: '1' });
    state.failWith = 'ERP down';
    const id = await accept();
    const inside = { 'X-Forwarded-For': '203.0.113.9' };
    const deadFromInside = async () => (await admin.get(`/admin/deliveries/${id}`).set(inside)).body.status === 'dead';
    await waitFor(deadFromInside, { timeoutInMs: 10_000, what: 'the delivery to die' });
    state.failWith = undefined;

    // The right token from outside the allowlist, and no token or a wrong one from inside it.
    expect((await admin.post('/admin/deliveries/replay')).status).toBe(403);
    expect((await admin.post(`/admin/deliveries/${id}/replay`)).status).toBe(403);
    expect((await admin.delete('/admin/deliveries?before=2999-01-01T00:00:00Z')).status).toBe(403);
    expect((await t!.http.post('/admin/deliveries/replay').set(inside)).status).toBe(401);
    expect((await t!.http.post(`/admin/deliveries/${id}/replay`).set(inside).set('Authorization', 'Bearer not-the-token')).status).toBe(401);
    expect((await t!.http.delete('/admin/deliveries?before=2999-01-01T00:00:00Z').set(inside)).status).toBe(401);

    const after = await admin.get(`/admin/deliveries/${id}`).set(inside);
    expect(after.body).toMatchObject({ status: 'dead', attempts: 2 });
    expect(state.runs.filter((run) => run.deliveryId === id)).toHaveLength(2);
  });

  it('answers errors in the webhook API\'s shape: statusCode, error code, one message', async () => {
    await start();
    const unauthorized = await t!.http.get('/admin/deliveries');
    expect(unauthorized.body).toEqual({ statusCode: 401, error: 'unauthorized', message: 'Authorization: Bearer <ADMIN_TOKEN> required' });
    expect((await admin.get('/admin/deliveries/no-such-delivery')).body).toEqual({ statusCode: 404, error: 'not_found', message: 'No delivery no-such-delivery' });
    const webhook = await t!.post('{}', { 'Content-Type': 'application/json' });
    expect(Object.keys(webhook.body).sort()).toEqual(['deliveryId', 'details', 'error', 'message', 'statusCode']);
    expect(typeof webhook.body.message).toBe('string');
  });

  it('is off (404) without ADMIN_TOKEN, and off with a warning in inline mode', async () => {
    await start({ ADMIN_TOKEN: '' });
    expect((await admin.get('/admin/deliveries')).status).toBe(404);
    expect((await t!.http.get('/admin/deliveries')).status).toBe(404);
    await t!.close();

    await start({ DELIVERY_MODE: 'inline' });
    expect((await admin.get('/admin/deliveries')).status).toBe(404);
    expect((await admin.post('/admin/deliveries/replay')).status).toBe(404);
    expect(t!.logs.some((line) => line.level === 'warn' && String(line.msg).includes('admin API needs DELIVERY_MODE=queued'))).toBe(true);
  });
});

/**
 * A bulk replay starts each dead letter's retry budget again: with the handler still failing, a
 * replayed delivery gets DELIVERY_MAX_ATTEMPTS more attempts, not one. Checked on each durable
 * adapter, whose replay statements are their own.
 */
describe.each(['sqlite', 'postgres'] as const)('admin API on STORE_DRIVER=%s: bulk replay', (driver) => {
  let dataDir: string;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orw-admin-replay-'));
    if (driver === 'postgres') db = await createTestDatabase();
  });
  const apps = useAppsPerTest();
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives every replayed dead letter a fresh retry series: it dies again only after DELIVERY_MAX_ATTEMPTS more failures', async () => {
    const storeEnv: Record<string, string> = driver === 'postgres' ? { STORE_DRIVER: 'postgres', DATABASE_URL: db!.url } : { STORE_DRIVER: 'sqlite', DATA_DIR: dataDir };
    const { t } = await apps.start({ ...ADMIN_ENV, ...storeEnv }, { recording: false, extensions: [SwitchableModule] });
    const state = t.app.get(HandlerSwitch);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const statusOf = async (id: string) => (await t.http.get(`/admin/deliveries/${id}`).set(auth)).body.status as string;
    const runsOf = (id: string) => state.runs.filter((run) => run.deliveryId === id).map((run) => run.attempt);
    state.failWith = 'CRM still down';
    const body = createdBodyFor(randomUUID());
    const id = (await t.post(body, signedHeaders(body))).body.deliveryId as string;
    await waitFor(async () => (await statusOf(id)) === 'dead', { timeoutInMs: 10_000, what: 'the first series to end dead' });
    expect(runsOf(id)).toEqual([1, 2]);

    expect((await t.http.post('/admin/deliveries/replay').set(auth)).body).toEqual({ replayed: 1 });
    await waitFor(async () => runsOf(id).length > 2 && (await statusOf(id)) === 'dead', { timeoutInMs: 10_000, what: 'the replayed series to end dead' });
    expect(runsOf(id)).toEqual([1, 2, 3, 4]);
    expect((await t.http.get(`/admin/deliveries/${id}`).set(auth)).body).toMatchObject({ status: 'dead', attempts: 4 });
  });
});
