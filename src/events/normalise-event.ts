import { WebhookError } from '../common/webhook-error.js';
import { eventTypeOf } from './event-type.js';
import { objectChanges } from './object-changes.js';
import { EnvelopeFormat, OpenRegisterEvent, TEST_EVENT_TYPE } from './openregister-event.js';
import { readObject, text } from './openregister-object.js';
import { isJsonObject, JsonObject } from './safe-object.js';
import { lifecycleType } from './soft-delete.js';
import type { ValidatedEnvelope } from './validated-envelope.js';

/**
 * Turns a validated envelope, whatever its format, into the one typed event handlers see.
 * @param receivedAt used as `occurredAt` when the sender does not say when the event happened.
 * @throws WebhookError `invalid` when an object event carries no object uuid.
 */
export function normaliseEvent({ format, body }: ValidatedEnvelope, receivedAt: Date): OpenRegisterEvent {
  const parts = READERS[format](body);
  const fallback = { uuid: parts.objectUuid, register: parts.register, schema: parts.schema };
  const object = readObject(parts.object, fallback);
  const previous = readObject(parts.previous, fallback);
  const { type, deletion } = lifecycleType(eventTypeOf(parts.eventClass), object);
  const event: OpenRegisterEvent = {
    type,
    eventClass: parts.eventClass,
    format,
    occurredAt: isoOrUndefined(parts.occurredAt) ?? receivedAt.toISOString(),
  };
  if (object) event.object = object;
  if (previous) event.previous = previous;
  const subject = object ?? previous;
  if (subject && !subject.uuid) throw new WebhookError('invalid', 'The object carries no uuid', ['object.id or object.uuid is required']);
  // Fields are only ever set when defined (never deleted afterwards), which keeps the event a
  // fast-mode object for the handlers and the store that serialise it.
  const register = subject?.register ?? parts.register;
  const schema = subject?.schema ?? parts.schema;
  if (register !== undefined) event.register = register;
  if (schema !== undefined) event.schema = schema;
  if (object && previous) event.changes = objectChanges(previous.data, object.data);
  if (deletion) event.deletion = deletion;
  if (parts.webhook) event.webhook = parts.webhook;
  if (parts.user) event.user = parts.user;
  if (!subject && type !== TEST_EVENT_TYPE && parts.payload !== undefined) event.payload = parts.payload;
  return event;
}

/** What each envelope says, before it is turned into an event. */
interface EnvelopeParts {
  eventClass: string;
  occurredAt?: unknown;
  object?: unknown;
  previous?: unknown;
  objectUuid?: string;
  register?: string;
  schema?: string;
  webhook?: { id?: string; name?: string };
  user?: { uid?: string; displayName?: string };
  payload?: unknown;
}

const READERS: Record<EnvelopeFormat, (body: JsonObject) => EnvelopeParts> = {
  openregister: (body) => {
    const data = body.data as JsonObject;
    return readOpenRegisterData(data, body.event as string, body.timestamp ?? data.timestamp, body.webhook);
  },
  cloudevents: (body) => {
    const data = body.data as JsonObject;
    return readOpenRegisterData(data, body.type as string, body.time ?? data.timestamp, data.webhook);
  },
  nextcloud: (body) => {
    const event = body.event as JsonObject;
    const user = isJsonObject(body.user) ? { uid: text(body.user.uid), displayName: text(body.user.displayName) } : undefined;
    return {
      eventClass: event.class as string,
      occurredAt: isoOfUnixSeconds(body.time),
      object: event.newObject ?? event.object,
      previous: event.oldObject,
      user,
      payload: event,
    };
  },
  documented: (body) => {
    const data = body.data as JsonObject;
    return {
      eventClass: body.event as string,
      occurredAt: body.timestamp,
      object: data.newObject ?? data.object,
      previous: data.oldObject,
      payload: data,
    };
  },
};

/** `data` of the standard and the CloudEvents format, which differ only in where the rest sits. */
function readOpenRegisterData(data: JsonObject, eventClass: string, occurredAt: unknown, webhook: unknown): EnvelopeParts {
  return {
    eventClass,
    occurredAt,
    webhook: readWebhook(webhook),
    object: data.object,
    objectUuid: text(data.objectUuid),
    register: text(data.register),
    schema: text(data.schema),
    payload: data,
  };
}

function readWebhook(value: unknown): EnvelopeParts['webhook'] {
  return isJsonObject(value) ? { id: text(value.id), name: text(value.name) } : undefined;
}

/** Nextcloud's `time`; undefined for one no Date can hold (an integer such as 1e100 passes @IsInt). */
function isoOfUnixSeconds(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function isoOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
