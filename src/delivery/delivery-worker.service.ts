import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { EventDispatcher } from '../handlers/event-dispatcher.service.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { AttemptVerdict, DeliveryStore, StoredDelivery } from '../store/delivery-store.js';
import { backoffDelay } from './backoff.js';
import { DeliveryMetrics } from './delivery.metrics.js';

/** How long the worker sleeps at most when nothing is due: new deliveries wake it at once. */
const IDLE_POLL_IN_MS = 1000;

/**
 * Deliveries the worker may claim in one turn of the event loop before it yields to I/O. About
 * what the HTTP side takes in a turn under load (one request per connection), so neither starves:
 * with fast handlers, claiming only when a turn comes round let a sustained load outrun the worker
 * and the queue grow without end.
 */
const CLAIMS_PER_TURN = 64;

/**
 * Takes due deliveries from the inbox and runs their handlers, at most DELIVERY_CONCURRENCY at
 * a time, retrying failures with backoff until DELIVERY_MAX_ATTEMPTS, then dead-lettering them.
 * The store hands out deliveries in per-object order.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly running = new Set<Promise<void>>();
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private pumping = false;
  private claimedThisTurn = 0;

  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    private readonly dispatcher: EventDispatcher,
    private readonly metrics: DeliveryMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const resumed = this.store.requeueInterrupted(Date.now());
    const counts = this.store.counts();
    this.logger.info({ resumedInterrupted: resumed, queued: counts.queued, dead: counts.dead }, 'Delivery worker started');
    this.stopped = false;
    this.wake();
  }

  /** Looks for due work now (called after every enqueue and every finished run). */
  wake(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = true;
    if (this.claimedThisTurn < CLAIMS_PER_TURN) {
      queueMicrotask(() => {
        this.pumping = false;
        this.pump();
      });
      return;
    }
    // Budget spent: go on after the event loop's I/O (the counter is reset before this runs).
    setImmediate(() => {
      this.pumping = false;
      this.pump();
    });
  }

  /** Stops claiming, lets running handlers finish within the grace period; the rest stays queued. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.running.size === 0) return;
    this.logger.info({ running: this.running.size }, 'Waiting for running deliveries');
    await Promise.race([Promise.allSettled([...this.running]), sleep(this.config.shutdownGraceInMs)]);
    if (this.running.size > 0) this.logger.warn({ running: this.running.size }, 'Grace period over: interrupted deliveries run again at the next start');
  }

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const free = this.config.delivery.concurrency - this.running.size;
    const claimed = free > 0 ? this.store.claimDue(free, Date.now()) : [];
    if (claimed.length > 0 && this.claimedThisTurn === 0) {
      // The turn ends when the event loop has had its I/O: count from zero again there.
      setImmediate(() => (this.claimedThisTurn = 0));
    }
    this.claimedThisTurn += claimed.length;
    for (const delivery of claimed) {
      const run = this.run(delivery).finally(() => {
        this.running.delete(run);
        this.wake();
      });
      this.running.add(run);
    }
    if (this.running.size < this.config.delivery.concurrency) this.sleepUntilDue();
  }

  private sleepUntilDue(): void {
    const due = this.store.nextDueAt();
    const delay = due === undefined ? IDLE_POLL_IN_MS : Math.min(IDLE_POLL_IN_MS, Math.max(0, due - Date.now()));
    this.timer = setTimeout(() => this.pump(), delay);
    this.timer.unref();
  }

  private async run(delivery: StoredDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const startedAt = Date.now();
    let error: string | undefined;
    try {
      const { failures } = await this.dispatcher.dispatch(delivery.event, { deliveryId: delivery.id, attempt });
      if (failures.length > 0) error = failures.map((failure) => `${failure.handler}: ${failure.error}`).join('; ');
    } catch (unexpected) {
      error = unexpected instanceof Error ? unexpected.message : String(unexpected);
    }
    const finishedAt = Date.now();
    const verdict = this.verdict(delivery, attempt, error, finishedAt);
    try {
      this.store.finishAttempt(delivery.id, { attempt, startedAt, finishedAt, outcome: error ? 'failed' : 'succeeded', error }, verdict);
    } catch (storeError) {
      // Left `processing`: it runs again at the next start (at-least-once), never silently lost.
      this.logger.error({ deliveryId: delivery.id, err: storeError }, 'Could not record a delivery attempt');
      return;
    }
    this.metrics.attempt(delivery, error ? 'failure' : 'success', verdict, finishedAt);
    const line = { deliveryId: delivery.id, event: delivery.event.type, objectUuid: delivery.event.object?.uuid, attempt, status: verdict.status };
    if (verdict.status === 'dead') this.logger.error({ ...line, error }, 'Delivery dead-lettered after its last attempt');
    else if (verdict.status === 'queued') this.logger.warn({ ...line, error, nextAttemptAt: new Date(verdict.nextAttemptAt).toISOString() }, 'Delivery attempt failed; retrying');
    // Success is the common case and the delivery already had its outcome line: debug only.
    else this.logger.debug(line, 'Delivery handled');
  }

  private verdict(delivery: StoredDelivery, attempt: number, error: string | undefined, now: number): AttemptVerdict {
    if (!error) return { status: 'succeeded' };
    const attemptsInSeries = attempt - delivery.seriesStart;
    const { maxAttempts, backoffBaseInMs, backoffMaxInMs } = this.config.delivery;
    if (attemptsInSeries >= maxAttempts) return { status: 'dead' };
    return { status: 'queued', nextAttemptAt: now + backoffDelay(attemptsInSeries, backoffBaseInMs, backoffMaxInMs) };
  }
}
