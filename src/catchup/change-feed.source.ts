import { text } from '../events/openregister-object.js';
import { isJsonObject, JsonObject } from '../events/safe-object.js';
import type { ChangePage, ObservedChange } from './observed-change.js';
import { OpenRegisterClient, OpenRegisterError } from './openregister-client.js';

/** The feed's types and what each is; a transition is also an update entry of its own, which carries the change. */
const KIND_BY_TYPE: Record<string, ObservedChange['kind'] | undefined> = {
  'or.object.created': 'created',
  'or.object.updated': 'updated',
  'or.object.deleted': 'deleted',
};

/** One register and one schema id the feed can filter on itself; more are filtered here. */
export interface FeedFilter {
  register?: string;
  schema?: string;
}

/**
 * OpenRegister's change feed (`/realtime`, builds since 2026-04-30): CloudEvents in ascending
 * cursor order, without the object body, kept 7 days, scoped to the user's active organisation.
 * A build without it answers 404 (`OpenRegisterError` `not-found`).
 */
export class ChangeFeedSource {
  constructor(private readonly client: OpenRegisterClient) {}

  /** The cursor of the newest entry: where a first start from `now` begins. */
  async currentCursor(): Promise<number> {
    const body = await this.client.get('/realtime/cursor');
    return cursorOf(body.cursor, 'cursor');
  }

  /** The entries after `since`, at most `limit` of them. */
  async read(since: number, limit: number, filter: FeedFilter = {}): Promise<ChangePage> {
    const query = new URLSearchParams({ since: String(since), limit: String(limit) });
    if (filter.register) query.set('register', filter.register);
    if (filter.schema) query.set('schema', filter.schema);
    const body = await this.client.get(`/realtime/events?${query}`);
    if (!Array.isArray(body.events)) throw new OpenRegisterError('invalid', 'GET /realtime/events answered without an events list');
    const changes = body.events.flatMap((entry) => {
      const change = isJsonObject(entry) ? changeOf(entry) : undefined;
      return change ? [change] : [];
    });
    const last = body.events.length > 0 ? cursorOf((body.events[body.events.length - 1] as JsonObject)._cursor, '_cursor') : since;
    // The server's own cursor is the last id it returned (or since); take the larger, never go back.
    const position = Math.max(since, last, body.cursor === undefined ? since : cursorOf(body.cursor, 'cursor'));
    return { changes, position, hasMore: body.hasMore === true };
  }
}

function changeOf(entry: JsonObject): ObservedChange | undefined {
  const kind = KIND_BY_TYPE[String(entry.type)];
  const data = isJsonObject(entry.data) ? entry.data : undefined;
  const uuid = text(data?.uuid);
  if (!kind || !data || !uuid) return undefined;
  return {
    kind,
    uuid,
    register: text(data.register) ?? '',
    schema: text(data.schema) ?? '',
    occurredAt: text(entry.time) ?? '',
    actor: text(data.actor),
    position: cursorOf(entry._cursor, '_cursor'),
  };
}

function cursorOf(value: unknown, name: string): number {
  const cursor = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) {
    throw new OpenRegisterError('invalid', `The change feed answered a ${name} that is no cursor: ${String(value)}`);
  }
  return cursor;
}
