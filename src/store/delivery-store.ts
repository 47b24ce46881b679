import type { OpenRegisterEvent } from '../events/openregister-event.js';

/** Where a stored delivery stands. `dead` is a dead letter: every attempt failed. */
export const DELIVERY_STATUSES = ['queued', 'processing', 'succeeded', 'dead'] as const;
export type StoredDeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NewDelivery {
  id: string;
  idempotencyKey: string;
  event: OpenRegisterEvent;
  /** When it was acknowledged, ms since the epoch. */
  acceptedAt: number;
}

export interface StoredDelivery {
  id: string;
  idempotencyKey: string;
  event: OpenRegisterEvent;
  status: StoredDeliveryStatus;
  /** Attempts made so far, over the delivery's whole life. */
  attempts: number;
  /** Attempts made before the latest replay; the retry budget counts from here. */
  seriesStart: number;
  nextAttemptAt: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  completedAt?: number;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: number;
  finishedAt: number;
  outcome: 'succeeded' | 'failed';
  error?: string;
}

/** What happens after an attempt: done, try again later, or give up. */
export type AttemptVerdict = { status: 'succeeded' } | { status: 'queued'; nextAttemptAt: number } | { status: 'dead' };

export interface DeliveryQuery {
  status?: StoredDeliveryStatus;
  limit: number;
  offset: number;
}

/**
 * The durable inbox: acknowledged deliveries, their idempotency keys and their attempt history.
 * A port (token of the same name); the adapter is chosen by STORE_DRIVER, and nothing outside
 * it knows what it is built on.
 */
export interface DeliveryStore {
  /**
   * Stores a delivery unless its idempotency key is already known. Resolves only once the
   * delivery is synced to disk, so an acknowledgement after it survives a power cut.
   */
  enqueue(delivery: NewDelivery): Promise<'accepted' | 'duplicate'>;
  /**
   * Marks up to `limit` due deliveries `processing` and returns them, oldest first, never one
   * whose object still has an earlier delivery queued or processing (per-object order).
   */
  claimDue(limit: number, now: number): StoredDelivery[];
  /**
   * Records one attempt and what follows from it. The store may hold it back to write it with
   * others (at the latest at the end of the current turn of the event loop, and always before it
   * answers a read or closes), so a crash in between can run that attempt's delivery again.
   */
  finishAttempt(id: string, attempt: DeliveryAttempt, verdict: AttemptVerdict): void;
  /** Puts claimed deliveries that were never started back in the queue, unchanged. */
  release(ids: string[]): void;
  /** At start: deliveries left `processing` by a crash are queued again. Returns how many. */
  requeueInterrupted(now: number): number;
  /** The earliest time a queued delivery becomes due, if any. */
  nextDueAt(): number | undefined;
  get(id: string): (StoredDelivery & { history: DeliveryAttempt[] }) | undefined;
  list(query: DeliveryQuery): { items: StoredDelivery[]; total: number };
  /** Queues a dead or finished delivery again, as a fresh series of attempts. */
  replay(id: string, now: number): boolean;
  /** Queues every dead letter again; returns how many. */
  replayDead(now: number): number;
  /** Removes finished (succeeded or dead) deliveries last updated before `before`. */
  deleteFinishedBefore(before: number): number;
  counts(): Record<StoredDeliveryStatus, number>;
  /** Throws when the store cannot be written (readiness). */
  checkWritable(): void;
  close(): void;
}

export const DeliveryStore = Symbol('DeliveryStore');
