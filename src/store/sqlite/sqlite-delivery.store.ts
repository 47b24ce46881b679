import type Database from 'better-sqlite3';
import { systemClock } from '../../common/clock.js';
import { parseExactJson, stringifyExactJson } from '../../events/exact-json.js';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
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
import { AttemptRow, DeliveryRow, toAttempt, toDelivery } from '../delivery-row.js';
import { DeliveryStatements, ListStatements, prepareDeliveryStatements, prepareListStatements } from './delivery-statements.js';
import { EventHandoff } from './event-handoff.js';
import { WakeListeners } from '../wake-listeners.js';
import { GroupCommit } from './group-commit.js';
import { TurnBuffer } from './turn-buffer.js';
import { WalSync } from './wal-sync.js';

const ACCEPTED: EnqueueResult = { status: 'accepted' };

interface FinishedAttempt {
  id: string;
  attempt: DeliveryAttempt;
  verdict: AttemptVerdict;
  /** The redacted event's JSON, to replace the stored one (final verdicts only). */
  scrubbed?: string;
}

export interface SqliteDeliveryStoreOptions {
  idempotencyTtlInSeconds: number;
  /** false: one sync per delivery instead of one per batch (only for the benchmark's comparison). */
  groupCommit?: boolean;
  /** Told when held-back attempts could not be written: those deliveries run again at the next start. */
  onUnrecordedAttempts?: (error: unknown, deliveryIds: string[]) => void;
  /** The clock expired idempotency keys are pruned on (ms since the epoch): the app's; the system's unless given. */
  now?: () => number;
}

/**
 * The delivery store on SQLite (better-sqlite3): durable inbox, idempotency keys, history. For
 * one process (DATA_DIR's lock sees to that), so a claim needs no lease: whatever is still
 * `processing` at start was left by a crash. The port is asynchronous; the work here is not.
 */
export class SqliteDeliveryStore implements DeliveryStore {
  private readonly inbox: GroupCommit<NewDelivery, EnqueueResult>;
  /**
   * Finished attempts not yet written. They are written with the next claim (one transaction
   * for both), before any read, at close, and at the latest at the end of the turn, at the
   * connection's synchronous = NORMAL: a process crash keeps every committed transaction, so
   * what is lost to a crash is at most this turn's attempts, and (as after a crash during a
   * handler) their deliveries run again at the next start: at-least-once, as before.
   */
  private readonly finished: TurnBuffer<FinishedAttempt>;
  private readonly handoff = new EventHandoff();
  private readonly wakeListeners = new WakeListeners();
  /** The acknowledgement's disk sync; none for an in-memory database. */
  private readonly walSync?: WalSync;
  private readonly statements: DeliveryStatements;
  private readonly listStatements = new Map<string, ListStatements>();
  private readonly claimTransaction: (finished: FinishedAttempt[], limit: number, now: number) => ClaimedDelivery[];
  private readonly finishTransaction: (finished: FinishedAttempt[]) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteDeliveryStoreOptions,
  ) {
    this.statements = prepareDeliveryStatements(db);
    this.claimTransaction = db.transaction((finished: FinishedAttempt[], limit: number, now: number) => {
      for (const item of finished) this.writeFinished(item);
      const rows = this.statements.due.all(now, limit) as DeliveryRow[];
      return rows.map((row) => {
        this.statements.markProcessing.run(now, row.seq);
        const event = this.handoff.take(row.id) ?? (parseExactJson(this.statements.eventOf.get(row.seq) as string) as OpenRegisterEvent);
        return { ...toDelivery({ ...row, status: 'processing', updated_at: now }, event), lease: row.id };
      });
    });
    this.finishTransaction = db.transaction((finished: FinishedAttempt[]) => {
      for (const item of finished) this.writeFinished(item);
    });
    this.finished = new TurnBuffer((finished) => {
      try {
        this.finishTransaction(finished);
      } catch (error) {
        this.unrecorded(error, finished);
      }
    });
    const commitBatch = db.transaction((items: NewDelivery[]) => items.map((item) => this.insertOne(item)));
    if (!db.memory) this.walSync = new WalSync(`${db.name}-wal`);
    const walSync = this.walSync;
    this.inbox = new GroupCommit((items) => {
      const stored = commitBatch(items);
      // Only once committed: a rolled-back event must not be handed to the worker.
      const results = stored.map((outcome, index) => {
        if (typeof outcome !== 'number') return outcome;
        this.handoff.offer(items[index].id, items[index].event, outcome);
        return ACCEPTED;
      });
      if (results.includes(ACCEPTED)) this.wakeListeners.notify();
      return results;
    }, options.groupCommit === false ? 1 : 1000, walSync && (() => walSync.sync()));
  }

  enqueue(delivery: NewDelivery): Promise<EnqueueResult> {
    return this.inbox.submit(delivery);
  }

  async claimDue(limit: number, now: number): Promise<ClaimedDelivery[]> {
    const finished = this.finished.take();
    try {
      return this.claimTransaction(finished, limit, now);
    } catch (error) {
      if (finished.length > 0) this.unrecorded(error, finished);
      throw error;
    }
  }

  async finishAttempt(claim: ClaimedDelivery, attempt: DeliveryAttempt, verdict: AttemptVerdict, scrubbedEvent?: OpenRegisterEvent): Promise<void> {
    // At once, as a write would: an attempt offered after close would otherwise vanish unseen.
    if (!this.db.open) throw new TypeError('The delivery store is closed');
    const scrubbed = scrubbedEvent && verdict.status !== 'queued' ? stringifyExactJson(scrubbedEvent) : undefined;
    this.finished.add({ id: claim.id, attempt, verdict, ...(scrubbed === undefined ? {} : { scrubbed }) });
  }

  async release(claims: ClaimedDelivery[]): Promise<void> {
    this.finished.flush();
    this.db.transaction(() => {
      for (const claim of claims) this.statements.release.run(claim.id);
    })();
  }

  async requeueInterrupted(now: number): Promise<number> {
    this.finished.flush();
    return this.db.transaction(() => {
      this.statements.interruptedAttempts.run(now);
      return this.statements.requeue.run(now, now).changes;
    })();
  }

  /** One process: only what is stored or replayed here makes deliveries due. */
  onWake(listener: () => void): void {
    this.wakeListeners.add(listener);
  }

  async nextDueAt(): Promise<number | undefined> {
    this.finished.flush();
    return (this.statements.nextDue.get() as { at: number | null }).at ?? undefined;
  }

  async get(id: string): Promise<(StoredDelivery & { history: DeliveryAttempt[] }) | undefined> {
    this.finished.flush();
    const row = this.statements.get.get(id) as DeliveryRow | undefined;
    if (!row) return undefined;
    const history = (this.statements.history.all(id) as AttemptRow[]).map(toAttempt);
    return { ...toDelivery(row), history };
  }

  async list({ status, limit, offset }: DeliveryQuery): Promise<{ items: StoredDelivery[]; total: number }> {
    this.finished.flush();
    const { rows, total } = this.listStatementsFor(status);
    return { items: (rows.all(limit, offset) as DeliveryRow[]).map((row) => toDelivery(row)), total: (total.get() as { total: number }).total };
  }

  async replay(id: string, now: number): Promise<boolean> {
    this.finished.flush();
    const replayed = this.statements.replay.run(now, now, id).changes > 0;
    if (replayed) this.wakeListeners.notify();
    return replayed;
  }

  async replayDead(now: number): Promise<number> {
    this.finished.flush();
    const replayed = this.statements.replayDead.run(now, now).changes;
    if (replayed > 0) this.wakeListeners.notify();
    return replayed;
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    this.finished.flush();
    return this.db.transaction(() => {
      this.statements.deleteAttempts.run(before);
      this.statements.deleteEvents.run(before);
      this.statements.deleteExpiredKeys.run((this.options.now ?? systemClock.now)());
      return this.statements.deleteFinished.run(before).changes;
    })();
  }

  async counts(): Promise<Record<StoredDeliveryStatus, number>> {
    this.finished.flush();
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<StoredDeliveryStatus, number>;
    for (const { status, count } of this.statements.counts.all() as { status: StoredDeliveryStatus; count: number }[]) counts[status] = count;
    return counts;
  }

  async checkWritable(): Promise<void> {
    this.statements.health.run((this.options.now ?? systemClock.now)());
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.finished.flush();
    this.db.close();
    this.walSync?.close();
  }

  /** Stores one delivery: the length of its event's JSON, or the duplicate answer. */
  private insertOne(delivery: NewDelivery): number | EnqueueResult {
    const now = delivery.acceptedAt;
    const expiresAt = now + this.options.idempotencyTtlInSeconds * 1000;
    if (this.statements.claimKey.run(delivery.idempotencyKey, expiresAt, delivery.id, now).changes === 0) {
      const original = this.statements.keyOwner.get(delivery.idempotencyKey) as string | null;
      return original ? { status: 'duplicate', originalDeliveryId: original } : { status: 'duplicate' };
    }
    const objectKey = delivery.event.object?.uuid ?? delivery.event.previous?.uuid ?? null;
    const json = stringifyExactJson(delivery.event);
    const { lastInsertRowid: seq } = this.statements.insert.run(delivery.id, delivery.idempotencyKey, objectKey, now, now, now, delivery.traceparent ?? null);
    this.statements.insertEvent.run(seq, json);
    return json.length;
  }

  /** One finished attempt; always inside a transaction, so the scrubbed event and the outcome land together. */
  private writeFinished({ id, attempt, verdict, scrubbed }: FinishedAttempt): void {
    this.statements.insertAttempt.run(id, attempt.attempt, attempt.startedAt, attempt.finishedAt, attempt.outcome, attempt.error ?? null);
    const nextAttemptAt = verdict.status === 'queued' ? verdict.nextAttemptAt : attempt.finishedAt;
    const completedAt = verdict.status === 'queued' ? null : attempt.finishedAt;
    this.statements.finish.run(verdict.status, attempt.attempt, nextAttemptAt, attempt.error ?? null, attempt.finishedAt, completedAt, id);
    if (scrubbed !== undefined) this.statements.scrubEvent.run(scrubbed, id);
  }

  private unrecorded(error: unknown, finished: FinishedAttempt[]): void {
    const ids = finished.map((item) => item.id);
    if (this.options.onUnrecordedAttempts) this.options.onUnrecordedAttempts(error, ids);
    else process.emitWarning(`Could not record the attempts of ${ids.join(', ')}: ${(error as Error).message}`);
  }

  /** Statements prepared once per status filter (each prepare holds native memory until GC). */
  private listStatementsFor(status: StoredDeliveryStatus | undefined): ListStatements {
    const key = status ?? 'all';
    let statements = this.listStatements.get(key);
    if (!statements) {
      statements = prepareListStatements(this.db, status);
      this.listStatements.set(key, statements);
    }
    return statements;
  }
}
