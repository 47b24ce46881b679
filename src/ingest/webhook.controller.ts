import { Controller, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { AuthenticatedGuard } from '../auth/authenticated.guard.js';
import { WebhookAuthGuard } from '../auth/webhook-auth.guard.js';
import { DeliveryOutcomeRecorder } from './delivery-outcome.recorder.js';
import { DeliveryReceipt, DeliveryStrategy } from '../delivery/delivery-strategy.js';
import { ShutdownState } from '../health/shutdown.state.js';
import type { IntakeRoute } from '../http/http-platform.js';
import type { WebhookResponse } from '../http/webhook-request.js';
import { WebhookThrottlerGuard } from '../throttling/webhook-throttler.guard.js';
import { inRequest } from '../tracing/request-span.js';
import { type IncomingDelivery, ParseDeliveryPipe } from './parse-delivery.pipe.js';
import { WebhookDelivery } from './webhook-request.decorator.js';

/** The route every sender posts to (declared once, for the controller and the platform's intake). */
export const WEBHOOK_ROUTE: IntakeRoute = { method: 'POST', url: '/webhooks/openregister' };

/**
 * `POST /webhooks/openregister`. Only wiring: the intake hook has checked the address and media type,
 * the guards have authenticated and throttled, the pipe has validated and normalised; the
 * strategy decides, and its receipt becomes the answer and the delivery's outcome line.
 * Refusals and failures get theirs from `WebhookErrorFilter`. (No interceptor: with none, Nest
 * skips its RxJS pipeline, a measurable share of each delivery's time.)
 */
@Controller()
@UseGuards(WebhookAuthGuard, WebhookThrottlerGuard, AuthenticatedGuard)
export class WebhookController {
  constructor(
    @Inject(DeliveryStrategy) private readonly strategy: DeliveryStrategy,
    private readonly shutdown: ShutdownState,
    private readonly outcomes: DeliveryOutcomeRecorder,
  ) {}

  @Post(WEBHOOK_ROUTE.url)
  @HttpCode(200)
  async receive(
    @WebhookDelivery(ParseDeliveryPipe) delivery: IncomingDelivery,
    @Res({ passthrough: true }) reply: WebhookResponse,
  ): Promise<Pick<DeliveryReceipt, 'status' | 'deliveryId' | 'originalDeliveryId'>> {
    const { httpStatus, status, deliveryId, originalDeliveryId } = await this.shutdown.track(inRequest(delivery.trace, () => this.strategy.accept(delivery)));
    reply.status(httpStatus);
    this.outcomes.record(delivery.trace, status, { status: httpStatus, originalDeliveryId });
    return originalDeliveryId ? { status, deliveryId, originalDeliveryId } : { status, deliveryId };
  }
}
