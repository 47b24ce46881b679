import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { EventDispatcher } from '../handlers/event-dispatcher.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { ClaimedDelivery, DeliveryStore } from '../store/delivery-store.js';
import { StoreMonitor } from '../store/store-monitor.js';
import { traceQueuedAttempt } from '../tracing/attempt-span.js';
import { attemptVerdict } from './backoff.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { reportTakeover } from './lease-loss.js';
import { reportStoreError } from './store-error.js';

/**
 * One attempt of one claimed delivery: runs its handlers, decides what comes next (succeeded,
 * retried with backoff, dead-lettered), records that in the store, counts it and logs it. The
 * worker decides when and how many; this decides what an attempt is.
 */
@Injectable()
export class DeliveryAttempt {
  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    private readonly dispatcher: EventDispatcher,
    private readonly metrics: DeliveryMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly redaction: RedactionPolicy,
    @Inject(Clock) private readonly clock: Clock,
    @Optional() private readonly monitor?: StoreMonitor,
  ) {}

  /**
   * Runs the handlers of one attempt; resolves when they are done, with the recording of the
   * outcome still under way, so the worker's slot serves the next delivery meanwhile (a slot held
   * until the store's round trip ended limited the drain to DELIVERY_CONCURRENCY per round trip:
   * docs/adr/0006-worker-drain-rate.md, "Recording after the slot").
   * @param signal aborted when the delivery's lease is lost: nothing is recorded for it then.
   */
  async run(delivery: ClaimedDelivery, signal: AbortSignal): Promise<HandledAttempt> {
    const attempt = delivery.attempts + 1;
    const startedAt = this.clock.now();
    if (delivery.takenOver) reportTakeover(this.logger, this.metrics, delivery, attempt);
    let error: string | undefined;
    try {
      const traced = { deliveryId: delivery.id, attempt, event: delivery.event.type, traceparent: delivery.traceparent };
      const { failures } = await traceQueuedAttempt(traced, () => this.dispatcher.dispatch(delivery.event, { deliveryId: delivery.id, attempt, signal }));
      if (failures.length > 0) error = failures.map((failure) => `${failure.handler}: ${failure.error}`).join('; ');
    } catch (unexpected) {
      error = this.redaction.redactText(unexpected instanceof Error ? unexpected.message : String(unexpected), delivery.event);
    }
    if (signal.aborted) return { recorded: Promise.resolve() };
    return { recorded: this.record(delivery, { attempt, startedAt, finishedAt: this.clock.now(), outcome: error ? 'failed' : 'succeeded', error }) };
  }

  /** Writes the attempt and its verdict, then counts and logs it. Never rejects: a store error is logged. */
  private async record(delivery: ClaimedDelivery, done: AttemptRecord): Promise<void> {
    const { attempt, finishedAt, error } = done;
    const verdict = attemptVerdict(attempt, delivery.seriesStart, error, finishedAt, this.config.delivery);
    // A finished delivery keeps only the redacted event; one queued again still needs it as sent.
    const scrubbed = verdict.status === 'queued' ? undefined : this.redaction.scrubbedEvent(delivery.event);
    try {
      await this.store.finishAttempt(delivery, done, verdict, scrubbed);
    } catch (storeError) {
      // Left `processing`: the store makes it due again (at-least-once), never silently lost.
      reportStoreError(this.logger, this.monitor, storeError, 'Could not record a delivery attempt', { deliveryId: delivery.id });
      return;
    }
    this.metrics.attempt(delivery, error ? 'failure' : 'success', verdict, finishedAt);
    // Success is the common case and the delivery already had its outcome line: debug only, and
    // the line is not even built unless debug is on.
    if (verdict.status === 'succeeded' && !this.logger.isLevelEnabled('debug')) return;
    const line = { deliveryId: delivery.id, event: delivery.event.type, objectUuid: delivery.event.object?.uuid, attempt, status: verdict.status };
    if (verdict.status === 'dead') this.logger.error({ ...line, error }, 'Delivery dead-lettered after its last attempt');
    else if (verdict.status === 'queued') this.logger.warn({ ...line, error, nextAttemptAt: new Date(verdict.nextAttemptAt).toISOString() }, 'Delivery attempt failed; retrying');
    else this.logger.debug(line, 'Delivery handled');
  }
}

/** An attempt whose handlers are done. */
export interface HandledAttempt {
  /** Settles once the outcome is in the store, or could not be written (then logged); never rejects. */
  recorded: Promise<void>;
}

type AttemptRecord = Parameters<DeliveryStore['finishAttempt']>[1];
