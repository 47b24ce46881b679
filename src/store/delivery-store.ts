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
  /** The W3C traceparent of the request that brought it (tracing on), so its attempts can link to it. */
  traceparent?: string;
}

/** `duplicate` names the delivery that first carried the change, while the store still knows it. */
export type EnqueueResult = { status: 'accepted' } | { status: 'duplicate'; originalDeliveryId?: string };

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
  /** As given to `enqueue`; absent when tracing was off then. */
  traceparent?: string;
}

/**
 * A delivery this process claimed. `lease` is an opaque token of this one claim: an adapter
 * shared by several processes fences with it, so the finish of a claim that was lost meanwhile
 * (its lease lapsed and another process took the delivery over) writes nothing.
 */
export interface ClaimedDelivery extends StoredDelivery {
  lease: string;
  /** The claim took over a run whose process never recorded its outcome (counted in `attempts`). */
  takenOver?: true;
}

/** The error of the attempt recorded for a run that ended without an outcome (no quotes: SQL literal). */
export const INTERRUPTED_ATTEMPT_ERROR = 'interrupted: the run ended without a recorded outcome (its process stopped or lost its lease), and the delivery was taken over';

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
 * `src/store/` knows what it is built on (one process or several, batching, leases, wake-ups).
 * Every method is asynchronous, so an adapter may sit behind a network connection.
 */
export interface DeliveryStore {
  /**
   * Stores a delivery unless its idempotency key is already known (dedupe and insert are one
   * atomic step, across processes too). Resolves only once the delivery is durable, so an
   * acknowledgement after it survives a crash or power cut; rejects when it cannot be made so.
   */
  enqueue(delivery: NewDelivery): Promise<EnqueueResult>;
  /**
   * Claims up to `limit` due deliveries for this process, oldest (in acknowledgement order)
   * first, never one whose object still has an earlier delivery queued or processing
   * (per-object order; a dead letter does not hold its object back). A delivery whose claim
   * was lost with its process is due again; its lost run counts as an attempt (recorded as a
   * failed one, "interrupted"), so the claim's `attempts` is one more than before that run.
   */
  claimDue(limit: number, now: number): Promise<ClaimedDelivery[]>;
  /**
   * Records one attempt of a claimed delivery and what follows from it; nothing when the claim
   * was lost meanwhile. The adapter may hold the write back briefly to batch it: a crash in
   * between runs that attempt's delivery again (at-least-once).
   * @param scrubbedEvent with a final verdict (succeeded or dead) only: the event to keep from now
   *   on in place of the one as sent (its credentials redacted), written in the same write as the
   *   outcome, so a finished delivery never holds them; ignored with a `queued` verdict (the next
   *   attempt needs the event as sent). Absent: the stored event stays as it is.
   */
  finishAttempt(claim: ClaimedDelivery, attempt: DeliveryAttempt, verdict: AttemptVerdict, scrubbedEvent?: OpenRegisterEvent): Promise<void>;
  /** Gives claimed deliveries that were never started back to the queue, unchanged. */
  release(claims: ClaimedDelivery[]): Promise<void>;
  /**
   * At start: deliveries whose process died while running them are made due again; never one a
   * live process still runs. Returns how many. As with a claim that takes over a lapsed lease,
   * the interrupted run counts as an attempt (a failed one in the history), so the next run is
   * the attempt after it.
   */
  requeueInterrupted(now: number): Promise<number>;
  /** The earliest time something becomes due, if anything will. */
  nextDueAt(): Promise<number | undefined>;
  /**
   * `listener` is called when deliveries may have become due: stored or replayed through this
   * store (once that is durable; not for a duplicate or a replay that changed nothing), or, with
   * several processes, stored or replayed by another one or left by a claim that lapsed there.
   */
  onWake(listener: () => void): void;
  /**
   * `listener` is told the leases (`ClaimedDelivery.lease`) of claims this process can no longer
   * count on: renewal failed for longer than the lease, or another process holds the delivery
   * now. Their finish would be fenced off; the caller should stop what it still controls. Absent
   * in an adapter whose claims cannot be lost while its process lives (one process).
   */
  onClaimsLost?(listener: (leases: string[], reason: string) => void): void;
  get(id: string): Promise<(StoredDelivery & { history: DeliveryAttempt[] }) | undefined>;
  list(query: DeliveryQuery): Promise<{ items: StoredDelivery[]; total: number }>;
  /** Queues a dead or succeeded delivery again, as a fresh series of attempts; false if unknown or unfinished. */
  replay(id: string, now: number): Promise<boolean>;
  /** Queues every dead letter again; returns how many. */
  replayDead(now: number): Promise<number>;
  /** Removes finished (succeeded or dead) deliveries last updated before `before`, and expired keys. */
  deleteFinishedBefore(before: number): Promise<number>;
  counts(): Promise<Record<StoredDeliveryStatus, number>>;
  /** Rejects when the store cannot be written (readiness). */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

export const DeliveryStore = Symbol('DeliveryStore');
