import type pg from 'pg';
import { systemClock } from '../../common/clock.js';
import { parseExactJson, stringifyExactJson } from '../../events/exact-json.js';
import type { OpenRegisterObject } from '../../events/openregister-event.js';
import type { ObjectStateStore } from '../object-state.store.js';

export interface PostgresObjectStateOptions {
  pool: pg.Pool;
  /** The clock `get` compares expiry with (ms since the epoch), as callers set `expiresAt` on it; tests move it. */
  now?: () => number;
}

const QUERIES = {
  get: { name: 'object-state-get', text: `SELECT state FROM object_states WHERE object_uuid = $1 AND expires_at > $2` },
  put: {
    name: 'object-state-put',
    text: `INSERT INTO object_states (object_uuid, state, expires_at) VALUES ($1, $2, $3)
      ON CONFLICT (object_uuid) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
  },
  deleteExpired: { name: 'object-state-delete-expired', text: `DELETE FROM object_states WHERE expires_at <= $1` },
};

/**
 * Each object's last seen state in PostgreSQL, shared by every replica, as exact JSON text (the
 * delivery store keeps events the same way). Expiry is the callers' clock, like idempotency keys':
 * an object state is a cache whose expiry need not agree to the millisecond between replicas.
 */
export class PostgresObjectStateStore implements ObjectStateStore {
  private readonly now: () => number;

  constructor(private readonly options: PostgresObjectStateOptions) {
    this.now = options.now ?? systemClock.now;
  }

  async get(objectUuid: string): Promise<OpenRegisterObject | undefined> {
    const { rows } = await this.options.pool.query<{ state: string }>({ ...QUERIES.get, values: [objectUuid, this.now()] });
    return rows.length === 0 ? undefined : (parseExactJson(rows[0].state) as OpenRegisterObject);
  }

  async put(objectUuid: string, state: OpenRegisterObject, expiresAt: number): Promise<void> {
    await this.options.pool.query({ ...QUERIES.put, values: [objectUuid, stringifyExactJson(state), Math.ceil(expiresAt)] });
  }

  async deleteExpired(now: number): Promise<number> {
    const { rowCount } = await this.options.pool.query({ ...QUERIES.deleteExpired, values: [Math.floor(now)] });
    return rowCount ?? 0;
  }
}
