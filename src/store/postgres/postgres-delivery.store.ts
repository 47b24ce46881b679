import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import { systemClock } from '../../common/clock.js';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  AttemptVerdict,
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryQuery,
  DeliveryStore,
  DELIVERY_STATUSES,
  EnqueueResult,
  NewDelivery,
  StoredDelivery,
  StoredDeliveryStatus,
} from '../delivery-store.js';
import { Batcher } from './batcher.js';
import { EnqueueRow, enqueueValues, Finish, finishValues, firstOfEachKey } from './delivery-batches.js';
import { listQueries, QUERIES } from './delivery-queries.js';
import { pruneFinishedDeliveries } from './delivery-retention.js';
import { LeaseKeeper } from './lease-keeper.js';
import { DEFAULT_TIMEOUTS, type PostgresTimeouts } from './postgres-pool.js';
import { AttemptRow, DeliveryRow, toAttempt, toDelivery } from '../delivery-row.js';
import { WakeListener } from './wake-listener.js';
import { WakeListeners } from '../wake-listeners.js';

export interface PostgresDeliveryStoreOptions {
  pool: pg.Pool;
  /** For the LISTEN connection, which lives outside the pool. */
  url: string;
  /** Of the LISTEN connection (the pool has its own). */
  timeouts?: PostgresTimeouts;
  idempotencyTtlInSeconds: number;
  /** How long a claim lasts without renewal (DELIVERY_LEASE_SECONDS, in ms). */
  leaseInMs: number;
  /** End the pool at close (the store is its last user). */
  ownsPool?: boolean;
  /** Errors that are reported, not thrown: lease renewals, the LISTEN connection. */
  onBackgroundError?: (error: unknown, what: string) => void;
  /** The clock expired idempotency keys are pruned on (ms since the epoch): the app's; the system's unless given. */
  now?: () => number;
}

/** Unfinished deliveries one claim statement looks at, at most (QUERIES.claim). */
const CLAIM_WINDOW = 512;

/**
 * The delivery store on PostgreSQL, shared by every replica: one queue (`FOR UPDATE SKIP
 * LOCKED`), claims as renewed leases fenced by a token, wakeups by LISTEN/NOTIFY. Semantics
 * are the SQLite store's (replay, series_start, retention, history, counts, list order).
 * Call `start()` before use.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  /** Identifies this process's leases and notifications. */
  readonly owner = randomUUID();
  private readonly pool: pg.Pool;
  private readonly inbox: Batcher<NewDelivery, EnqueueResult>;
  private readonly finishes: Batcher<Finish, undefined>;
  private readonly leases: LeaseKeeper;
  private readonly lostListeners: ((leases: string[], reason: string) => void)[] = [];
  private readonly listener: WakeListener;
  private readonly wakeListeners = new WakeListeners();
  private closed = false;

  constructor(private readonly options: PostgresDeliveryStoreOptions) {
    this.pool = options.pool;
    const report = options.onBackgroundError ?? ((error: unknown, what: string) => process.emitWarning(`${what}: ${(error as Error).message}`));
    this.inbox = new Batcher((items) => this.writeDeliveries(items));
    this.finishes = new Batcher(async (items) => {
      await this.writeFinishes(items);
      return items.map(() => undefined);
    });
    this.leases = LeaseKeeper.open(options.url, options.timeouts, {
      leaseInMs: options.leaseInMs,
      owner: this.owner,
      onError: (error) => report(error, 'Could not renew delivery leases'),
      onLost: (tokens, reason) => this.lostListeners.forEach((listener) => listener(tokens, reason)),
    });
    this.listener = new WakeListener({
      url: options.url,
      timeouts: options.timeouts,
      owner: this.owner,
      onWake: () => this.wakeListeners.notify(),
      onError: (error) => report(error, 'Lost the connection that listens for wakeups; reconnecting'),
    });
  }

  /** Starts listening for other replicas' wakeups. */
  async start(): Promise<void> {
    await this.listener.start();
  }

  /**
   * Answers within the time a write may take (waiting for a connection, then the statement),
   * whatever the database does: a sender waiting for its 202 or 503 never also waits out the
   * batches that hung before its own.
   */
  enqueue(delivery: NewDelivery): Promise<EnqueueResult> {
    if (this.closed) return Promise.reject(new TypeError('The delivery store is closed'));
    const { connectInMs, statementInMs } = this.options.timeouts ?? DEFAULT_TIMEOUTS;
    return this.inbox.submit(delivery, connectInMs + statementInMs);
  }

  async claimDue(limit: number, now: number): Promise<ClaimedDelivery[]> {
    // One window of unfinished deliveries per statement (QUERIES.claim); the next window only when
    // this one was full and held fewer due ones than wanted (retries waiting, objects held back,
    // other replicas' claims), so the claim never misses a due delivery further down the backlog.
    const rows: (DeliveryRow & { lease_token: string; taken_over: boolean })[] = [];
    const sent = this.leases.clock();
    for (let after = 0; rows.length < limit; ) {
      const result = await this.pool.query<(DeliveryRow & { lease_token: string; taken_over: boolean }) & { window_end: string | null; window_size: number }>({
        ...QUERIES.claim,
        values: [now, limit - rows.length, this.owner, this.options.leaseInMs, after, CLAIM_WINDOW],
      });
      for (const row of result.rows) if (row.lease_token != null) rows.push(row);
      const { window_end: end, window_size: size } = result.rows[0];
      if (size < CLAIM_WINDOW || end == null) break;
      after = Number(end);
    }
    rows.sort((a, b) => a.seq - b.seq);
    this.leases.hold(rows.map((row) => row.lease_token), sent);
    return rows.map((row) => ({ ...toDelivery(row), lease: row.lease_token, ...(row.taken_over ? { takenOver: true as const } : {}) }));
  }

  finishAttempt(claim: ClaimedDelivery, attempt: DeliveryAttempt, verdict: AttemptVerdict, scrubbedEvent?: OpenRegisterEvent): Promise<void> {
    if (this.closed) return Promise.reject(new TypeError('The delivery store is closed'));
    return this.finishes.submit({ claim, attempt, verdict, ...(scrubbedEvent && verdict.status !== 'queued' ? { scrubbedEvent } : {}) });
  }

  async release(claims: ClaimedDelivery[]): Promise<void> {
    if (claims.length === 0) return;
    const tokens = claims.map((claim) => claim.lease);
    try {
      await this.pool.query({ ...QUERIES.release, values: [tokens, this.owner] });
    } finally {
      // Not renewed either way: unreleased, they lapse and are claimed again.
      this.leases.drop(tokens);
    }
  }

  async requeueInterrupted(now: number): Promise<number> {
    return (await this.pool.query<{ n: number }>({ ...QUERIES.requeue, values: [now] })).rows[0].n;
  }

  async nextDueAt(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ at: number | null }>({ ...QUERIES.nextDue, values: [this.owner] });
    return rows[0].at ?? undefined;
  }

  onWake(listener: () => void): void {
    this.wakeListeners.add(listener);
  }

  onClaimsLost(listener: (leases: string[], reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  async get(id: string): Promise<(StoredDelivery & { history: DeliveryAttempt[] }) | undefined> {
    const { rows } = await this.pool.query<DeliveryRow & { history: AttemptRow[] | null }>({ ...QUERIES.get, values: [id] });
    if (rows.length === 0) return undefined;
    return { ...toDelivery(rows[0]), history: (rows[0].history ?? []).map(toAttempt) };
  }

  async list({ status, limit, offset }: DeliveryQuery): Promise<{ items: StoredDelivery[]; total: number }> {
    const queries = listQueries(status);
    const [rows, total] = await Promise.all([
      this.pool.query<DeliveryRow>({ ...queries.rows, values: [limit, offset] }),
      this.pool.query<{ total: number }>(queries.total),
    ]);
    return { items: rows.rows.map((row) => toDelivery(row)), total: total.rows[0].total };
  }

  async replay(id: string, now: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ n: number }>({ ...QUERIES.replay, values: [id, now, this.owner] });
    if (rows[0].n > 0) this.wakeListeners.notify();
    return rows[0].n > 0;
  }

  async replayDead(now: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>({ ...QUERIES.replayDead, values: [now, this.owner] });
    if (rows[0].n > 0) this.wakeListeners.notify();
    return rows[0].n;
  }

  /** Runs on one replica at a time: one that finds another pruning skips (returns 0). */
  deleteFinishedBefore(before: number): Promise<number> {
    return pruneFinishedDeliveries(this.pool, before, this.options.now ?? systemClock.now);
  }

  async counts(): Promise<Record<StoredDeliveryStatus, number>> {
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<StoredDeliveryStatus, number>;
    const { rows } = await this.pool.query<{ status: StoredDeliveryStatus; n: number }>(QUERIES.counts);
    for (const { status, n } of rows) counts[status] += n;
    return counts;
  }

  /** A real write with a short timeout: readiness must answer while the database hangs too. */
  async checkWritable(): Promise<void> {
    if (this.closed) throw new TypeError('The delivery store is closed');
    await this.pool.query({ ...QUERIES.health, values: [(this.options.now ?? systemClock.now)()], query_timeout: 5000 } as pg.QueryConfig);
  }

  /**
   * Writes the finishes still batched, then lets this process's remaining leases lapse at once
   * (their deliveries run on another replica without waiting out the lease), and disconnects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leases.stop();
    await this.listener.close();
    try {
      await this.finishes.drained();
      await this.inbox.drained();
      await this.pool.query({ ...QUERIES.lapse, values: [this.owner] });
    } catch (error) {
      this.options.onBackgroundError?.(error, 'Could not give up leases at close: they lapse by themselves');
    } finally {
      await this.leases.close();
      if (this.options.ownsPool) await this.pool.end();
    }
  }

  private async writeDeliveries(items: NewDelivery[]): Promise<EnqueueResult[]> {
    const { unique, answer } = firstOfEachKey(items);
    const { rows } = await this.pool.query<EnqueueRow>({
      ...QUERIES.enqueue,
      values: enqueueValues(unique, this.options.idempotencyTtlInSeconds * 1000, this.owner),
    });
    const results = answer(rows);
    // Other replicas are woken by enqueue_batch's NOTIFY; this one here.
    if (results.some((result) => result.status === 'accepted')) this.wakeListeners.notify();
    return results;
  }

  private async writeFinishes(items: Finish[]): Promise<void> {
    // Not renewed whatever happens: a finish that could not be written lets its lease lapse,
    // and the delivery runs again (at-least-once) instead of staying claimed for good.
    this.leases.drop(items.map(({ claim }) => claim.lease));
    await this.pool.query({ ...QUERIES.finish, values: finishValues(items) });
  }
}
