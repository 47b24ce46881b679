import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { sql } from './support/postgres-store.js';
import { Probes } from './support/probes.js';
import { Replica, startReplica, stopAll, Stream } from './support/replicas.js';
import { createdBodyFor } from './support/signed-deliveries.js';
import { ProxyMode, TcpProxy } from './support/tcp-proxy.js';

jest.setTimeout(60_000);

const CONNECT_TIMEOUT_MS = 1000;
const STATEMENT_TIMEOUT_MS = 1000;
/** What a sender may wait at most for its 202 or 503 (docs/operations.md, "An outage of the database"). */
const ANSWER_BOUND_IN_MS = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 1000;
/** What a scrape or a readiness probe may take at most, whatever the database does (the store check's limit is 0.8 s). */
const PROBE_BOUND_IN_MS = 2000;
/** Lines at warn or above per replica and fault, besides each delivery's own: no storm. */
const OUTAGE_LINES_AT_MOST = 6;
const LOUD = new Set(['warn', 'error', 'fatal']);
/** Lines about given deliveries (refused, taken over, not recorded): bounded by the deliveries, not by the fault's length. */
const perDelivery = (line: Record<string, unknown>) => 'deliveryId' in line || 'deliveryIds' in line;

/**
 * Two built replicas on PostgreSQL through a TCP proxy, under a steady load of signed deliveries,
 * while the proxy delays, blackholes and resets the connections in turn. Through each fault:
 * every sender gets 202 or 503 within the bound, nothing acknowledged is lost, no handler runs
 * twice for one attempt, /metrics answers 200, readiness says 503 while the store cannot be
 * written and 200 again within seconds after.
 */
describe('two replicas on PostgreSQL under load through network faults', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let target: ForwardTarget;
  let replicas: Replica[] = [];
  let load: Stream | undefined;
  let probes: Probes | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('orw_faults');
    const server = new URL(db.url);
    [proxy, target] = await Promise.all([TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) }), ForwardTarget.start()]);
    target.behaviour = () => ({ status: 200, delayInMs: 10 });
    const env = {
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      // Longer than the renewal's round trips through the delay, and than the blackhole.
      DELIVERY_LEASE_SECONDS: '6',
      LOG_LEVEL: 'info',
    };
    // Each one started is kept for afterAll even when the other fails to start: a process left
    // running would keep Jest from exiting.
    const started = await Promise.allSettled(['a', 'b'].map((name) => startReplica(name, proxy.urlFor(db.url), target.url, env)));
    replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    probes = new Probes(replicas, ['/metrics', '/health/ready']).start();
    // Enough senders that deliveries queue behind a write hung on the database.
    load = new Stream([...replicas], () => createdBodyFor(randomUUID()), 8, 20).start();
  }, 60_000);

  afterAll(async () => {
    proxy?.set('pass');
    // Killed first, so that a sender or probe still waiting on a replica gets its answer (a reset).
    const stopping = Promise.all([load?.stop(), probes?.stop()]);
    await stopAll(replicas);
    await stopping;
    await target?.close();
    await proxy?.close();
    await db?.drop();
  });

  const ready = (replica: Replica) => probes!.latest(replica.name, '/health/ready')?.status;
  const acknowledgedSince = (from: number) => load!.answers.filter((answer) => answer.sentAt >= from && answer.status === 202);

  /** Applies `fault` once deliveries flow, holds it until `heldUntil`, and says when it began and ended. */
  async function through(fault: ProxyMode, heldUntil: (since: number) => Promise<void>): Promise<{ since: number; passedAt: number }> {
    const before = Date.now();
    await waitFor(() => acknowledgedSince(before).length >= 20, { timeoutInMs: 20_000, what: 'deliveries to flow before the fault' });
    const since = Date.now();
    proxy.set(fault);
    try {
      await heldUntil(since);
    } finally {
      // Also when the fault's condition never came: the next test starts on a sound network.
      proxy.set('pass');
    }
    const passedAt = Date.now();
    await waitFor(() => replicas.every((replica) => probes!.since(passedAt, '/health/ready', replica.name).some((answer) => answer.status === 200)), { timeoutInMs: 10_000, what: 'readiness 200 again on every replica' });
    await waitFor(() => acknowledgedSince(passedAt).length >= 20, { timeoutInMs: 20_000, what: 'deliveries to flow after the fault' });
    return { since, passedAt };
  }

  /** What must hold for everything sent since `since`, whatever the fault was. */
  async function expectNothingLostNorDoubled(since: number): Promise<void> {
    const answers = load!.answers.filter((answer) => answer.sentAt >= since);
    expect(answers.filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
    const slow = answers.filter((answer) => answer.waitedMs > ANSWER_BOUND_IN_MS);
    expect(slow.map(({ replica, status, waitedMs }) => ({ replica, status, waitedMs }))).toEqual([]);

    const scrapes = probes!.since(since, '/metrics');
    expect(scrapes.filter((scrape) => scrape.status !== 200 || scrape.waitedMs > PROBE_BOUND_IN_MS)).toEqual([]);
    expect(probes!.since(since, '/health/ready').filter((probe) => probe.waitedMs > PROBE_BOUND_IN_MS)).toEqual([]);
    for (const replica of replicas) {
      const loud = replica.service.logLines().filter((line) => Date.parse(String(line.time)) >= since && LOUD.has(String(line.level)) && !perDelivery(line));
      const lines = loud.map((line) => `${String(line.level)} ${String(line.msg)}`);
      expect(lines.length > OUTAGE_LINES_AT_MOST ? lines : []).toEqual([]);
    }

    const acknowledged = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.deliveryId);
    const succeeded = async () => (await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM deliveries WHERE id = ANY($1) AND status = 'succeeded'`, [acknowledged]))[0].n;
    await waitFor(async () => (await succeeded()) === acknowledged.length, { timeoutInMs: 20_000, what: 'every acknowledged delivery to succeed' });
    const forwarded = new Set(target.received.map((request) => request.webhookId));
    expect(acknowledged.filter((id) => !forwarded.has(id))).toEqual([]);
    // A handler runs again only as a new attempt (a retry or a take-over), never twice as one.
    const runs = target.received.map((request) => `${request.webhookId} attempt ${request.body.attempt}`);
    expect(runs.filter((run, index) => runs.indexOf(run) !== index)).toEqual([]);
  }

  it('a slow network (300 ms each way per chunk): answers within the bound, nothing lost', async () => {
    const { since, passedAt } = await through({ delayInMs: 300 }, async (from) => {
      await waitFor(() => load!.answers.filter((answer) => answer.sentAt >= from).length >= 16, { timeoutInMs: 30_000, what: 'deliveries answered through the delay' });
    });
    // Slow, not down: deliveries are still acknowledged through it.
    expect(acknowledgedSince(since).filter((answer) => answer.sentAt < passedAt).length).toBeGreaterThan(0);
    await expectNothingLostNorDoubled(since);
  });

  it('a blackhole: readiness 503 during it, 200 within seconds after; answers within the bound, nothing lost', async () => {
    const { since } = await through('blackhole', async (from) => {
      await waitFor(() => replicas.every((replica) => ready(replica) === 503), { timeoutInMs: 10_000, what: 'readiness 503 on every replica' });
      await waitFor(() => load!.answers.filter((answer) => answer.sentAt >= from && answer.status === 503).length >= 20, { timeoutInMs: 20_000, what: 'deliveries refused during the blackhole' });
    });
    await expectNothingLostNorDoubled(since);
  });

  it('reset connections: readiness 503 during it, 200 within seconds after; answers within the bound, nothing lost', async () => {
    const { since } = await through('reset', async (from) => {
      await waitFor(() => replicas.every((replica) => ready(replica) === 503), { timeoutInMs: 10_000, what: 'readiness 503 on every replica' });
      await waitFor(() => load!.answers.filter((answer) => answer.sentAt >= from && answer.status === 503).length >= 20, { timeoutInMs: 20_000, what: 'deliveries refused while the connections are reset' });
    });
    await expectNothingLostNorDoubled(since);
  });
});
