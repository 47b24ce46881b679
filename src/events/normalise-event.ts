import { WebhookError } from '../common/webhook-error.js';
import { eventTypeOf } from './event-type.js';
import { objectChanges } from './object-changes.js';
import { EnvelopeFormat, NextcloudTokens, OpenRegisterEvent, TEST_EVENT_TYPE } from './openregister-event.js';
import { readObject, text } from './openregister-object.js';
import { asJsonObject, copyFields, isJsonObject, JsonObject } from './safe-object.js';
import { lifecycleType } from './soft-delete.js';
import type { ValidatedEnvelope } from './validated-envelope.js';

/**
 * Turns a validated envelope, whatever its format, into the one typed event handlers see.
 * @param receivedAt used as `occurredAt` when the sender does not say when the event happened.
 * @throws WebhookError `invalid` when an object event carries no object uuid.
 */
export function normaliseEvent(envelope: ValidatedEnvelope, receivedAt: Date): OpenRegisterEvent {
  const { format, body } = envelope;
  const parts = READERS[format](body, envelope);
  const fallback = { uuid: parts.objectUuid, register: parts.register, schema: parts.schema };
  const object = readObject(parts.object, fallback);
  const previous = readObject(parts.previous, fallback);
  const { type, deletion } = lifecycleType(parts.type ?? eventTypeOf(parts.eventClass), object);
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
  if (parts.tokens) event.tokens = parts.tokens;
  if ((parts.payloadWithObject || (!subject && type !== TEST_EVENT_TYPE)) && parts.payload !== undefined) event.payload = parts.payload;
  return event;
}

/** What each envelope says, before it is turned into an event. */
interface EnvelopeParts {
  eventClass: string;
  /** The lifecycle type, when the event class alone does not give it. */
  type?: string;
  occurredAt?: unknown;
  object?: unknown;
  previous?: unknown;
  objectUuid?: string;
  register?: string;
  schema?: string;
  webhook?: { id?: string; name?: string };
  user?: { uid?: string; displayName?: string };
  tokens?: NextcloudTokens;
  payload?: unknown;
  /** Keep `payload` beside the object (it says what the object alone does not). */
  payloadWithObject?: boolean;
}

const READERS: Record<EnvelopeFormat, (body: JsonObject, envelope: ValidatedEnvelope) => EnvelopeParts> = {
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
      // Beside `event`, not in it: WebhookCall adds them to the body just before sending.
      ...(isJsonObject(body.tokens) ? { tokens: body.tokens as NextcloudTokens } : {}),
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
  notification: (body, { notificationTrigger }) => readNotification(body, notificationTrigger),
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

const EVENT_CLASS = 'OCA\\OpenRegister\\Event\\';

/** The triggers a schema notification rule declares (`trigger.type`); see readNotification. */
export const NOTIFICATION_TRIGGERS = ['created', 'updated', 'transition', 'calculatedChange'] as const;
type NotificationTrigger = (typeof NOTIFICATION_TRIGGERS)[number];

/**
 * A schema notification (`AnnotationNotificationDispatcher::emitWebhook`). Its body does not say
 * which trigger fired: `notification` is the rule's name (whatever the schema author chose),
 * `subject` its rendered text, and `context` is `[]` for both `created` and `updated`,
 * `{action, from, to}` for `transition` and `{_newData, _oldData}` for `calculatedChange`. So:
 * - the trigger is the `X-OpenRegister-Trigger` header when the rule's `webhook.headers` add it
 *   (one rule has one trigger, so its author knows it), else what `context` shows, else unknown;
 * - `created` is `object.created`; everything else, an unknown trigger included, is
 *   `object.updated`: a creation read as an update is the lesser error (an update is what a
 *   handler must take at any time; a false creation could, say, insert a row twice). A transition
 *   and a calculatedChange are updates too: the save that caused them also sends `updated`.
 * `data` is `getObject()`: OpenRegister's `id` (the uuid) first, which is left out of the object's
 * data as in every other format. `payload` keeps what only the notification says: `notification`,
 * `subject`, `recipients` and `context` (a calculatedChange's old data also becomes `previous`).
 * @throws WebhookError `invalid` for an `X-OpenRegister-Trigger` that is not a trigger type.
 */
function readNotification(body: JsonObject, header: string | undefined): EnvelopeParts {
  const object = body.object as JsonObject;
  const context = asJsonObject(body.context) ?? {};
  const trigger = notificationTrigger(header, context);
  const shaped = (data: unknown) => (isJsonObject(data) ? { uuid: object.uuid, register: object.register, schema: object.schema, data: copyFields(data, ['id']) } : undefined);
  const payload: JsonObject = {};
  for (const key of ['notification', 'subject', 'recipients', 'context']) if (body[key] !== undefined) payload[key] = body[key];
  return {
    eventClass: EVENT_CLASS + (trigger === 'created' ? 'ObjectCreatedEvent' : trigger === 'transition' ? 'ObjectTransitionedEvent' : 'ObjectUpdatedEvent'),
    type: trigger === 'created' ? 'object.created' : 'object.updated',
    occurredAt: body.timestamp,
    object: shaped(object.data),
    previous: trigger === 'calculatedChange' ? shaped(context._oldData) : undefined,
    payload,
    payloadWithObject: true,
  };
}

function notificationTrigger(header: string | undefined, context: JsonObject): NotificationTrigger | undefined {
  if (header !== undefined) {
    const trigger = NOTIFICATION_TRIGGERS.find((name) => name === header.trim());
    if (!trigger) throw new WebhookError('invalid', 'Unknown X-OpenRegister-Trigger', [`X-OpenRegister-Trigger must be one of ${NOTIFICATION_TRIGGERS.join(', ')}`]);
    return trigger;
  }
  if ('action' in context && 'to' in context) return 'transition';
  if ('_newData' in context || '_oldData' in context) return 'calculatedChange';
  return undefined;
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
