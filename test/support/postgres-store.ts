import pg from 'pg';
import type { OpenRegisterEvent } from '../../src/events/openregister-event.js';
import type { NewDelivery } from '../../src/store/delivery-store.js';
import { migrate } from '../../src/store/postgres/migrate.js';
import { PostgresDeliveryStore, PostgresDeliveryStoreOptions } from '../../src/store/postgres/postgres-delivery.store.js';
import { createPool } from '../../src/store/postgres/postgres-pool.js';

/** Shared by the postgres store's specs. */

export const NOW = 1_780_000_000_000;

export function eventFor(uuid: string | undefined, fields: Record<string, unknown> = {}): OpenRegisterEvent {
  return {
    type: 'object.updated',
    eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
    format: 'openregister',
    occurredAt: new Date(NOW).toISOString(),
    ...(uuid ? { object: { uuid, data: { title: 'x', ...fields }, meta: {} } } : {}),
  } as OpenRegisterEvent;
}

let counter = 0;
export function newDelivery(uuid: string | undefined, key = `key-${counter + 1}`, at = NOW): NewDelivery {
  return { id: `d-${++counter}`, idempotencyKey: key, event: eventFor(uuid), acceptedAt: at };
}

/** A migrated store of its own pool on `url`, started; close it to end the pool. */
export async function openStore(url: string, options: Partial<PostgresDeliveryStoreOptions> = {}): Promise<PostgresDeliveryStore> {
  const pool = createPool({ url, poolSize: 4 });
  await migrate(pool);
  const store = new PostgresDeliveryStore({ pool, url, idempotencyTtlInSeconds: 60, leaseInMs: 15_000, ownsPool: true, onBackgroundError: () => undefined, ...options });
  await store.start();
  return store;
}

/** Runs one statement on `url` outside any store. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Stops `store` as a crash would: no more renewals, finishes or wakeups, and its leases left
 * to lapse (a close would give them up). Its pool is ended without a word to the database.
 */
export async function crashStore(store: PostgresDeliveryStore): Promise<void> {
  const internals = store as unknown as { closed: boolean; leases: { close(): Promise<void> }; listener: { close(): Promise<void> }; pool: pg.Pool };
  internals.closed = true;
  await internals.leases.close();
  await internals.listener.close();
  await internals.pool.end();
}
