import type { OpenRegisterObject } from '../events/openregister-event.js';

/**
 * The last state of each object this service has seen (from a webhook or from catch-up), so that
 * an `object.updated` can carry `previous` and field-level `changes` although neither OpenRegister's
 * webhooks nor its change feed send the old object. Entries expire after IDEMPOTENCY_TTL_SECONDS.
 * A port (token of the same name) on the storage STORE_DRIVER names.
 */
export interface ObjectStateStore {
  /** The last state remembered for `objectUuid`, unless it expired. */
  get(objectUuid: string): Promise<OpenRegisterObject | undefined>;
  /**
   * Remembers `state` as the object's latest (replacing the one before), until `expiresAt`
   * (ms since the epoch). Values are kept exactly (integers past 2^53 stay `bigint`).
   */
  put(objectUuid: string, state: OpenRegisterObject, expiresAt: number): Promise<void>;
  /** Removes the states that expired before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

export const ObjectStateStore = Symbol('ObjectStateStore');
