import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SHUTDOWN_MARGIN_IN_MS } from '../src/health/shutdown-deadline.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { deliver, Replica, startReplica, stopAll } from './support/replicas.js';
import { createdBodyFor } from './support/signed-deliveries.js';
import { TcpProxy } from './support/tcp-proxy.js';

jest.setTimeout(90_000);

const GRACE_IN_MS = 3000;

/**
 * SIGTERM while the database hangs (the TCP proxy blackholes it), with a handler still running
 * and a delivery in flight: the built service answers the delivery, says that shutdown started,
 * names what it abandoned, and exits within SHUTDOWN_GRACE_MS + SHUTDOWN_MARGIN_IN_MS.
 * (Measured before: no line after the signal, still alive after 40 s, the request unanswered.)
 */
describe('shutdown during a database hang (built service, STORE_DRIVER=postgres)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let target: ForwardTarget;
  const replicas: Replica[] = [];
  /** Ends the forward that hangs (so no timer of the target outlives the test). */
  let unhang = () => undefined as void;

  beforeAll(async () => {
    db = await createTestDatabase();
    const server = new URL(db.url);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    target = await ForwardTarget.start();
  });
  afterEach(async () => {
    proxy.set('pass');
    await stopAll(replicas.splice(0));
  });
  afterAll(async () => {
    unhang();
    await target.close();
    await proxy.close();
    await db.drop();
  });

  it('answers, logs what it abandoned and exits on time', async () => {
    // The forward hangs far past the grace period: its delivery is still running at the end.
    const hang = new Promise<void>((resolve) => (unhang = resolve));
    target.behaviour = async () => (await hang, { status: 200 });
    const replica = await startReplica('a', proxy.urlFor(db.url), target.url, {
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: String(GRACE_IN_MS),
      HANDLER_TIMEOUT_MS: '30000',
      FORWARD_TIMEOUT_MS: '20000',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '1000',
      DELIVERY_LEASE_SECONDS: '30',
    });
    replicas.push(replica);
    const running = await deliver(replica, createdBodyFor('11111111-1111-4111-8111-111111111111'));
    expect(running.status).toBe(202);
    const runningId = running.body.deliveryId;
    await waitFor(() => target.ids().has(runningId), { timeoutInMs: 20_000, what: 'the handler to start' });

    proxy.set('blackhole');
    const held = proxy.heldBytes();
    const inFlight = deliver(replica, createdBodyFor('22222222-2222-4222-8222-222222222222'));
    await waitFor(() => proxy.heldBytes() > held, { timeoutInMs: 5_000, what: 'the in-flight delivery to reach the hung database' });

    const signalledAt = Date.now();
    replica.service.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(503);

    const limit = GRACE_IN_MS + SHUTDOWN_MARGIN_IN_MS;
    const exited = await Promise.race([replica.service.exit(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), limit + 2_000).unref())]);
    const tookMs = Date.now() - signalledAt;
    expect(exited).toBeDefined();
    expect(tookMs).toBeLessThan(limit);

    const lines = replica.service.logLines();
    expect(lines.some((line) => String(line.msg).startsWith('Shutting down'))).toBe(true);
    const abandoned = lines.find((line) => String(line.msg).startsWith('Shutdown abandoned'));
    expect(abandoned).toMatchObject({ count: 1, deliveryIds: [runningId] });
  });
});
