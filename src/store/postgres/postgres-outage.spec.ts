import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, terminateConnections, TestDatabase, testServerUrl } from '../../../test/support/postgres-database.js';
import { NOW, newDelivery, openStore, sql } from '../../../test/support/postgres-store.js';
import { waitFor } from '../../../test/support/wait-for.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';

jest.setTimeout(30_000);

describe('PostgresDeliveryStore: database outage', () => {
  let db: TestDatabase;
  let store: PostgresDeliveryStore;
  const backgroundErrors: string[] = [];
  let woken = 0;
  const name = () => new URL(db.url).pathname.slice(1);
  /** The database refuses new connections and loses its open ones, as while it restarts. */
  const goDown = async () => {
    await sql(testServerUrl(), `ALTER DATABASE ${name()} ALLOW_CONNECTIONS false`);
    await terminateConnections(db.url);
  };
  const comeBack = () => sql(testServerUrl(), `ALTER DATABASE ${name()} ALLOW_CONNECTIONS true`);

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore(db.url, { leaseInMs: 600, onBackgroundError: (error, what) => backgroundErrors.push(`${what}: ${(error as Error).message}`) });
    store.onWake(() => woken++);
  });
  afterAll(async () => {
    await comeBack();
    await store.close().catch(() => undefined);
    await db.drop();
  });

  it('refuses writes while the database is gone and recovers by itself when it returns', async () => {
    await store.enqueue(newDelivery('obj'));
    await store.checkWritable();
    const [claim] = await store.claimDue(10, NOW);

    await goDown();
    await expect(store.checkWritable()).rejects.toThrow();
    // Never acknowledged: the caller answers 503.
    await expect(store.enqueue(newDelivery('obj'))).rejects.toThrow();
    await expect(store.claimDue(10, NOW)).rejects.toThrow();
    // Lease renewals and the listener fail in the background, reported and not thrown.
    await waitFor(() => backgroundErrors.some((line) => line.startsWith('Could not renew delivery leases')), { timeoutInMs: 5000, what: 'a failed renewal' });

    const wokenBefore = woken;
    await comeBack();
    await waitFor(() => store.checkWritable().then(() => true, () => false), { timeoutInMs: 10_000, what: 'the store to be writable again' });
    expect(await store.enqueue(newDelivery('obj', 'after-outage'))).toEqual({ status: 'accepted' });
    // The listener reconnected, and woke the worker for what it may have missed meanwhile.
    await waitFor(() => woken > wokenBefore, { timeoutInMs: 10_000, what: 'the listener to reconnect' });
    // The claim made before the outage is still this process's (nobody took it meanwhile): its finish counts.
    await store.finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' });
    expect(await store.get(claim.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
