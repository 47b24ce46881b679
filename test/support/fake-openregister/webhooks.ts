import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { signHmac } from '../../../src/auth/hmac-signature.js';
import { phpJsonEncode } from '../php-json.js';
import { fnmatch, phpBool, phpDate } from './php.js';
import type { FakeStore } from './state.js';
import type { StoredWebhook, WebhookDelivery } from './types.js';

/** The event class the real app wires to WebhookEventListener (Application.php: creates only). */
export const OBJECT_CREATED_EVENT = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';
export const TEST_EVENT = 'OCA\\OpenRegister\\Event\\TestEvent';

/** `WebhookMapper::createFromArray()` through `Webhook::hydrate()`, with the entity's defaults. */
export function createWebhook(store: FakeStore, data: Record<string, unknown>): StoredWebhook {
  const now = store.clock.now();
  const decoded = <T>(value: unknown, fallback: T): T => (value === undefined || value === null ? fallback : typeof value === 'string' ? ((JSON.parse(value) as T | null) ?? fallback) : (value as T));
  const webhook: StoredWebhook = {
    id: store.nextId('webhook'),
    uuid: typeof data.uuid === 'string' && data.uuid !== '' ? data.uuid : randomUUID(),
    name: String(data.name),
    url: String(data.url),
    method: typeof data.method === 'string' ? data.method : 'POST',
    // `events`: an array, or a JSON string stored as is.
    events: decoded<string[]>(data.events, []),
    headers: decoded<Record<string, string>>(data.headers, {}),
    secret: data.secret === undefined || data.secret === null ? null : String(data.secret),
    enabled: data.enabled === undefined || data.enabled === null ? true : phpBool(data.enabled),
    organisation: store.settings.organisation,
    filters: decoded<Record<string, unknown>>(data.filters, {}),
    retryPolicy: typeof data.retryPolicy === 'string' ? data.retryPolicy : 'exponential',
    maxRetries: data.maxRetries === undefined ? 3 : Number(data.maxRetries),
    timeout: data.timeout === undefined ? 30 : Number(data.timeout),
    configuration: decoded<Record<string, unknown>>(data.configuration, {}),
    mapping: data.mapping === undefined || data.mapping === null ? null : Number(data.mapping),
    lastTriggeredAt: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    totalDeliveries: 0,
    successfulDeliveries: 0,
    failedDeliveries: 0,
    created: now,
    updated: now,
  };
  store.webhooks.push(webhook);
  return webhook;
}

/** `Webhook::matchesEvent()`: no events means every event; else exact, else `fnmatch`. */
export function matchesEvent(webhook: StoredWebhook, eventClass: string): boolean {
  return webhook.events.length === 0 || webhook.events.includes(eventClass) || webhook.events.some((pattern) => fnmatch(pattern, eventClass));
}

/** `WebhookService::dispatchEvent()`: every enabled webhook subscribed to the event, one after another. */
export async function dispatchEvent(store: FakeStore, eventClass: string, payload: Record<string, unknown>): Promise<void> {
  for (const webhook of store.webhooks.filter((candidate) => candidate.enabled && matchesEvent(candidate, eventClass))) {
    await deliverWebhook(store, webhook, eventClass, payload, 1);
  }
}

/**
 * `WebhookService::deliverWebhook()` in the standard format (no mapping, no CloudEvents: those
 * options, and `filters`, are left out of the fake). Guzzle runs with `http_errors => false`, so any
 * answer, 5xx included, is a success; a refused connection or a timeout is a ConnectException,
 * which the generic catch logs without scheduling a retry: the event is lost.
 * @returns false when disabled or not answered, as the real method does.
 */
export async function deliverWebhook(store: FakeStore, webhook: StoredWebhook, eventClass: string, payload: Record<string, unknown>, attempt: number): Promise<boolean> {
  if (!webhook.enabled) return false;
  const envelope = { event: eventClass, webhook: { id: webhook.uuid, name: webhook.name }, data: payload, timestamp: phpDate(store.clock.now()), attempt };
  // Guzzle's `json` option and the signature both use plain `json_encode()`: the same bytes.
  const body = phpJsonEncode(envelope);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'OpenRegister-Webhooks/1.0', ...webhook.headers };
  if (webhook.secret !== null) headers['X-Webhook-Signature'] = signHmac(webhook.secret, body);
  const delivery: WebhookDelivery = { webhookId: webhook.id, url: webhook.url, event: eventClass, body, headers, delivered: false };
  try {
    delivery.status = await post(webhook, body, headers);
    delivery.delivered = true;
  } catch (error) {
    delivery.error = (error as Error).message;
  }
  store.deliveries.push(delivery);
  const now = store.clock.now();
  webhook.lastTriggeredAt = now;
  webhook.totalDeliveries++;
  if (delivery.delivered) {
    webhook.lastSuccessAt = now;
    webhook.successfulDeliveries++;
  } else {
    webhook.lastFailureAt = now;
    webhook.failedDeliveries++;
  }
  return delivery.delivered;
}

/** Sends once; rejects with Guzzle's cURL wording when no answer comes within `timeout` seconds. */
function post(webhook: StoredWebhook, body: string, headers: Record<string, string>): Promise<number> {
  const timeoutInMs = webhook.timeout * 1000;
  const started = Date.now();
  const seeCurl = `(see https://curl.haxx.se/libcurl/c/libcurl-errors.html) for ${webhook.url}`;
  return new Promise((resolve, reject) => {
    const outgoing = request(webhook.url, { method: webhook.method, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (response) => {
      response.resume();
      response.on('end', () => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
      });
      response.on('error', (error) => reject(new Error(`cURL error 56: ${error.message} ${seeCurl}`)));
    });
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`cURL error 28: Operation timed out after ${Date.now() - started} milliseconds with 0 bytes received ${seeCurl}`));
    }, timeoutInMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED') {
        const { hostname, port } = new URL(webhook.url);
        reject(new Error(`cURL error 7: Failed to connect to ${hostname} port ${port} after ${Date.now() - started} ms: Couldn't connect to server ${seeCurl}`));
      } else reject(error);
    });
    outgoing.end(body);
  });
}
