import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { admin, deliver, LEASE_SECONDS, Replica, startReplica, stopAll } from './support/replicas.js';
import { createdBodyFor } from './support/signed-deliveries.js';

jest.setTimeout(60_000);

/**
 * A replica dies while running a delivery; another takes it over once the lease lapsed. The lost
 * run counts: the new one is attempt 2 in the log line, the forward, the metrics and the history.
 * (Before: the second run was attempt 1 again, and the history showed one attempt.)
 */
describe('a delivery taken over from a replica that died running it', () => {
  let db: TestDatabase;
  let target: ForwardTarget;
  const replicas: Replica[] = [];
  let unhang = () => undefined as void;

  beforeAll(async () => {
    [db, target] = await Promise.all([createTestDatabase('orw_takeover'), ForwardTarget.start()]);
  });
  afterEach(() => stopAll(replicas.splice(0)));
  afterAll(async () => {
    unhang();
    await target.close();
    await db.drop();
  });

  it('runs it as the next attempt and records the lost run as an interrupted one', async () => {
    // Replica a's forward never answers: it is still running when a dies.
    const hang = new Promise<void>((resolve) => (unhang = resolve));
    target.behaviour = async ({ path }) => (path.endsWith('/a') ? (await hang, { status: 200 }) : { status: 200 });
    // Time limits far past the test: a's run must still be its first when a dies.
    const env = { HANDLER_TIMEOUT_MS: '30000', FORWARD_TIMEOUT_MS: '20000' };
    const a = await startReplica('a', db.url, target.url, env);
    replicas.push(a);
    const answer = await deliver(a, createdBodyFor('33333333-3333-4333-8333-333333333333'));
    expect(answer.status).toBe(202);
    const id = answer.body.deliveryId;
    await waitFor(() => target.received.some((request) => request.webhookId === id), { timeoutInMs: 20_000, what: 'replica a to run the delivery' });
    // b starts while a holds the lease: it must not take the delivery before a dies.
    const b = await startReplica('b', db.url, target.url, env);
    replicas.push(b);
    a.service.kill('SIGKILL');
    await a.service.exit();

    await waitFor(() => target.received.some((request) => request.webhookId === id && request.path.endsWith('/b')), { timeoutInMs: LEASE_SECONDS * 1000 + 10_000, what: 'replica b to take it over' });
    const rerun = target.received.find((request) => request.webhookId === id && request.path.endsWith('/b'))!;
    expect(rerun.body.attempt).toBe(2);

    const line = b.service.logLines().find((entry) => String(entry.msg).startsWith('Delivery taken over'));
    expect(line).toMatchObject({ deliveryId: id, attempt: 2, level: 'warn' });

    await waitFor(async () => (await admin(b, 'GET', `/${id}`)).body.status === 'succeeded', { timeoutInMs: 10_000, what: 'the delivery to succeed' });
    const { body } = await admin(b, 'GET', `/${id}`);
    expect(body.attempts).toBe(2);
    expect(body.history.map(({ attempt, outcome }: { attempt: number; outcome: string }) => ({ attempt, outcome }))).toEqual([
      { attempt: 1, outcome: 'failed' },
      { attempt: 2, outcome: 'succeeded' },
    ]);
    expect(body.history[0].error).toMatch(/^interrupted/);

    const metrics = await (await fetch(`${b.service.url}/metrics`)).text();
    expect(metrics).toMatch(/^webhook_delivery_attempts_total\{outcome="interrupted"\} 1$/m);
  });
});
