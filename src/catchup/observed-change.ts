import type { JsonObject } from '../events/safe-object.js';

/**
 * One change catch-up read from OpenRegister, before the object is fetched: what the change feed
 * or the audit trail says. Neither carries the object's body.
 */
export interface ObservedChange {
  /**
   * `created`, `updated` (a soft delete is an update in OpenRegister: the object is then gone
   * from its API), `deleted` (a soft delete the audit trail names, or a purge in the feed).
   */
  kind: 'created' | 'updated' | 'deleted';
  uuid: string;
  /** Numeric ids, as strings (OpenRegister's `@self.register`). */
  register: string;
  schema: string;
  /** When OpenRegister says it happened (ISO 8601). */
  occurredAt: string;
  /** Who made it (a Nextcloud uid), when said. */
  actor?: string;
  /** The audit trail's `{field: {old, new}}`, for creates and updates. */
  changed?: JsonObject;
  /** The feed's cursor or the audit entry's id: where this change stands in its source. */
  position: number;
}

/** What one read of a source found, and where the next read starts. */
export interface ChangePage {
  changes: ObservedChange[];
  /** The checkpoint after this page. */
  position: number;
  /** The source has more right away (read again without waiting). */
  hasMore: boolean;
}
