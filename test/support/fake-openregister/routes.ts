import { auditPage, writeAudit } from './audit.js';
import { feedCursor, feedPage } from './feed.js';
import { softDelete } from './objects.js';
import { phpDate, phpEmpty, phpInt, stripEmptyValues } from './php.js';
import { objectJson, registerJson, schemaJson, webhookJson } from './serialise.js';
import type { FakeStore } from './state.js';
import { createWebhook, deliverWebhook, TEST_EVENT } from './webhooks.js';
import type { StoredObject } from './types.js';

/** One request as a controller sees it: Nextcloud has already run auth (`user`) and routing. */
export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** `IRequest::getParams()`: query and body merged. */
  input: Record<string, unknown>;
  user: string | null;
  remoteAddress: string;
}

/** What a controller answers: `data` goes through JSONResponse (null: no body, e.g. 204). */
export interface RouteReply {
  status: number;
  data?: unknown;
  /** OpenRegister's own "gzip" label on big object lists (the body itself is not compressed by it). */
  labelGzip?: boolean;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** `@PublicPage`: runs for anonymous callers too. */
  public: boolean;
  /** A route that exists only on builds with the realtime feed. */
  feed?: boolean;
  handle(store: FakeStore, request: RouteRequest): RouteReply | Promise<RouteReply>;
}

const SEGMENT = '([^/]+)';
const route = (method: string, path: string, options: Omit<Route, 'method' | 'pattern'>): Route => ({ method, pattern: new RegExp(`^${path.replaceAll('{}', SEGMENT)}$`), ...options });

export const ROUTES: Route[] = [
  route('GET', '/registers', { public: false, handle: (store) => ({ status: 200, data: { results: [...store.registers.values()].map((register) => registerJson(register, store.settings.organisation)) } }) }),
  route('GET', '/schemas', { public: true, handle: (store) => ({ status: 200, data: { results: [...store.schemas.values()].map((schema) => schemaJson(schema, store.settings.organisation)) } }) }),
  route('GET', '/objects/{}/{}', { public: true, handle: objectsIndex }),
  route('GET', '/objects/{}/{}/{}', { public: true, handle: objectsShow }),
  route('DELETE', '/objects/{}/{}/{}', { public: false, handle: objectsDestroy }),
  route('GET', '/realtime/events', { public: false, feed: true, handle: (store, request) => ({ status: 200, data: feedPage(store, request.query) }) }),
  route('GET', '/realtime/cursor', { public: false, feed: true, handle: (store) => ({ status: 200, data: { cursor: feedCursor(store) } }) }),
  route('GET', '/audit-trails', { public: false, handle: auditIndex }),
  route('GET', '/webhooks', { public: false, handle: (store) => ({ status: 200, data: { results: store.webhooks.map(webhookJson), total: store.webhooks.length } }) }),
  route('POST', '/webhooks', { public: false, handle: webhooksCreate }),
  route('GET', '/webhooks/(\\d+)', { public: false, handle: (store, request) => withWebhook(store, request, (webhook) => ({ status: 200, data: webhookJson(webhook) })) }),
  route('POST', '/webhooks/(\\d+)/test', { public: false, handle: webhooksTest }),
];

function auditIndex(store: FakeStore, request: RouteRequest): RouteReply {
  const page = auditPage(store, request.query);
  // `ceil($total / 0)`: PHP 8 throws DivisionByZeroError, Nextcloud answers a 500.
  return page === null ? { status: 500, data: { message: 'Division by zero' } } : { status: 200, data: page };
}

/** ObjectService::setRegister/setSchema: numeric id, uuid or slug; unknown → 404 with the message. */
function resolve(store: FakeStore, request: RouteRequest): { registerId: number; schemaId: number } | RouteReply {
  const register = store.findRegister(request.params[0]);
  if (!register) return { status: 404, data: { message: `Register not found: '${request.params[0]}'` } };
  const schema = store.findSchema(request.params[1]);
  if (!schema) return { status: 404, data: { message: `Schema not found: '${request.params[1]}'` } };
  return { registerId: register.id, schemaId: schema.id };
}

/** `MagicMapper::findInRegisterSchemaTable`: id, uuid, slug or uri; soft-deleted rows excluded. */
function findLive(store: FakeStore, registerId: number, schemaId: number, id: string): StoredObject | undefined {
  return [...store.objects.values()].find(
    (object) => object.registerId === registerId && object.schemaId === schemaId && object.deleted === null && (object.uuid === id || String(object.id) === id || object.slug === id || object.uri === id),
  );
}

function render(object: StoredObject, query: URLSearchParams): Record<string, unknown> {
  const includeEmpty = ['1', 'true', 'on', 'yes'].includes((query.get('_empty') ?? '').toLowerCase());
  return includeEmpty ? objectJson(object) : stripEmptyValues(objectJson(object));
}

function objectsShow(store: FakeStore, request: RouteRequest): RouteReply {
  const resolved = resolve(store, request);
  if ('status' in resolved) return resolved;
  const object = findLive(store, resolved.registerId, resolved.schemaId, request.params[2]);
  // GetObject::find passes includeDeleted: false; soft-deleted and purged look the same.
  if (!object) return { status: 404, data: { error: 'Not Found' } };
  // GetObject writes a `read` row on every successful GET.
  writeAudit(store, 'read', null, object, request.user, request.remoteAddress);
  return { status: 200, data: render(object, request.query) };
}

/**
 * A simple objects index (live objects by id, `_limit`/`_page`/`_offset`), kept for one quirk:
 * with more than 10 results ObjectsController adds `Content-Encoding: gzip` itself, whatever the
 * client accepts. Search, facets and sorting are left out.
 */
function objectsIndex(store: FakeStore, request: RouteRequest): RouteReply {
  const resolved = resolve(store, request);
  if ('status' in resolved) return resolved;
  const live = [...store.objects.values()].filter((object) => object.registerId === resolved.registerId && object.schemaId === resolved.schemaId && object.deleted === null).sort((a, b) => a.id - b.id);
  const limit = request.query.has('_limit') ? phpInt(request.query.get('_limit')!) : 20;
  const page = request.query.has('_page') ? phpInt(request.query.get('_page')!) : 1;
  const offset = request.query.has('_offset') ? phpInt(request.query.get('_offset')!) : (page - 1) * limit;
  const results = live.slice(offset, offset + limit).map((object) => render(object, request.query));
  const pages = limit > 0 ? Math.max(1, Math.ceil(live.length / limit)) : 0;
  return { status: 200, data: { results, total: live.length, page, pages, limit, offset, facets: [], '@self': { source: 'database' } }, labelGzip: results.length > 10 };
}

/** ObjectsController::destroy: 204 without body; any failure (not found included) is a 403. */
function objectsDestroy(store: FakeStore, request: RouteRequest): RouteReply {
  const resolved = resolve(store, request);
  if ('status' in resolved) return { status: 403, data: { error: (resolved.data as { message: string }).message } };
  const object = [...store.objects.values()].find((candidate) => candidate.registerId === resolved.registerId && candidate.schemaId === resolved.schemaId && (candidate.uuid === request.params[2] || String(candidate.id) === request.params[2]));
  if (!object) return { status: 403, data: { error: `Object not found: ${request.params[2]}` } };
  softDelete(store, object.uuid, { by: request.user });
  return { status: 204, data: null };
}

/** WebhooksController::create: `_`-keys, `id` and `organisation` dropped; name and url required. */
function webhooksCreate(store: FakeStore, request: RouteRequest): RouteReply {
  const data = Object.fromEntries(Object.entries(request.input).filter(([key]) => !key.startsWith('_') && key !== 'id' && key !== 'organisation'));
  if (phpEmpty(data.name) || phpEmpty(data.url)) return { status: 400, data: { error: 'Name and URL are required' } };
  try {
    return { status: 201, data: webhookJson(createWebhook(store, data)) };
  } catch (error) {
    return { status: 500, data: { error: `Failed to create webhook: ${(error as Error).message}` } };
  }
}

function withWebhook(store: FakeStore, request: RouteRequest, then: (webhook: FakeStore['webhooks'][number]) => RouteReply | Promise<RouteReply>): RouteReply | Promise<RouteReply> {
  const webhook = store.webhooks.find((candidate) => candidate.id === Number(request.params[0]));
  return webhook ? then(webhook) : { status: 404, data: { error: 'Webhook not found' } };
}

/**
 * WebhooksController::test: a TestEvent through deliverWebhook. Any HTTP answer is a success
 * (`http_errors => false`); unreachable or disabled → 500 with the last log's error message.
 * `error_details` would need a logged status code, which only a RequestException sets: with
 * `http_errors => false` that never happens, so the fake never sends it.
 */
function webhooksTest(store: FakeStore, request: RouteRequest): RouteReply | Promise<RouteReply> {
  return withWebhook(store, request, async (webhook) => {
    const payload = { test: true, message: 'This is a test webhook from OpenRegister', timestamp: phpDate(store.clock.now()) };
    if (await deliverWebhook(store, webhook, TEST_EVENT, payload, 1)) return { status: 200, data: { success: true, message: 'Test webhook delivered successfully' } };
    const last = store.deliveries.filter((delivery) => delivery.webhookId === webhook.id).at(-1);
    return { status: 500, data: { success: false, message: last?.error ?? 'Test webhook delivery failed' } };
  });
}
