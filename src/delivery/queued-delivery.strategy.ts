import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { WebhookError } from '../common/webhook-error.js';
import { EventDispatcher } from '../handlers/event-dispatcher.js';
import type { IncomingDelivery } from './incoming-delivery.js';
import { DeliveryStore, EnqueueResult } from '../store/delivery-store.js';
import { StoreMonitor } from '../store/store-monitor.js';
import { DeliveryReceipt, DeliveryStrategy } from './delivery-strategy.js';
import { activeTraceparent } from '../tracing/attempt-span.js';
import { withSpan } from '../tracing/spans.js';

/**
 * Stores the delivery durably and answers 202 at once; the worker, woken by the store, runs the
 * handlers with retries. The answer waits only for the (group-committed) disk sync, never for a handler.
 */
@Injectable()
export class QueuedDeliveryStrategy implements DeliveryStrategy {
  constructor(
    private readonly dispatcher: EventDispatcher,
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    private readonly monitor: StoreMonitor,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async accept({ trace, event, idempotencyKey }: IncomingDelivery): Promise<DeliveryReceipt> {
    const deliveryId = trace.deliveryId;
    if (!this.dispatcher.wants(event)) return { httpStatus: 200, status: 'ignored', deliveryId };
    // Known to be unreachable (checked every few seconds): 503 at once, not after a timeout.
    if (!this.monitor.up) {
      this.monitor.refused(new Error(this.monitor.reason ?? 'the delivery store cannot be reached'), { deliveryId });
      throw new WebhookError('unavailable', 'The delivery store cannot be reached; nothing was acknowledged');
    }
    let result: EnqueueResult;
    // The request span's traceparent goes with the delivery, so its attempts can link back to it.
    const traceparent = activeTraceparent();
    try {
      // Dedupe and durable write are one transaction here: one span.
      result = await withSpan('webhook.enqueue', () => this.store.enqueue({ id: deliveryId, idempotencyKey, event, acceptedAt: this.clock.now(), traceparent }));
    } catch (error) {
      // Counted, not logged one by one, while the store is known to be unreachable.
      this.monitor.refused(error, { deliveryId });
      throw new WebhookError('unavailable', 'The delivery could not be stored; nothing was acknowledged');
    }
    if (result.status === 'duplicate') return { httpStatus: 200, status: 'duplicate', deliveryId, originalDeliveryId: result.originalDeliveryId };
    // The store has woken the worker: it listens through the store port (onWake).
    return { httpStatus: 202, status: 'accepted', deliveryId };
  }
}
