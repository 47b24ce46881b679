import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres-database.js';
import { NOW, newDelivery, openStore, sql } from '../../../test/support/postgres-store.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { migrate } from './migrate.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { createPool } from './postgres-pool.js';

const succeeded = { attempt: 1, startedAt: NOW, finishedAt: NOW + 10, outcome: 'succeeded' as const };

jest.setTimeout(20_000);

describe('PostgresDeliveryStore: leases and wakeups', () => {
  let db: TestDatabase;
  const stores: PostgresDeliveryStore[] = [];
  const open = async (leaseInMs = 15_000) => {
    const store = await openStore(db.url, { leaseInMs });
    stores.push(store);
    return store;
  };
  const leaseOf = async (id: string) =>
    (await sql<{ lease_owner: string | null; lease_expires_at: number | null }>(db.url, 'SELECT lease_owner, lease_expires_at::float8 AS lease_expires_at FROM deliveries WHERE id = $1', [id]))[0];

  beforeAll(async () => {
    db = await createTestDatabase();
    const pool = createPool({ url: db.url, poolSize: 1 });
    await migrate(pool);
    await pool.end();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)));
    await sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('renews the leases it holds, so a live replica keeps its deliveries', async () => {
    const [a, b] = [await open(600), await open(600)];
    const lost: string[] = [];
    a.onClaimsLost((_leases, reason) => lost.push(reason));
    await a.enqueue(newDelivery('obj'));
    const [claim] = await a.claimDue(10, NOW);
    const first = (await leaseOf(claim.id)).lease_expires_at!;
    // Three leases' worth of renewals, or a loss: renewing only once a lease has passed loses it.
    await waitFor(async () => lost.length > 0 || (await leaseOf(claim.id)).lease_expires_at! > first + 1800, { timeoutInMs: 5000, what: 'renewals over three leases' });
    expect(lost).toEqual([]);
    expect(await b.claimDue(10, NOW)).toEqual([]);
    expect(await b.requeueInterrupted(NOW)).toBe(0);
    expect((await leaseOf(claim.id)).lease_owner).toBe(a.owner);
  });

  it('lets another replica take over once a lease lapsed, and fences off the late finish of the old owner', async () => {
    const [a, b] = [await open(), await open()];
    const delivery = newDelivery('obj');
    await a.enqueue(delivery);
    const [stale] = await a.claimDue(10, NOW);
    // The owner froze: its lease lapsed without renewal.
    await sql(db.url, 'UPDATE deliveries SET lease_expires_at = 0 WHERE id = $1', [delivery.id]);
    expect(await b.nextDueAt()).toBe(0);
    const [taken] = await b.claimDue(10, NOW + 100);
    expect(taken.id).toBe(delivery.id);
    expect(taken.lease).not.toBe(stale.lease);
    // The lost run counts: the new one is attempt 2.
    expect(taken).toMatchObject({ attempts: 1, takenOver: true });

    await a.finishAttempt(stale, { ...succeeded, error: 'late' }, { status: 'dead' });
    expect(await a.get(delivery.id)).toMatchObject({ status: 'processing', attempts: 1, history: [{ attempt: 1, outcome: 'failed' }] });
    await b.finishAttempt(taken, { ...succeeded, attempt: 2 }, { status: 'succeeded' });
    expect(await a.get(delivery.id)).toMatchObject({ status: 'succeeded', attempts: 2, history: [{ attempt: 1, outcome: 'failed' }, { attempt: 2, outcome: 'succeeded' }] });
  });

  it("keeps a late success of the old owner from ending the new owner's run: the delivery stays the new owner's", async () => {
    const [a, b] = [await open(), await open()];
    const delivery = newDelivery('obj');
    await a.enqueue(delivery);
    const [stale] = await a.claimDue(10, NOW);
    await sql(db.url, 'UPDATE deliveries SET lease_expires_at = 0 WHERE id = $1', [delivery.id]);
    const [taken] = await b.claimDue(10, NOW + 100);

    // The old owner's run ends well, after the new owner began: it must not count.
    await a.finishAttempt(stale, { ...succeeded, attempt: 1 }, { status: 'succeeded' });
    expect(await leaseOf(delivery.id)).toEqual({ lease_owner: b.owner, lease_expires_at: expect.any(Number) });
    expect((await a.counts()).succeeded).toBe(0);
    // The new owner's own outcome (a failure to retry) is the one that is kept.
    await b.finishAttempt(taken, { attempt: 2, startedAt: NOW + 100, finishedAt: NOW + 110, outcome: 'failed', error: 'new owner failed' }, { status: 'queued', nextAttemptAt: NOW + 1000 });
    expect(await b.get(delivery.id)).toMatchObject({ status: 'queued', attempts: 2, lastError: 'new owner failed' });
  });

  it('runs the deliveries of a replica that died on another once its lease lapsed', async () => {
    const [doomed, survivor] = [await open(400), await open(400)];
    await doomed.enqueue(newDelivery('obj'));
    const [claim] = await doomed.claimDue(10, NOW);
    // Freezes without a word: no release, no lapse at close, its renewals stop.
    (doomed as unknown as { leases: { stop(): void } }).leases.stop();
    await waitFor(async () => (await survivor.claimDue(10, NOW)).some((taken) => taken.id === claim.id), { timeoutInMs: 5000, what: 'the takeover' });
    expect((await leaseOf(claim.id)).lease_owner).toBe(survivor.owner);
  });

  it('gives up its leases at close, so that others take them over at once', async () => {
    const [closing, other] = [await open(), await open()];
    await closing.enqueue(newDelivery('obj'));
    const [claim] = await closing.claimDue(10, NOW);
    await closing.close();
    expect(await other.requeueInterrupted(NOW + 1)).toBe(1);
    expect((await other.claimDue(10, NOW + 1)).map((taken) => taken.id)).toEqual([claim.id]);
  });

  it('puts released deliveries back unchanged', async () => {
    const store = await open();
    await store.enqueue(newDelivery('obj'));
    const claims = await store.claimDue(10, NOW);
    await store.release(claims);
    expect(await store.get(claims[0].id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await store.claimDue(10, NOW)).toHaveLength(1);
  });

  it('wakes the other replicas when one enqueues or replays, and itself once, not again through its own NOTIFY', async () => {
    const [a, b] = [await open(), await open()];
    let wokenA = 0;
    let wokenB = 0;
    a.onWake(() => wokenA++);
    b.onWake(() => wokenB++);
    await a.enqueue(newDelivery('obj'));
    expect(wokenA).toBe(1);
    await waitFor(() => wokenB === 1, { timeoutInMs: 5000, what: 'the wakeup' });
    const [claim] = await b.claimDue(10, NOW);
    await b.finishAttempt(claim, succeeded, { status: 'dead' });
    expect(await b.replay(claim.id, NOW + 1)).toBe(true);
    expect(wokenB).toBe(2);
    // Notifications arrive in order: had A heard its own enqueue's, it would be at 3 once B's replay reached it.
    await waitFor(() => wokenA >= 2, { timeoutInMs: 5000, what: 'the replay wakeup' });
    expect(wokenA).toBe(2);
    expect(wokenB).toBe(2);
  });

  it('listens again after losing its connection, and wakes then for what it may have missed', async () => {
    const [a, b] = [await open(), await open()];
    let woken = 0;
    b.onWake(() => woken++);
    const listenerPids = async () =>
      (await sql<{ pid: number }>(db.url, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`)).map((row) => row.pid);
    await waitFor(async () => (await listenerPids()).length === 2, { timeoutInMs: 5000, what: 'both listeners' });
    await sql(db.url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY ($1)', [await listenerPids()]);
    await waitFor(() => woken >= 1, { timeoutInMs: 5000, what: 'the wakeup after reconnecting' });
    await waitFor(async () => (await listenerPids()).length === 2, { timeoutInMs: 5000, what: 'both listening again' });
    const before = woken;
    await a.enqueue(newDelivery('obj'));
    await waitFor(() => woken === before + 1, { timeoutInMs: 5000, what: 'a wakeup on the new connection' });
  });

  it('prunes on one replica at a time', async () => {
    const [a, b] = [await open(), await open()];
    await a.enqueue(newDelivery('obj'));
    const [claim] = await a.claimDue(10, NOW);
    await a.finishAttempt(claim, succeeded, { status: 'succeeded' });
    const holder = createPool({ url: db.url, poolSize: 1 });
    const client = await holder.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(191702)');
      expect(await b.deleteFinishedBefore(NOW + 1000)).toBe(0);
      await client.query('ROLLBACK');
      expect(await b.deleteFinishedBefore(NOW + 1000)).toBe(1);
      expect(await b.get(claim.id)).toBeUndefined();
    } finally {
      client.release();
      await holder.end();
    }
  });
});
