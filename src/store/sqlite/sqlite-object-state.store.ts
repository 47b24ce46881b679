import type Database from 'better-sqlite3';
import { systemClock } from '../../common/clock.js';
import { parseExactJson, stringifyExactJson } from '../../events/exact-json.js';
import type { OpenRegisterObject } from '../../events/openregister-event.js';
import type { ObjectStateStore } from '../object-state.store.js';

export interface SqliteObjectStateOptions {
  /** The clock `get` compares expiry with (ms since the epoch); tests move it. */
  now?: () => number;
}

/**
 * Each object's last seen state in the embedded database, as exact JSON (the delivery store
 * keeps events the same way), so a `previous` computed from it has the digits OpenRegister sent.
 * Written at once, one statement per call: a state is written once per change of its object.
 */
export class SqliteObjectStateStore implements ObjectStateStore {
  private readonly statements;
  private readonly now: () => number;

  constructor(db: Database.Database, options: SqliteObjectStateOptions = {}) {
    this.now = options.now ?? systemClock.now;
    this.statements = {
      get: db.prepare(`SELECT state FROM object_states WHERE object_uuid = ? AND expires_at > ?`).pluck(),
      put: db.prepare(
        `INSERT INTO object_states (object_uuid, state, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (object_uuid) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
      ),
      deleteExpired: db.prepare(`DELETE FROM object_states WHERE expires_at <= ?`),
    };
  }

  async get(objectUuid: string): Promise<OpenRegisterObject | undefined> {
    const state = this.statements.get.get(objectUuid, this.now()) as string | undefined;
    return state === undefined ? undefined : (parseExactJson(state) as OpenRegisterObject);
  }

  async put(objectUuid: string, state: OpenRegisterObject, expiresAt: number): Promise<void> {
    this.statements.put.run(objectUuid, stringifyExactJson(state), expiresAt);
  }

  async deleteExpired(now: number): Promise<number> {
    return this.statements.deleteExpired.run(now).changes;
  }
}
