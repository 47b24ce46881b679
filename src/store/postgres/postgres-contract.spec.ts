import { afterAll, beforeAll } from '@jest/globals';
import type pg from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres-database.js';
import { crashStore, openStore, sql } from '../../../test/support/postgres-store.js';
import { describeIdempotencyStoreContract, IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS } from '../../idempotency/idempotency-store.contract.js';
import { describeCatchupStateStoreContract } from '../catchup-state-store.contract.js';
import { describeDeliveryStoreContract } from '../delivery-store.contract.js';
import { describeObjectStateStoreContract, OBJECT_STATE_CONTRACT_NOW } from '../object-state-store.contract.js';
import { migrate } from './migrate.js';
import { PostgresCatchupStateStore } from './postgres-catchup-state.store.js';
import type { PostgresDeliveryStore } from './postgres-delivery.store.js';
import { PostgresIdempotencyStore } from './postgres-idempotency.store.js';
import { PostgresObjectStateStore } from './postgres-object-state.store.js';
import { createPool } from './postgres-pool.js';

/** Short, so that a crashed store's claims lapse within the contract's wait. */
const LEASE_IN_MS = 1000;
const IN_PROGRESS_TTL_IN_SECONDS = 10;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  const pool = createPool({ url: db.url, poolSize: 1 });
  await migrate(pool);
  await pool.end();
});
afterAll(() => db.drop());

const empty = () => sql(db.url, 'TRUNCATE deliveries, delivery_attempts, idempotency_keys');

describeDeliveryStoreContract('postgres', {
  durable: true,
  crashResumeWithinMs: 10 * LEASE_IN_MS,
  async open({ idempotencyTtlInSeconds }) {
    await empty();
    const open = () => openStore(db.url, { idempotencyTtlInSeconds, leaseInMs: LEASE_IN_MS });
    let store: PostgresDeliveryStore = await open();
    return {
      store,
      async reopen() {
        await store.close();
        return (store = await open());
      },
      // Another replica (or the next process) carries on; the crashed one's claims come due
      // once their leases lapse.
      async crash() {
        await crashStore(store);
        return (store = await open());
      },
      dispose: () => store.close(),
    };
  },
});

describeIdempotencyStoreContract('postgres', true, async () => {
  await empty();
  let now = 1_780_000_000_000;
  let pool: pg.Pool = createPool({ url: db.url, poolSize: 4 });
  const open = () => new PostgresIdempotencyStore({ pool, ttlInSeconds: IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS, inProgressTtlInSeconds: IN_PROGRESS_TTL_IN_SECONDS, now: () => now });
  return {
    store: open(),
    advance: (ms) => (now += ms),
    // Replicas cannot drop in-progress claims at start (others may be mid-delivery): a crashed
    // one's claims lapse after the in-progress time, which passes here as the restart's downtime.
    async restart() {
      await pool.end();
      pool = createPool({ url: db.url, poolSize: 4 });
      now += IN_PROGRESS_TTL_IN_SECONDS * 1000;
      return open();
    },
    dispose: () => pool.end(),
  };
});

/** A fresh pool on emptied `tables`, reopened as the next process would. */
async function poolOn(tables: string) {
  await sql(db.url, `TRUNCATE ${tables}`);
  let pool: pg.Pool = createPool({ url: db.url, poolSize: 4 });
  return {
    current: () => pool,
    async reopen() {
      await pool.end();
      return (pool = createPool({ url: db.url, poolSize: 4 }));
    },
    end: () => pool.end(),
  };
}

// The lease is on the database's clock, which no test can move: the contract waits for it
// (short leases, polled).
describeCatchupStateStoreContract('postgres', {
  durable: true,
  async open() {
    const pools = await poolOn('catchup_checkpoints, catchup_lease');
    return {
      store: new PostgresCatchupStateStore(pools.current()),
      now: () => Date.now(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      reopen: async () => new PostgresCatchupStateStore(await pools.reopen()),
      dispose: pools.end,
    };
  },
});

describeObjectStateStoreContract('postgres', {
  durable: true,
  async open() {
    const pools = await poolOn('object_states');
    const clock = { now: OBJECT_STATE_CONTRACT_NOW };
    const open = (pool: pg.Pool) => new PostgresObjectStateStore({ pool, now: () => clock.now });
    return {
      store: open(pools.current()),
      advance: (ms) => void (clock.now += ms),
      reopen: async () => open(await pools.reopen()),
      dispose: pools.end,
    };
  },
});
