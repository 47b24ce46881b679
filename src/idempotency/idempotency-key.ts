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
 * in content (at least in `@self.version`/`updated`), so they never share a key.
 */
export function idempotencyKey(event: OpenRegisterEvent, webhookId?: string): string {
  if (webhookId) return `webhook-id:${webhookId}`;
  const change = changeIdentity(event);
  if (change !== undefined) return `change:${change}`;
  const identity = event.object
    ? [event.eventClass, event.object.uuid, event.object, event.previous ?? null]
    : [event.eventClass, withoutAttemptFields(event.payload), event.user ?? null, event.format === 'nextcloud' ? event.occurredAt : null];
  // One-shot hash: no Hash object per delivery.
  return 'sha256:' + hash('sha256', canonicalJson(identity), 'hex');
}

/** OpenRegister restamps `timestamp` on every attempt of an event without an object, too. */
function withoutAttemptFields(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload ?? null;
  const { timestamp: _timestamp, attempt: _attempt, ...rest } = payload as Record<string, unknown>;
  return rest;
}
