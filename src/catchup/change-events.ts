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
    // An audited creation carries the whole object as it was created: nothing to fetch.
    const created = change.kind === 'created' ? stateFromAudit(change) : undefined;
    if (created) return this.event('object.created', change, format, created);
    const current = await this.fetch(change);
    if (!current) {
      if (change.kind === 'updated') return this.event('object.deleted', change, format, last ?? bare(change), deletionOf(change, format));
      // Created and gone already: the creation still happened (its deletion follows as its own entry).
      return this.event('object.created', change, format, last ?? bare(change));
    }
    if (change.kind === 'created') return this.event('object.created', change, format, current);
    if (change.changed) return this.auditedUpdate(change, format, last ?? current);
    if (last && sameState(last, current)) return undefined;
    return this.event('object.updated', change, format, current);
  }

  /**
   * An audited update is exact: the state it produced is the state before it (the last one seen,
   * or else the object now) with the entry's new values, and the state before has its old ones.
   * So each of several updates between two reads is its own event with its own changes.
   */
  private auditedUpdate(change: ObservedChange, format: CatchupFormat, before: OpenRegisterObject): OpenRegisterEvent {
    const object = applyAudited(before, change, 'new');
    const event = this.event('object.updated', change, format, object);
    event.previous = applyAudited(object, change, 'old');
    event.changes = objectChanges(event.previous.data, object.data);
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

/** An audited creation's object: its `changed` holds every field, `@self` and `id` as `{old: null, new}`. */
function stateFromAudit(change: ObservedChange): OpenRegisterObject | undefined {
  if (!change.changed || !isJsonObject(change.changed['@self'])) return undefined;
  const raw: Record<string, unknown> = {};
  for (const [field, values] of Object.entries(change.changed)) {
    if (field !== '__proto__' && isJsonObject(values)) raw[field] = values.new;
  }
  return readObject(raw, change);
}

/** `state` with the audited fields set to their `old` or `new` values (a null one is a field that was absent). */
function applyAudited(state: OpenRegisterObject, change: ObservedChange, side: 'old' | 'new'): OpenRegisterObject {
  const data = { ...state.data };
  let meta = state.meta;
  for (const [field, values] of Object.entries(change.changed ?? {})) {
    if (field === 'id' || field === '__proto__' || !isJsonObject(values)) continue;
    const value = values[side];
    if (field === '@self') {
      if (isJsonObject(value)) meta = { ...value };
    } else if (value === null || value === undefined) delete data[field];
    else data[field] = value;
  }
  return { ...state, data, meta };
}
