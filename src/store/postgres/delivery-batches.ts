import { stringifyExactJson } from '../../events/exact-json.js';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import type { AttemptVerdict, ClaimedDelivery, DeliveryAttempt, EnqueueResult, NewDelivery } from '../delivery-store.js';

/** One finished attempt waiting in the store's batch of finishes. */
export interface Finish {
  claim: ClaimedDelivery;
  attempt: DeliveryAttempt;
  verdict: AttemptVerdict;
  /** With a final verdict: the redacted event to keep in place of the one as sent. */
  scrubbedEvent?: OpenRegisterEvent;
}

/** A row of `enqueue_batch`: one per delivery given to it. */
export interface EnqueueRow {
  delivery_id: string;
  original_delivery_id: string | null;
  accepted: boolean;
}

/**
 * A key twice in one batch: the first carries the change, the second is its duplicate. Gives
 * the deliveries to write (the first of each key) and how to answer every item, in order, from
 * the rows written.
 */
export function firstOfEachKey(items: NewDelivery[]): { unique: NewDelivery[]; answer: (rows: EnqueueRow[]) => EnqueueResult[] } {
  const firstOfKey = new Map<string, NewDelivery>();
  const unique: NewDelivery[] = [];
  for (const item of items) {
    if (firstOfKey.has(item.idempotencyKey)) continue;
    firstOfKey.set(item.idempotencyKey, item);
    unique.push(item);
  }
  const answer = (rows: EnqueueRow[]): EnqueueResult[] => {
    const byId = new Map<string, EnqueueResult>(
      rows.map((row) => [
        row.delivery_id,
        row.accepted ? { status: 'accepted' } : { status: 'duplicate', ...(row.original_delivery_id ? { originalDeliveryId: row.original_delivery_id } : {}) },
      ]),
    );
    return items.map((item) => {
      const first = firstOfKey.get(item.idempotencyKey)!;
      const result = byId.get(first.id)!;
      if (first === item) return result;
      return { status: 'duplicate', originalDeliveryId: result.status === 'accepted' ? first.id : (result.originalDeliveryId ?? first.id) };
    });
  };
  return { unique, answer };
}

/** `enqueue_batch`'s parameters: one array per column, the key's lifetime, the owner to wake others as, then the traceparents. */
export function enqueueValues(unique: NewDelivery[], ttlInMs: number, owner: string): unknown[] {
  return [
    unique.map((item) => item.id),
    unique.map((item) => item.idempotencyKey),
    unique.map((item) => item.event.object?.uuid ?? item.event.previous?.uuid ?? null),
    // Integers past 2^53 (bigint in the event) keep their digits.
    unique.map((item) => stringifyExactJson(item.event)),
    unique.map((item) => item.acceptedAt),
    ttlInMs,
    owner,
    unique.map((item) => item.traceparent ?? null),
  ];
}

/** The finish statement's parameters: one array per column (see QUERIES.finish). */
export function finishValues(items: Finish[]): unknown[] {
  const column = <T>(pick: (item: Finish) => T) => items.map(pick);
  return [
    column(({ claim }) => claim.id),
    column(({ claim }) => claim.lease),
    column(({ verdict }) => verdict.status),
    column(({ attempt }) => attempt.attempt),
    column(({ attempt, verdict }) => (verdict.status === 'queued' ? verdict.nextAttemptAt : attempt.finishedAt)),
    column(({ attempt }) => attempt.error ?? null),
    column(({ attempt }) => attempt.finishedAt),
    column(({ attempt, verdict }) => (verdict.status === 'queued' ? null : attempt.finishedAt)),
    column(({ attempt }) => attempt.startedAt),
    column(({ attempt }) => attempt.outcome),
    column(({ scrubbedEvent }) => (scrubbedEvent ? stringifyExactJson(scrubbedEvent) : null)),
  ];
}
