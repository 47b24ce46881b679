import { DEFAULT_REDACTION, type RedactionPolicy } from '../logging/redaction.policy.js';
import type { DeliveryAttempt, StoredDelivery } from '../store/delivery-store.js';

/** One delivery in a list: what it is and where it stands, without the event's data. */
export interface DeliverySummary {
  id: string;
  status: StoredDelivery['status'];
  eventType: string;
  /** How the change came in: a webhook delivery, or catch-up from OpenRegister's feed or audit trail. */
  source: 'webhook' | 'catch-up';
  objectUuid?: string;
  register?: string;
  schema?: string;
  attempts: number;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
  /** Only while queued: when the next attempt is due. */
  nextAttemptAt?: string;
  completedAt?: string;
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  finishedAt: string;
  outcome: DeliveryAttempt['outcome'];
  error?: string;
}

/** One delivery in full: the normalised event (credentials redacted) and every attempt. */
export interface DeliveryDetail extends DeliverySummary {
  idempotencyKey: string;
  event: StoredDelivery['event'];
  history: AttemptView[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One delivery for `GET /admin/deliveries`. Its lastError goes through the policy here as well:
 * the dispatcher blanks credentials in handler messages before they are stored, but a row stored
 * before it did, or before REDACT_FIELDS named a field, may still quote one.
 */
export function toDeliverySummary(delivery: StoredDelivery, redaction: RedactionPolicy = DEFAULT_REDACTION): DeliverySummary {
  const { event } = delivery;
  return {
    id: delivery.id,
    status: delivery.status,
    eventType: event.type,
    source: event.source ?? 'webhook',
    ...optional('objectUuid', event.object?.uuid ?? event.previous?.uuid),
    ...optional('register', event.register),
    ...optional('schema', event.schema),
    attempts: delivery.attempts,
    ...optional('lastError', delivery.lastError === undefined ? undefined : redaction.redactText(delivery.lastError, event)),
    createdAt: iso(delivery.createdAt),
    updatedAt: iso(delivery.updatedAt),
    ...(delivery.status === 'queued' ? { nextAttemptAt: iso(delivery.nextAttemptAt) } : {}),
    ...(delivery.completedAt !== undefined ? { completedAt: iso(delivery.completedAt) } : {}),
  };
}

/**
 * One delivery for `GET /admin/deliveries/:id`. The event is redacted here whatever the store
 * holds: a queued or processing delivery still has the event as sent (its next attempt needs it).
 */
export function toDeliveryDetail(delivery: StoredDelivery & { history: DeliveryAttempt[] }, redaction: RedactionPolicy): DeliveryDetail {
  return {
    ...toDeliverySummary(delivery, redaction),
    idempotencyKey: delivery.idempotencyKey,
    event: redaction.redactEvent(delivery.event),
    history: delivery.history.map((attempt) => ({
      attempt: attempt.attempt,
      startedAt: iso(attempt.startedAt),
      finishedAt: iso(attempt.finishedAt),
      outcome: attempt.outcome,
      ...optional('error', attempt.error === undefined ? undefined : redaction.redactText(attempt.error, delivery.event)),
    })),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
