import { Inject, Injectable } from '@nestjs/common';
import { WebhookError } from '../common/webhook-error.js';
import { EventDispatcher } from '../handlers/event-dispatcher.js';
import { ShutdownState } from '../health/shutdown.state.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import type { IncomingDelivery } from './incoming-delivery.js';
import { DeliveryReceipt, DeliveryStrategy } from './delivery-strategy.js';
import { traceInlineAttempt } from '../tracing/attempt-span.js';
import { withSpan } from '../tracing/spans.js';

/**
 * Runs the handlers before answering: 200 `processed` when all succeed, 500 naming the failed
 * handlers otherwise. A failed delivery's key is released, so a resend is handled again.
 */
@Injectable()
export class InlineDeliveryStrategy implements DeliveryStrategy {
  constructor(
    private readonly dispatcher: EventDispatcher,
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    private readonly shutdown: ShutdownState,
  ) {}

  async accept({ trace, event, idempotencyKey }: IncomingDelivery): Promise<DeliveryReceipt> {
    const deliveryId = trace.deliveryId;
    // Inline handlers need the process to stay up until they finish; a draining one cannot promise that.
    if (this.shutdown.draining) throw new WebhookError('unavailable', 'The service is shutting down');
    if (!this.dispatcher.wants(event)) return { httpStatus: 200, status: 'ignored', deliveryId };
    // An in-progress claim is a resend racing the first copy: the first copy's answer stands.
    const claim = await withSpan('webhook.dedupe', () => this.idempotency.claim(idempotencyKey, deliveryId));
    if (claim.status !== 'claimed') return { httpStatus: 200, status: 'duplicate', deliveryId, originalDeliveryId: claim.originalDeliveryId };
    let failures;
    try {
      ({ failures } = await traceInlineAttempt({ deliveryId, attempt: 1, event: event.type }, () => this.dispatcher.dispatch(event, { deliveryId, attempt: 1 })));
    } catch (error) {
      await this.idempotency.release(idempotencyKey);
      throw error;
    }
    if (failures.length > 0) {
      await this.idempotency.release(idempotencyKey);
      throw new WebhookError(
        'handler_failed',
        `${failures.length} handler(s) failed`,
        failures.map(({ handler, error }) => `${handler}: ${error}`),
      );
    }
    await withSpan('webhook.complete', () => this.idempotency.complete(idempotencyKey));
    return { httpStatus: 200, status: 'processed', deliveryId };
  }
}
