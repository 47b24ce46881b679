import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { settleWithin } from '../common/settle-within.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ShutdownState } from '../health/shutdown.state.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { ClaimedDelivery, DeliveryStore } from '../store/delivery-store.js';
import { StoreMonitor } from '../store/store-monitor.js';
import { outsideTrace } from '../tracing/request-span.js';
import { DeliveryAttempt } from './delivery-attempt.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { giveUpLostClaims, logAbandoned, releaseWithin, RunningClaims } from './lease-loss.js';
import { reportStoreError } from './store-error.js';

/** How long the worker sleeps at most when nothing is due: new deliveries wake it at once. */
const IDLE_POLL_IN_MS = 1000;

/**
 * Deliveries the worker may start in one turn of the event loop before it yields to I/O. About
 * what the HTTP side takes in a turn under load (one request per connection), so neither starves:
 * with fast handlers, starting only when a turn comes round let a sustained load outrun the worker
 * and the queue grow without end.
 */
const STARTS_PER_TURN = 64;

/**
 * Due deliveries one claim takes at most, more than the free slots: the rest wait in memory
 * (`processing` in the store) for a slot, so one claim transaction serves many deliveries instead
 * of one or two. (Attempts the store still holds are written in the same transaction.)
 */
const CLAIM_BATCH = 64;

/**
 * Attempts whose handlers are done and whose outcome the store is still writing, at most: past
 * it no run starts, so a store that stalls on writes holds back the handlers instead of letting
 * unrecorded outcomes pile up.
 */
const RECORDING_AT_MOST = CLAIM_BATCH;

/**
 * Takes due deliveries from the inbox and starts an attempt of each (`DeliveryAttempt`: handlers,
 * retry with backoff or dead letter), at most DELIVERY_CONCURRENCY at a time.
 * The store hands out deliveries in per-object order, and never one whose object has an earlier
 * delivery claimed, so those waiting here for a slot need no order among themselves.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Runs whose handlers are under way: DELIVERY_CONCURRENCY at most. */
  private readonly running = new Set<Promise<void>>();
  /** Attempts whose handlers are done, their outcome being written (RECORDING_AT_MOST). */
  private readonly recording = new Set<Promise<void>>();
  /** The same runs by lease, so a lost lease aborts its run. */
  private readonly runs = new RunningClaims();
  /** Claimed and not yet started, oldest first. */
  private claimed: ClaimedDelivery[] = [];
  /** The claim under way, if any: one at a time. */
  private claiming?: Promise<void>;
  /** The last claim took every due delivery it could: claiming again finds nothing new yet. */
  private allDueClaimed = false;
  /** Counts wake-ups, so a claim under way while one arrives does not take itself for the last word. */
  private wakes = 0;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private pumpScheduled = false;
  private turnEndClaimScheduled = false;
  private startedThisTurn = 0;

  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    private readonly attempt: DeliveryAttempt,
    private readonly metrics: DeliveryMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Inject(Clock) private readonly clock: Clock,
    @Optional() private readonly monitor?: StoreMonitor,
    @Optional() private readonly shutdown?: ShutdownState,
  ) {
    shutdown?.countAtDrainEnd('runningDeliveries', () => this.running.size);
  }

  private storeError(error: unknown, what: string, fields: object = {}): void {
    reportStoreError(this.logger, this.monitor, error, what, fields);
  }

  async onApplicationBootstrap(): Promise<void> {
    const resumed = this.metrics.interrupted(await this.store.requeueInterrupted(this.clock.now()));
    const counts = await this.store.counts();
    this.logger.info({ resumedInterrupted: resumed, queued: counts.queued, dead: counts.dead }, 'Delivery worker started');
    // Not in the context of whatever stored the delivery: its runs would inherit that request's trace.
    this.store.onWake(() => outsideTrace(() => this.wake()));
    this.store.onClaimsLost?.((leases, reason) => (this.claimed = giveUpLostClaims(leases, reason, this.runs, this.claimed, this.logger)));
    this.stopped = false;
    this.wake();
  }

  /** Deliveries were stored or replayed (the store says so), or a retry came due: look for due work now. */
  wake(): void {
    this.wakes++;
    this.allDueClaimed = false;
    this.schedulePump();
  }

  /**
   * Stops starting deliveries, puts the claimed but unstarted ones back in the queue, lets running
   * handlers finish (the store writes their attempts at close), each step bounded by the drain's
   * deadline whatever the database does: what is left then is named in one line.
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const deadline = this.shutdown?.begin(signal) ?? performance.now() + this.config.shutdownGraceInMs;
    const left = () => deadline - performance.now();
    // A claim under way delivers its batch first, so that is released too.
    if (this.claiming) await settleWithin([this.claiming], left());
    const unreleased = await this.releaseClaimed(left());
    if (this.running.size > 0) {
      this.logger.info({ running: this.running.size }, 'Waiting for running deliveries');
      await settleWithin([...this.running], left());
    }
    // The store writes what is still batched at close as well; waiting here keeps the order of the
    // drain's lines (each outcome logged before the drain's end) within the same deadline.
    await settleWithin([...this.recording], left());
    logAbandoned(this.logger, this.runs.ids(), unreleased, this.config.shutdownGraceInMs);
  }

  private schedulePump(): void {
    if (this.stopped || this.pumpScheduled) return;
    this.pumpScheduled = true;
    const pump = () => {
      this.pumpScheduled = false;
      this.pump();
    };
    if (this.startedThisTurn < STARTS_PER_TURN) queueMicrotask(pump);
    // Budget spent: go on after the event loop's I/O (the counter is reset before this runs).
    else setImmediate(pump);
  }

  /** @param afterClaim this pump follows the claim that filled `claimed`. */
  private pump(afterClaim = false): void {
    if (this.stopped || this.claiming) return;
    clearTimeout(this.timer);
    while (this.running.size < this.config.delivery.concurrency && this.recording.size < RECORDING_AT_MOST) {
      if (this.startedThisTurn >= STARTS_PER_TURN) return this.schedulePump();
      if (this.claimed.length === 0) {
        // Having just claimed all that was due, nothing more is due before a run finishes (which
        // pumps again): claiming at the end of this turn would find nothing.
        if (this.allDueClaimed) return afterClaim ? this.sleepUntilDue() : this.claimAtTurnEnd();
        return this.claim();
      }
      this.start(this.claimed.shift()!);
    }
  }

  /** Claims the next batch, then pumps again; sleeps when nothing is due (or the store failed). */
  private claim(): void {
    const wakes = this.wakes;
    this.claiming = this.store
      .claimDue(CLAIM_BATCH, this.clock.now())
      .catch((error: unknown) => {
        this.storeError(error, 'Could not claim due deliveries');
        return [];
      })
      .then((claimed) => {
        this.claiming = undefined;
        this.claimed = claimed;
        // A wake-up during the claim may have made more due than the claim saw.
        this.allDueClaimed = claimed.length < CLAIM_BATCH && wakes === this.wakes;
        if (this.stopped) return;
        if (claimed.length > 0) this.pump(true);
        else if (this.allDueClaimed) this.sleepUntilDue();
        else this.schedulePump();
      });
  }

  /**
   * Everything due is claimed, yet a slot is free: only a finished run can have made more due
   * (its object's next delivery). One claim at the end of the turn serves every run finishing
   * in it, instead of one claim per run.
   */
  private claimAtTurnEnd(): void {
    if (this.turnEndClaimScheduled) return;
    this.turnEndClaimScheduled = true;
    setImmediate(() => {
      this.turnEndClaimScheduled = false;
      this.wake();
    });
  }

  private start(delivery: ClaimedDelivery): void {
    // The turn ends when the event loop has had its I/O: count from zero again there.
    if (this.startedThisTurn === 0) setImmediate(() => (this.startedThisTurn = 0));
    this.startedThisTurn++;
    const run = this.attempt
      .run(delivery, this.runs.start(delivery))
      .then(({ recorded }) => this.followRecording(recorded))
      .finally(() => {
        this.runs.end(delivery);
        this.running.delete(run);
        // A free slot for what is claimed or due; with everything due claimed, nothing more is
        // due before this delivery is recorded (its object's next one): followRecording pumps then.
        if (this.claimed.length > 0 || !this.allDueClaimed) this.schedulePump();
      });
    this.running.add(run);
  }

  /** Once recorded, the delivery's object may have its next delivery due: pump again then. */
  private followRecording(recorded: Promise<void>): void {
    this.recording.add(recorded);
    void recorded.finally(() => {
      this.recording.delete(recorded);
      this.schedulePump();
    });
  }

  private async releaseClaimed(withinMs: number): Promise<string[]> {
    const claims = this.claimed;
    this.claimed = [];
    return releaseWithin(this.store, claims, withinMs, (error, ids) => this.storeError(error, 'Could not put claimed deliveries back in the queue', { deliveryIds: ids }));
  }

  private sleepUntilDue(): void {
    const wakes = this.wakes;
    this.store
      .nextDueAt()
      .catch((error: unknown) => {
        this.storeError(error, 'Could not read when the next delivery is due');
        return undefined;
      })
      .then((due) => {
        // Woken meanwhile: that wake-up has pumped already.
        if (this.stopped || wakes !== this.wakes) return;
        const delay = due === undefined ? IDLE_POLL_IN_MS : Math.min(IDLE_POLL_IN_MS, Math.max(0, due - this.clock.now()));
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.wake(), delay);
        this.timer.unref();
      });
  }
}
