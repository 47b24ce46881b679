import { randomUUID } from 'node:crypto';
import { writeAudit } from './audit.js';
import { recordFeedEvent } from './feed.js';
import { phpDate } from './php.js';
import { objectJson } from './serialise.js';
import type { Actor, FakeStore } from './state.js';
import type { StoredObject } from './types.js';
import { dispatchEvent, OBJECT_CREATED_EVENT } from './webhooks.js';

/**
 * Object writes, each leaving exactly the traces the real code leaves (feed events from
 * MagicMapper's dispatches, audit rows from SaveObject/DeleteObject, webhooks from the one
 * listener Application.php wires). Actor: a uid, or null for no user session ('System').
 */
export interface WriteOptions {
  /** Who writes; defaults to the configured user. */
  actor?: Actor;
}

export interface CreateOptions extends WriteOptions {
  uuid?: string;
  /** `@self.name` (a schema's objectNameField would produce it); unset → the uuid. */
  name?: string;
  slug?: string;
}

/**
 * SaveObject create: MagicMapper::insert dispatches ObjectCreatedEvent (→ feed `or.object.created`,
 * → webhooks, delivered inside the request and awaited), then SaveObject writes the `create` audit
 * row, so a receiver reading the audit trail during the delivery does not see it yet.
 */
export async function createObject(store: FakeStore, registerId: number, schemaId: number, fields: Record<string, unknown>, options: CreateOptions = {}): Promise<StoredObject> {
  store.registerById(registerId);
  store.schemaById(schemaId);
  const actor = actorOf(store, options);
  const uuid = options.uuid ?? randomUUID();
  if (store.objects.has(uuid)) throw new Error(`fake OpenRegister: object ${uuid} exists`);
  const now = store.clock.now();
  const object: StoredObject = {
    id: store.nextId('object'),
    uuid,
    registerId,
    schemaId,
    fields: structuredClone(fields),
    name: options.name ?? null,
    slug: options.slug ?? null,
    uri: `${store.baseUrl}/index.php/apps/openregister/api/objects/${registerId}/${schemaId}/${uuid}`,
    // SaveObject: owner = the current user, organisation = their active organisation.
    owner: actor,
    organisation: store.settings.organisation,
    // Only bulk imports fill `_size`; a single save leaves it null.
    size: null,
    created: now,
    updated: now,
    deleted: null,
  };
  store.objects.set(uuid, object);
  recordFeedEvent(store, 'or.object.created', object, actor);
  await dispatchEvent(store, OBJECT_CREATED_EVENT, {
    objectType: 'object',
    action: 'create',
    object: objectJson(object),
    objectUuid: object.uuid,
    register: String(object.registerId),
    schema: String(object.schemaId),
    timestamp: phpDate(store.clock.now()),
  });
  writeAudit(store, 'create', null, object, actor);
  return object;
}

/**
 * SaveObject update (a PATCH: `fields` merged over the stored ones, a key set to `undefined`
 * removed): `updated` = now, audit `update` with the changed keys, feed `or.object.updated`.
 * No webhook: ObjectUpdatedEvent has no webhook listener.
 */
export function updateObject(store: FakeStore, uuid: string, fields: Record<string, unknown>, options: WriteOptions = {}): StoredObject {
  const old = liveObject(store, uuid);
  const next: StoredObject = { ...old, fields: { ...old.fields }, updated: store.clock.now() };
  for (const [key, value] of Object.entries(structuredClone(fields))) {
    if (value === undefined) delete next.fields[key];
    else next.fields[key] = value;
  }
  const actor = actorOf(store, options);
  store.objects.set(uuid, next);
  recordFeedEvent(store, 'or.object.updated', next, actor);
  writeAudit(store, 'update', old, next, actor);
  return next;
}

/**
 * `DELETE /api/objects/{r}/{s}/{id}`: DeleteObject sets `@self.deleted` and calls
 * MagicMapper::update (feed `or.object.updated`, no audit of its own, `updated` untouched), then
 * writes the `delete` audit row. Deleting a soft-deleted object again overwrites `deleted`.
 */
export function softDelete(store: FakeStore, uuid: string, options: { by?: Actor } = {}): StoredObject {
  const old = store.objectByUuid(uuid);
  const actor = options.by === undefined ? store.settings.defaultActor : options.by;
  const next: StoredObject = {
    ...old,
    deleted: { deletedBy: actor ?? 'system', deletedAt: phpDate(store.clock.now()), objectId: old.uuid, organisation: store.settings.organisation },
  };
  store.objects.set(uuid, next);
  recordFeedEvent(store, 'or.object.updated', next, actor);
  writeAudit(store, 'delete', old, null, actor);
  return next;
}

/**
 * `DELETE /api/deleted/{id}`: only a soft-deleted object (else the 400 "Object is not deleted"),
 * MagicMapper::delete → feed `or.object.deleted`, and no audit row at all.
 */
export function purge(store: FakeStore, uuid: string, options: WriteOptions = {}): void {
  const object = store.objectByUuid(uuid);
  if (object.deleted === null) throw new Error('Object is not deleted');
  store.objects.delete(uuid);
  recordFeedEvent(store, 'or.object.deleted', object, actorOf(store, options));
}

/** `POST /api/deleted/{id}/restore`: a raw SQL update clearing `deleted`; no event, no audit. */
export function restore(store: FakeStore, uuid: string): StoredObject {
  const object = store.objectByUuid(uuid);
  const next: StoredObject = { ...object, deleted: null };
  store.objects.set(uuid, next);
  return next;
}

/**
 * TransitionEngine: saves the object (an update: feed `or.object.updated` + audit `update`), then
 * dispatches ObjectTransitionedEvent (feed `or.object.transitioned`, `extra` = {action, from, to}).
 */
export function transition(store: FakeStore, uuid: string, change: { action: string; from: string; to: string; fields?: Record<string, unknown> }, options: WriteOptions = {}): StoredObject {
  const next = updateObject(store, uuid, change.fields ?? {}, options);
  recordFeedEvent(store, 'or.object.transitioned', next, actorOf(store, options), { action: change.action, from: change.from, to: change.to });
  return next;
}

function liveObject(store: FakeStore, uuid: string): StoredObject {
  const object = store.objectByUuid(uuid);
  if (object.deleted !== null) throw new Error(`fake OpenRegister: object ${uuid} is soft-deleted`);
  return object;
}

function actorOf(store: FakeStore, options: WriteOptions): Actor {
  return options.actor === undefined ? store.settings.defaultActor : options.actor;
}
