/**
 * Where a delivery came from, by the shape of its body. `notification`: a schema's
 * `x-openregister-notifications` rule with channel `webhook` (OpenRegister's third way out).
 */
export type EnvelopeFormat = 'openregister' | 'cloudevents' | 'nextcloud' | 'documented' | 'notification';

/** What catch-up read a change from: OpenRegister's change feed or its audit trail. */
export type CatchupFormat = 'feed' | 'audit-trail';

/** How an event reached the service: pushed to it (an HTTP delivery) or pulled by catch-up. */
export type EventSource = 'webhook' | 'catch-up';

/**
 * How an object was deleted: OpenRegister's soft delete (`@self.deleted` of the object, which it
 * sends as an update) or a purge from the trash (`purged`, with whatever was known of the object).
 */
export interface ObjectDeletion {
  deletedBy?: string;
  deletedAt?: string;
  objectId?: string;
  organisation?: string;
  /** True when the object was purged, not only moved to the trash. */
  purged?: boolean;
}

/** Lifecycle types of OpenRegister objects; other entities map to `<entity>.<action>`. */
export const OBJECT_EVENT_TYPES = [
  'object.created',
  'object.updated',
  'object.deleted',
  'object.locked',
  'object.unlocked',
  'object.reverted',
] as const;
export type ObjectEventType = (typeof OBJECT_EVENT_TYPES)[number];

/** OpenRegister's "test webhook" button; answered, never handled. */
export const TEST_EVENT_TYPE = 'test';

/** An OpenRegister object, whatever envelope carried it. */
export interface OpenRegisterObject {
  uuid: string;
  register?: string;
  schema?: string;
  /** The user's own fields, exactly as sent. */
  data: Record<string, unknown>;
  /** Metadata: OpenRegister's `@self` block, or the guide shape's fields beside `data`. */
  meta: Record<string, unknown>;
}

/** One field-level difference between the previous and the new object data. */
export interface FieldChange {
  /** JSON pointer into `object.data`, e.g. `/address/number` or `/tags/1`. */
  path: string;
  op: 'add' | 'remove' | 'replace';
  oldValue?: unknown;
  newValue?: unknown;
}

/** The one typed event every envelope is normalised into; handlers only ever see this. */
export interface OpenRegisterEvent {
  /** `object.updated`, `register.created`, `test`, or a Nextcloud event class for other events. */
  type: string;
  /** The sender's event class, e.g. `OCA\OpenRegister\Event\ObjectUpdatedEvent`. */
  eventClass: string;
  format: EnvelopeFormat | CatchupFormat;
  /** `catch-up` for a change catch-up pulled from OpenRegister; absent for a webhook delivery. */
  source?: EventSource;
  /** When the sender says the event happened (ISO 8601), or when it arrived if it does not say. */
  occurredAt: string;
  register?: string;
  schema?: string;
  object?: OpenRegisterObject;
  /** The state before the change: sent by the sender, or the last state remembered (TRACK_PREVIOUS_STATE). */
  previous?: OpenRegisterObject;
  /** Field-level changes, only for updates that carry the previous state. */
  changes?: FieldChange[];
  /** For `object.deleted`: how the object was deleted. */
  deletion?: ObjectDeletion;
  /** The OpenRegister webhook that sent it, if named. */
  webhook?: { id?: string; name?: string };
  /** The Nextcloud user the event is about, for `webhook_listeners` deliveries. */
  user?: { uid?: string; displayName?: string };
  /** The sender's event payload, for events that carry no OpenRegister object. */
  payload?: unknown;
  /**
   * Nextcloud's ephemeral auth tokens, sent when the webhook was registered with `tokenNeeded`:
   * `{user_ids: {uid: token}, user_roles: {owner|trigger: {uid: token}}}`, each valid for an
   * hour, for calling Nextcloud back as that user. Handlers get them; everywhere else (logs,
   * admin API, forwarding, finished deliveries) they are redacted.
   */
  tokens?: NextcloudTokens;
}

/** The `tokens` block of a Nextcloud `webhook_listeners` delivery (its TokenService's shape). */
export interface NextcloudTokens {
  user_ids?: Record<string, string>;
  user_roles?: { owner?: Record<string, string>; trigger?: Record<string, string> };
}
