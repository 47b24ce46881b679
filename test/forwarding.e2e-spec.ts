import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStandardWebhook } from '../src/auth/standard-webhooks.js';
import { FIXTURE_TOKEN, fixtureNames, loadFixture, type Fixture } from './support/fixtures.js';
import { ForwardTarget, type ForwardedRequest } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { type ServiceProcess, startForwardingService } from './support/service-process.js';
import { FIXTURE_OBJECT_UUID } from './support/signed-deliveries.js';

const FORWARD_SECRET = 'whsec_Zm9yd2FyZGluZy1lMmUtc2VjcmV0LTMyLWJ5dGVzIQ==';
const ADMIN_TOKEN = 'forwarding-admin-token';

/** True when the request carries a valid Standard Webhooks signature by FORWARD_SECRET, dated within 5 minutes. */
function verified(request: ForwardedRequest): boolean {
  const { headers } = request;
  const verdict = verifyStandardWebhook(
    [FORWARD_SECRET],
    request.rawBody,
    { id: headers['webhook-id'] as string, timestamp: headers['webhook-timestamp'] as string, signature: headers['webhook-signature'] as string },
    300,
    Math.floor(Date.now() / 1000),
  );
  return verdict.ok;
}

describe('forwarding through the built service', () => {
  let dataDir: string;
  let target: ForwardTarget;
  let service: ServiceProcess | undefined;

  const start = async (env: Record<string, string> = {}) => {
    service = await startForwardingService(dataDir, target.url, { WEBHOOK_TOKENS: FIXTURE_TOKEN, FORWARD_SECRET, ADMIN_TOKEN, ...env });
    return service;
  };
  const send = async (fixture: Fixture) => {
    const response = await fetch(`${service!.url}/webhooks/openregister`, { method: 'POST', headers: fixture.headers, body: fixture.body });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const admin = async (method: string, path: string) => {
    const response = await fetch(`${service!.url}${path}`, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const waitForStatus = (id: string, status: string) =>
    waitFor(async () => (await admin('GET', `/admin/deliveries/${id}`)).body.status === status, { timeoutInMs: 20_000, what: `delivery ${id} ${status}` });
  const requestsFor = (id: string) => target.received.filter((request) => request.webhookId === id);

  let endTest: () => void;
  let testEnded: Promise<void>;

  beforeEach(async () => {
    testEnded = new Promise((resolve) => (endTest = resolve));
    dataDir = mkdtempSync(join(tmpdir(), 'orw-forwarding-'));
    target = await ForwardTarget.start();
  });
  afterEach(async () => {
    endTest();
    service?.kill();
    await service?.exit();
    service = undefined;
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('forwards every accepted fixture once, signed, with its delivery id as webhook-id', async () => {
    await start();
    const answers = new Map<string, { status: number; body: Record<string, string> }>();
    for (const name of fixtureNames()) answers.set(name, await send(loadFixture(name)));
    // The test button is answered and never handled; the plain copy of the CloudEvents creation, and
    // OpenRegister's retry resends of it, are the same change; so is OpenRegister's own delivery of the
    // update Nextcloud delivered before it (the object in the same state).
    const duplicates = ['openregister-object-created', 'openregister-retry-created', 'openregister-cloudevent-retry-created', 'openregister-object-updated'];
    expect(answers.get('openregister-test')).toMatchObject({ status: 200, body: { status: 'ignored' } });
    for (const name of duplicates) expect(answers.get(name)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const accepted = [...answers].filter(([name]) => name !== 'openregister-test' && !duplicates.includes(name)).map(([, answer]) => answer);
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.map((answer) => answer.status)).toEqual(accepted.map(() => 202));

    await waitFor(() => accepted.every((answer) => requestsFor(answer.body.deliveryId).length > 0), { timeoutInMs: 20_000, what: 'every accepted delivery forwarded' });
    expect(target.ids()).toEqual(new Set(accepted.map((answer) => answer.body.deliveryId)));
    expect(target.received).toHaveLength(accepted.length);
    for (const request of target.received) {
      expect(verified(request)).toBe(true);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe('openregister-webhooks');
      expect(request.body).toEqual({ deliveryId: request.webhookId, attempt: 1, event: expect.objectContaining({ type: expect.any(String) }) });
    }
    const created = requestsFor(answers.get('openregister-cloudevent-created')!.body.deliveryId)[0];
    expect(created.body.event).toMatchObject({ type: 'object.created', format: 'cloudevents', object: { uuid: FIXTURE_OBJECT_UUID } });
    // A signature that only holds for these exact bytes: a changed body fails.
    expect(verified({ ...created, rawBody: created.rawBody.replace('object.created', 'object.deleted') })).toBe(false);
  });

  it('retries a target that fails twice: the third attempt gets through, under the same webhook-id', async () => {
    target.behaviour = (_request, index) => ({ status: index < 2 ? 500 : 200 });
    // Credentials in the URL go out as Basic auth and never into a log line or an error.
    const withCredentials = target.url.replace('http://', 'http://forwarder:s3cr3t-pw@');
    await start({ FORWARD_URLS: withCredentials });
    const { body } = await send(loadFixture('openregister-object-created'));
    await waitForStatus(body.deliveryId, 'succeeded');

    const requests = requestsFor(body.deliveryId);
    expect(requests.map((request) => request.body.attempt)).toEqual([1, 2, 3]);
    expect(requests.every((request) => request.body.deliveryId === body.deliveryId && verified(request))).toBe(true);
    expect(requests[0].headers.authorization).toBe(`Basic ${Buffer.from('forwarder:s3cr3t-pw').toString('base64')}`);

    const detail = (await admin('GET', `/admin/deliveries/${body.deliveryId}`)).body;
    const masked = target.url.replace('http://', 'http://***@');
    expect(detail.history.map(({ attempt, outcome, error }: Record<string, unknown>) => ({ attempt, outcome, error }))).toEqual([
      { attempt: 1, outcome: 'failed', error: `ForwardHandler: forwarding failed: ${masked}: HTTP 500 Internal Server Error` },
      { attempt: 2, outcome: 'failed', error: `ForwardHandler: forwarding failed: ${masked}: HTTP 500 Internal Server Error` },
      { attempt: 3, outcome: 'succeeded', error: undefined },
    ]);
    expect(service!.stdout.join('\n')).not.toContain('s3cr3t-pw');
    expect(service!.stdout.join('\n')).toContain(masked);
  });

  it('dead-letters a delivery to a target that always fails, and an admin replay delivers it once the target is healthy', async () => {
    target.behaviour = () => ({ status: 503 });
    await start({ DELIVERY_MAX_ATTEMPTS: '3' });
    const { body } = await send(loadFixture('openregister-object-updated'));
    await waitForStatus(body.deliveryId, 'dead');
    expect(requestsFor(body.deliveryId).map((request) => request.body.attempt)).toEqual([1, 2, 3]);
    const dead = (await admin('GET', '/admin/deliveries?status=dead')).body;
    expect(dead.items).toEqual([expect.objectContaining({ id: body.deliveryId, attempts: 3, lastError: expect.stringContaining('HTTP 503') })]);

    target.behaviour = () => ({ status: 204 });
    expect(await admin('POST', `/admin/deliveries/${body.deliveryId}/replay`)).toEqual({ status: 202, body: { status: 'queued', id: body.deliveryId } });
    await waitForStatus(body.deliveryId, 'succeeded');
    const requests = requestsFor(body.deliveryId);
    expect(requests.map((request) => request.body.attempt)).toEqual([1, 2, 3, 4]);
    expect(verified(requests[3])).toBe(true);
    expect(requests[3].body.event.type).toBe('object.updated');
  });

  it('cuts off a target that hangs after FORWARD_TIMEOUT_MS and retries it', async () => {
    // The first request is answered only when the test ends: long after the service gave up on it.
    target.behaviour = (_request, index) => (index === 0 ? testEnded.then(() => ({ status: 200 })) : { status: 200 });
    await start({ FORWARD_TIMEOUT_MS: '300' });
    const { body } = await send(loadFixture('openregister-object-created'));
    await waitForStatus(body.deliveryId, 'succeeded');

    expect(requestsFor(body.deliveryId).map((request) => request.body.attempt)).toEqual([1, 2]);
    const { history } = (await admin('GET', `/admin/deliveries/${body.deliveryId}`)).body;
    expect(history.map(({ outcome, error }: Record<string, unknown>) => ({ outcome, error }))).toEqual([
      { outcome: 'failed', error: `ForwardHandler: forwarding failed: ${target.url}: timed out after 300 ms` },
      { outcome: 'succeeded', error: undefined },
    ]);
  });

  it('forwards unsigned without FORWARD_SECRET, and says so at start', async () => {
    await start({ FORWARD_SECRET: '' });
    const { body } = await send(loadFixture('openregister-object-created'));
    await waitFor(() => requestsFor(body.deliveryId).length === 1, { timeoutInMs: 20_000, what: 'the forward' });
    const [request] = requestsFor(body.deliveryId);
    expect(request.headers['webhook-signature']).toBeUndefined();
    expect(request.headers['webhook-id']).toBe(body.deliveryId);
    expect(service!.logLines().some((line) => line.level === 'warn' && String(line.msg).includes('without FORWARD_SECRET'))).toBe(true);
  });
});
