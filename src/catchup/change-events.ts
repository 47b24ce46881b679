import type { Clock } from '../common/clock.js';
import { objectChanges } from '../events/object-changes.js';
import type { CatchupFormat, ObjectDeletion, OpenRegisterEvent, OpenRegisterObject } from '../events/openregister-event.js';
import { readObject } from '../events/openregister-object.js';
import { isJsonObject } from '../events/safe-object.js';
import type { ObjectStateStore } from '../store/object-state.store.js';
import type { ObservedChange } from './observed-change.js';
import { OpenRegisterClient, OpenRegisterError } from './openregister-client.js';

const EVENT_CLASS = {
  'object.created': 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent',
  'object.updated': 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  'object.deleted': 'OCA\\OpenRegister\\Event\\ObjectDeletedEvent',
} as const;
type CatchupEventType = keyof typeof EVENT_CLASS;

/** Fields of the audit trail's `changed` that are OpenRegister's, not the user's. */
const NOT_USER_FIELDS = new Set(['@self', 'id']);

/**
 * Turns a change read from the feed or the audit trail into the typed event a webhook would have
 * produced, fetching the object where the event needs its body. The object OpenRegister answers is
 * its current state, which may be newer than the change: updates in between are then one update
 * (their change identity is the state they produced). A soft-deleted object is gone from the API
 * (404), so an update whose object is gone is the object's deletion.
 */
export class ChangeEvents {
  /** Objects fetched during one page: entries of one object share one request. */
  private fetched = new Map<string, Promise<OpenRegisterObject | undefined>>();

  constructor(
    private readonly client: OpenRegisterClient,
    private readonly clock: Clock,
    /** Each object's last state, when TRACK_PREVIOUS_STATE is on. */
    private readonly states?: ObjectStateStore,
  ) {}

  /** Forgets the objects fetched for the previous page. */
  startPage(): void {
    this.fetched = new Map();
  }

  /** The event for `change`, or undefined for an update that changed nothing this service has not seen. */
  async eventOf(change: ObservedChange, format: CatchupFormat): Promise<OpenRegisterEvent | undefined> {
    const last = await this.states?.get(change.uuid);
    if (change.kind === 'deleted') return this.event('object.deleted', change, format, last ?? bare(change), deletionOf(change, format));
    const current = await this.fetch(change);
    if (!current) {
      if (change.kind === 'updated') return this.event('object.deleted', change, format, last ?? bare(change), deletionOf(change, format));
      // Created and gone already: the creation still happened (its deletion follows as its own entry).
      return this.event('object.created', change, format, last ?? bare(change));
    }
    if (change.kind === 'created') return this.event('object.created', change, format, current);
    if (last && sameState(last, current)) return undefined;
    const event = this.event('object.updated', change, format, current);
    const previous = previousFromAudit(current, change);
    if (previous) {
      event.previous = previous;
      event.changes = objectChanges(previous.data, current.data);
    }
    return event;
  }

  private event(type: CatchupEventType, change: ObservedChange, format: CatchupFormat, object: OpenRegisterObject, deletion?: ObjectDeletion): OpenRegisterEvent {
    const occurredAt = Date.parse(change.occurredAt);
    const event: OpenRegisterEvent = {
      type,
      eventClass: EVENT_CLASS[type],
      format,
      source: 'catch-up',
      occurredAt: new Date(Number.isNaN(occurredAt) ? this.clock.now() : occurredAt).toISOString(),
      register: object.register ?? change.register,
      schema: object.schema ?? change.schema,
      object,
    };
    if (deletion) event.deletion = deletion;
    return event;
  }

  private fetch(change: ObservedChange): Promise<OpenRegisterObject | undefined> {
    let pending = this.fetched.get(change.uuid);
    if (!pending) {
      pending = this.fetchNow(change);
      this.fetched.set(change.uuid, pending);
      // A failed fetch is not remembered: the page is read again.
      pending.catch(() => this.fetched.delete(change.uuid));
    }
    return pending;
  }

  private async fetchNow({ register, schema, uuid }: ObservedChange): Promise<OpenRegisterObject | undefined> {
    const path = `/objects/${encodeURIComponent(register)}/${encodeURIComponent(schema)}/${encodeURIComponent(uuid)}`;
    try {
      return readObject(await this.client.get(path), { uuid, register, schema });
    } catch (error) {
      if (error instanceof OpenRegisterError && error.failure === 'not-found') return undefined;
      throw error;
    }
  }
}

/** What is known of an object nobody can fetch any more. */
function bare({ uuid, register, schema }: ObservedChange): OpenRegisterObject {
  return { uuid, register, schema, data: {}, meta: {} };
}

function deletionOf(change: ObservedChange, format: CatchupFormat): ObjectDeletion {
  // The feed's `or.object.deleted` is a purge; an audit `delete` and a feed update of a vanished object are soft deletes.
  const purged = format === 'feed' && change.kind === 'deleted';
  const deletion: ObjectDeletion = purged ? { purged: true } : { deletedAt: change.occurredAt };
  if (change.actor && !purged) deletion.deletedBy = change.actor;
  return deletion;
}

function sameState(last: OpenRegisterObject, current: OpenRegisterObject): boolean {
  return last.meta.updated === current.meta.updated && objectChanges(last.data, current.data).length === 0;
}

/** The state before an audited update: the object with the fields the entry changed set back to their old values. */
function previousFromAudit(current: OpenRegisterObject, change: ObservedChange): OpenRegisterObject | undefined {
  if (change.kind !== 'updated' || !change.changed) return undefined;
  const data = { ...current.data };
  for (const [field, values] of Object.entries(change.changed)) {
    if (NOT_USER_FIELDS.has(field) || field === '__proto__' || !isJsonObject(values)) continue;
    if (values.old === null || values.old === undefined) delete data[field];
    else data[field] = values.old;
  }
  const previousSelf = isJsonObject(change.changed['@self']) && isJsonObject(change.changed['@self'].old) ? { ...change.changed['@self'].old } : current.meta;
  return { ...current, data, meta: previousSelf };
}
