import { Controller, HttpCode, Inject, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { AuthenticatedGuard } from '../auth/authenticated.guard.js';
import { WebhookAuthGuard } from '../auth/webhook-auth.guard.js';
import { DeliveryOutcomeInterceptor } from '../delivery/delivery-outcome.interceptor.js';
import { DeliveryReceipt, DeliveryStrategy } from '../delivery/delivery-strategy.js';
import { ShutdownState } from '../health/shutdown.state.js';
import { WebhookThrottlerGuard } from '../throttling/webhook-throttler.guard.js';
import { type IncomingDelivery, ParseDeliveryPipe } from './parse-delivery.pipe.js';
import { WebhookDelivery } from './webhook-request.decorator.js';

/**
 * `POST /webhooks/openregister`. Only wiring: middleware has read the bytes, the guards have
 * authenticated and throttled, the pipe has validated and normalised; the strategy decides.
 */
@Controller('webhooks')
@UseGuards(WebhookAuthGuard, WebhookThrottlerGuard, AuthenticatedGuard)
@UseInterceptors(DeliveryOutcomeInterceptor)
export class WebhookController {
  constructor(
    @Inject(DeliveryStrategy) private readonly strategy: DeliveryStrategy,
    private readonly shutdown: ShutdownState,
  ) {}

  @Post('openregister')
  @HttpCode(200)
  receive(@WebhookDelivery(ParseDeliveryPipe) delivery: IncomingDelivery): Promise<DeliveryReceipt> {
    return this.shutdown.track(this.strategy.accept(delivery));
  }
}
