import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres-database.js';
import { NOW, newDelivery, openStore, sql } from '../../../test/support/postgres-store.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { LEASE_LOSS_REASONS } from './lease-keeper.js';
import { migrate } from './migrate.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { createPool } from './postgres-pool.js';

jest.setTimeout(20_000);

/** Renewal runs apart from the work it protects, and a lease that cannot be kept is given up, loudly. */
describe('LeaseKeeper', () => {
  let db: TestDatabase;
  const stores: PostgresDeliveryStore[] = [];
  const proxies: TcpProxy[] = [];
  const leaseOf = async (id: string) =>
    (await sql<{ lease_owner: string | null; lease_expires_at: number }>(db.url, 'SELECT lease_owner, lease_expires_at::float8 AS lease_expires_at FROM deliveries WHERE id = $1', [id]))[0];

  beforeAll(async () => {
    db = await createTestDatabase();
    const pool = createPool({ url: db.url, poolSize: 1 });
    await migrate(pool);
    await pool.end();
  });
  afterEach(async () => {
    for (const proxy of proxies) proxy.set('pass');
    await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys');
  });
  afterAll(() => db.drop());

  it("renews while a hung statement holds the store's only connection (a stalled finish cannot let the lease lapse)", async () => {
    const pool = createPool({ url: db.url, poolSize: 1 });
    const a = await openStore(db.url, { pool, leaseInMs: 600 });
    const b = await openStore(db.url, { leaseInMs: 600 });
    stores.push(a, b);
    await a.enqueue(newDelivery('obj'));
    const [claim] = await a.claimDue(10, NOW);
    const first = (await leaseOf(claim.id)).lease_expires_at;
    // The store's pool is busy for 2 s: 3 leases long. Renewals queued behind it would let the lease lapse.
    let stalled = true;
    const stall = pool.query('SELECT pg_sleep(2)').finally(() => (stalled = false));
    await waitFor(async () => (await leaseOf(claim.id)).lease_expires_at > first + 900, { timeoutInMs: 5000, what: 'renewals during the stall' });
    expect(await b.claimDue(10, NOW)).toEqual([]);
    // Renewed, and nothing taken over, while the stall still held the connection.
    expect(stalled).toBe(true);
    await stall;
    expect((await leaseOf(claim.id)).lease_owner).toBe(a.owner);
  });

  it('gives up its claims, once, when renewal has failed for longer than the lease', async () => {
    const proxy = await TcpProxy.start({ host: new URL(db.url).hostname, port: Number(new URL(db.url).port || 5432) });
    proxies.push(proxy);
    const a = await openStore(proxy.urlFor(db.url), { leaseInMs: 600, timeouts: { connectInMs: 300, statementInMs: 300 } });
    stores.push(a);
    const lost: { leases: string[]; reason: string }[] = [];
    a.onClaimsLost((leases, reason) => lost.push({ leases, reason }));
    await a.enqueue(newDelivery('obj'));
    const [claim] = await a.claimDue(10, NOW);
    proxy.set('blackhole');
    await waitFor(() => lost.length > 0, { timeoutInMs: 5000, what: 'the claim to be given up' });
    expect(lost).toEqual([{ leases: [claim.lease], reason: LEASE_LOSS_REASONS.unrenewed }]);
    proxy.set('pass');
  });

  it('gives up a claim that another replica took over, as soon as a renewal finds it gone', async () => {
    const [a, b] = [await openStore(db.url, { leaseInMs: 3000 }), await openStore(db.url, { leaseInMs: 3000 })];
    stores.push(a, b);
    const lost: { leases: string[]; reason: string }[] = [];
    a.onClaimsLost((leases, reason) => lost.push({ leases, reason }));
    const delivery = newDelivery('obj');
    await a.enqueue(delivery);
    const [claim] = await a.claimDue(10, NOW);
    // a froze for a moment: its lease lapsed and b took the delivery over.
    await sql(db.url, 'UPDATE deliveries SET lease_expires_at = 0 WHERE id = $1', [delivery.id]);
    expect(await b.claimDue(10, NOW + 100)).toHaveLength(1);
    await waitFor(() => lost.length > 0, { timeoutInMs: 5000, what: 'the renewal to find the lease gone' });
    expect(lost).toEqual([{ leases: [claim.lease], reason: LEASE_LOSS_REASONS.takenOver }]);
  });
});
