import { phpDate, phpInt, randomHex } from './php.js';
import type { Actor, FakeStore } from './state.js';
import type { FeedEvent, FeedEventType, StoredObject } from './types.js';

/**
 * The realtime change feed: `RealtimeService::record()` writes, `RealtimeController` and
 * `RealtimeEventMapper::findSince()` read, `RealtimeEventRetentionJob` prunes.
 */

/** `RealtimeService::record()`: one CloudEvent per object event, no object body. */
export function recordFeedEvent(store: FakeStore, type: FeedEventType, object: StoredObject, actor: Actor, extra: Record<string, unknown> | [] = []): FeedEvent {
  const now = store.clock.now();
  const urn = store.urnFor(object);
  const event: FeedEvent = {
    cursor: store.nextId('event'),
    createdAt: now,
    // `(string) $object->getOrganisation()`: a null organisation is '' and never matches anyone.
    organisation: object.organisation ?? '',
    registerId: String(object.registerId),
    schemaId: String(object.schemaId),
    objectUuid: object.uuid,
    type,
    payload: {
      specversion: '1.0',
      type,
      // `getAbsoluteURL('/')` is the web root, without index.php.
      source: `${store.baseUrl}/apps/openregister`,
      subject: urn ?? object.uuid,
      id: randomHex(16),
      time: phpDate(now),
      datacontenttype: 'application/json',
      data: {
        register: String(object.registerId),
        schema: String(object.schemaId),
        uuid: object.uuid,
        urn,
        organisation: object.organisation,
        owner: object.owner,
        actor,
        extra,
      },
    },
  };
  store.events.push(event);
  return event;
}

/** `RealtimeEvent::jsonSerialize()`: the stored payload plus `_cursor` (the row id, an int). */
export function feedEventJson(event: FeedEvent): Record<string, unknown> {
  return { ...structuredClone(event.payload), _cursor: event.cursor };
}

/** `GET /api/realtime/events`: the controller's limit clamp, the mapper's filters and order. */
export function feedPage(store: FakeStore, query: URLSearchParams): { events: Record<string, unknown>[]; cursor: number; hasMore: boolean } {
  // Nextcloud casts `?int` parameters: absent → the default, present → `(int)` of the text.
  const since = query.has('since') ? phpInt(query.get('since')!) : null;
  const limit = query.has('limit') ? phpInt(query.get('limit')!) : 100;
  const effectiveLimit = Math.max(1, Math.min(1000, limit));
  const filters: [keyof FeedEvent, string | null][] = [
    ['registerId', query.get('register')],
    ['schemaId', query.get('schema')],
    ['objectUuid', query.get('objectUuid')],
    ['type', query.get('eventType')],
    ['organisation', store.settings.organisation],
  ];
  const matching = store.events.filter(
    (event) =>
      (since === null || event.cursor > since) &&
      // Exact string equality on the stored column; null and '' filters are skipped.
      filters.every(([column, value]) => value === null || value === '' || String(event[column]) === value),
  );
  const page = matching.sort((a, b) => a.cursor - b.cursor).slice(0, effectiveLimit);
  return {
    events: page.map(feedEventJson),
    cursor: page.length > 0 ? page[page.length - 1].cursor : (since ?? 0),
    // A hint only: true when the page is full, even if nothing is left.
    hasMore: page.length === effectiveLimit,
  };
}

/** `GET /api/realtime/cursor`: `MAX(id)` of the caller's organisation, 0 when there is none. */
export function feedCursor(store: FakeStore): number {
  return store.events.filter((event) => event.organisation === store.settings.organisation).reduce((max, event) => Math.max(max, event.cursor), 0);
}

/**
 * The retention job: deletes rows silently (no stale-cursor flag, no 410). A number removes the
 * events with `_cursor` below it; a date removes those recorded before it (`created < now - retention`).
 * @returns how many were removed.
 */
export function pruneFeed(store: FakeStore, before: number | Date): number {
  const keep = store.events.filter((event) => (typeof before === 'number' ? event.cursor >= before : event.createdAt.getTime() >= before.getTime()));
  const removed = store.events.length - keep.length;
  store.events.splice(0, store.events.length, ...keep);
  return removed;
}
