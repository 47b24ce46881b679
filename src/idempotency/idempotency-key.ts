import { hash } from 'node:crypto';
import { OpenRegisterEvent } from '../events/openregister-event.js';
import { canonicalJson } from './canonical-json.js';
import { changeIdentity } from './change-identity.js';

/**
 * The key that recognises a resend of the same change.
 *
 * A Standard Webhooks `webhook-id` is the sender's own promise of identity, so it wins. An object's
 * creation, update or deletion is keyed by its change identity, which a webhook and catch-up's
 * entry for the same change share (`changeIdentity`). Otherwise the key is a hash of what the change *is* (event class, object uuid, the object's content and,
 * when sent, its previous content), never of what varies per attempt: `attempt`, the send
 * `timestamp` and the CloudEvents `id` are all left out. Two different updates of one object differ
 * in content (at least in `@self.version`/`updated`), so they never share a key. A schema
 * notification's update carries no `@self`, so it has a key of its own (`notificationKey`).
 */
export function idempotencyKey(event: OpenRegisterEvent, webhookId?: string): string {
  if (webhookId) return `webhook-id:${webhookId}`;
  if (event.format === 'notification' && event.type !== 'object.created') return notificationKey(event);
  const change = changeIdentity(event);
  if (change !== undefined) return `change:${change}`;
  const identity = event.object
    ? [event.eventClass, event.object.uuid, event.object, event.previous ?? null]
    : [event.eventClass, withoutAttemptFields(event.payload), event.user ?? null, event.format === 'nextcloud' ? event.occurredAt : null];
  // One-shot hash: no Hash object per delivery.
  return 'sha256:' + hash('sha256', canonicalJson(identity), 'hex');
}

/**
 * An OpenRegister schema notification that is not known to be a creation (see normaliseEvent).
 * A creation is keyed by its change identity like any other (`change:object.created/<uuid>`), so
 * the notification and the webhook or catch-up entry of one creation run the handlers once.
 * An update notification carries no `@self` (no `updated`, no `version`): the change identity of
 * other ways in cannot be built from it, and one built from the data alone would take an object
 * changed back to an earlier state for a resend. So its key is the update's event class, uuid,
 * data and `context`, and the dispatch's `timestamp` (whole seconds): the same notification sent
 * twice (bytes resent, or two rules on one save) is one key; the rule's name, subject and
 * recipients are left out, as they say who is told, not what changed. The limits: the same update
 * also read by catch-up, or also sent by OpenRegister's webhook, runs the handlers once more
 * (nothing in the notification matches their identity), and two updates of one object to the
 * same data within one second are one.
 */
function notificationKey(event: OpenRegisterEvent): string {
  const context = (event.payload as { context?: unknown } | undefined)?.context ?? null;
  const identity = ['notification', event.eventClass, event.object?.uuid ?? null, event.object?.data ?? null, context, event.occurredAt];
  return 'sha256:' + hash('sha256', canonicalJson(identity), 'hex');
}

/** OpenRegister restamps `timestamp` on every attempt of an event without an object, too. */
function withoutAttemptFields(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload ?? null;
  const { timestamp: _timestamp, attempt: _attempt, ...rest } = payload as Record<string, unknown>;
  return rest;
}
