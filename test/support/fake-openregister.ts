import { pruneAudit } from './fake-openregister/audit.js';
import { FakeClock } from './fake-openregister/clock.js';
import { feedEventJson, pruneFeed } from './fake-openregister/feed.js';
import * as objects from './fake-openregister/objects.js';
import { objectJson } from './fake-openregister/serialise.js';
import { FakeHttp, type FaultSpec, API_PREFIX } from './fake-openregister/server.js';
import { FakeStore, type Actor } from './fake-openregister/state.js';
import type { AuditEntry, DeletionInfo, LoggedRequest, StoredWebhook, WebhookDelivery } from './fake-openregister/types.js';
import { createWebhook } from './fake-openregister/webhooks.js';

/**
 * A fake Nextcloud with OpenRegister (development branch, 0.2.13-unstable.80) for end-to-end
 * tests: an in-process HTTP server on 127.0.0.1 whose answers, feed events, audit rows and
 * webhook deliveries follow the real controllers and serialisers (see
 * /work/research/openregister-api.md and the comments in ./fake-openregister/). Writes come from
 * the control API, as if someone used OpenRegister's UI; the service under test reads over HTTP.
 *
 * Simplified on purpose: one organisation (everyone's active one), no RBAC, no search/facets on
 * object lists, webhooks in the standard format only (no mapping, CloudEvents or filters), no
 * retry job, no `x-openregister-notifications` channel.
 */
export interface FakeOpenRegisterOptions {
  /** Basic-auth user and app password (default `admin` / `app-password`). */
  username?: string;
  password?: string;
  /** More uid → app password pairs that may log in. */
  users?: Record<string, string>;
  /** The organisation uuid every object and event carries. */
  organisation?: string;
  /** False: a build without the realtime feed (main, beta, master): `/realtime/*` answers 404. */
  feedAvailable?: boolean;
  /** The time source the fake's clock runs from (default `Date.now`). */
  now?: () => number;
}

export interface FakeOpenRegister {
  /** The Nextcloud base URL, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** `${url}/index.php/apps/openregister/api`. */
  apiUrl: string;
  /** The time every write and answer takes; `set`, `advance`, `release`. */
  clock: FakeClock;
  username: string;
  password: string;
  organisation: string;
  close(): Promise<void>;

  addRegister(input: { slug: string; title?: string }): number;
  /** `register`: add the schema to that register's `schemas` list. */
  addSchema(input: { slug: string; title?: string; version?: string; configuration?: Record<string, unknown>; register?: number }): number;
  /** Create (feed created, awaited webhook deliveries, audit create); returns the uuid. */
  createObject(registerId: number, schemaId: number, fields: Record<string, unknown>, options?: objects.CreateOptions): Promise<string>;
  /** Update as a PATCH (an `undefined` value removes the key): feed updated, audit update. */
  updateObject(uuid: string, fields: Record<string, unknown>, options?: objects.WriteOptions): void;
  /** Soft delete: sets `@self.deleted`; feed updated, audit delete; GET → 404. */
  softDelete(uuid: string, options?: { by?: Actor }): DeletionInfo;
  /** Purge a soft-deleted object (throws 'Object is not deleted' otherwise): feed deleted, no audit. */
  purge(uuid: string, options?: objects.WriteOptions): void;
  /** Restore a soft-deleted object: no event, no audit. */
  restore(uuid: string): void;
  /** An update followed by a transitioned event (`extra` = {action, from, to}). */
  transition(uuid: string, change: { action: string; from: string; to: string; fields?: Record<string, unknown> }, options?: objects.WriteOptions): void;
  /** The object as `ObjectEntity::jsonSerialize()` renders it (unstripped), soft-deleted too; undefined once purged. */
  getObject(uuid: string): Record<string, unknown> | undefined;

  /** Feed events as `/realtime/events` serialises them, oldest first. */
  feedEvents(): Record<string, unknown>[];
  /** Removes events below a cursor, or recorded before a time, silently (the retention job). */
  pruneFeed(before: number | Date): number;
  setFeedAvailable(available: boolean): void;
  auditEntries(): AuditEntry[];
  /** Removes audit entries created before `before` (default: the 30-day expiry at the clock's now). */
  pruneAudit(before?: Date): number;

  /** Registers a webhook as `POST /webhooks` would; returns its numeric id. */
  addWebhook(input: { name: string; url: string; events?: string[]; secret?: string; enabled?: boolean; timeout?: number; headers?: Record<string, string> }): number;
  webhooks: readonly StoredWebhook[];
  /** Every delivery attempt: url, status, or the error that lost it. */
  webhookDeliveries: readonly WebhookDelivery[];

  /** The next `count` requests (matching `path`, when given) fail with `status`. */
  failNext(count: number, spec: FaultSpec): void;
  /** Requests matching `path` are never answered; call the result to stop. */
  hang(path: RegExp): () => void;
  /** Every request received, in order. */
  requests: readonly LoggedRequest[];
}

export async function startFakeOpenRegister(options: FakeOpenRegisterOptions = {}): Promise<FakeOpenRegister> {
  const username = options.username ?? 'admin';
  const password = options.password ?? 'app-password';
  const organisation = options.organisation ?? 'a6f1c2d4-1111-4e2b-9c3d-8e7f6a5b4c3d';
  const clock = new FakeClock(options.now);
  const store = new FakeStore({ clock, organisation, defaultActor: username });
  const http = new FakeHttp(store, new Map(Object.entries({ ...options.users, [username]: password })));
  http.feedAvailable = options.feedAvailable ?? true;
  const url = await http.listen();
  store.baseUrl = url;

  return {
    url,
    apiUrl: `${url}${API_PREFIX}`,
    clock,
    username,
    password,
    organisation,
    close: () => http.close(),
    addRegister: (input) => store.addRegister(input),
    addSchema: (input) => store.addSchema(input),
    createObject: async (registerId, schemaId, fields, createOptions) => (await objects.createObject(store, registerId, schemaId, fields, createOptions)).uuid,
    updateObject: (uuid, fields, writeOptions) => void objects.updateObject(store, uuid, fields, writeOptions),
    softDelete: (uuid, deleteOptions) => objects.softDelete(store, uuid, deleteOptions).deleted!,
    purge: (uuid, writeOptions) => objects.purge(store, uuid, writeOptions),
    restore: (uuid) => void objects.restore(store, uuid),
    transition: (uuid, change, writeOptions) => void objects.transition(store, uuid, change, writeOptions),
    getObject: (uuid) => {
      const object = store.objects.get(uuid);
      return object ? objectJson(object) : undefined;
    },
    feedEvents: () => store.events.map(feedEventJson),
    pruneFeed: (before) => pruneFeed(store, before),
    setFeedAvailable: (available) => void (http.feedAvailable = available),
    auditEntries: () => [...store.audit],
    pruneAudit: (before) => pruneAudit(store, before),
    addWebhook: (input) => createWebhook(store, input).id,
    webhooks: store.webhooks,
    webhookDeliveries: store.deliveries,
    failNext: (count, spec) => http.failNext(count, spec),
    hang: (path) => http.hang(path),
    requests: store.requests,
  };
}

export { FakeClock, type Actor, type AuditEntry, type DeletionInfo, type FaultSpec, type LoggedRequest, type StoredWebhook, type WebhookDelivery };
