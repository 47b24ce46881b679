import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import { ANY_EVENT, OnWebhookEvent } from '../handlers/on-webhook-event.decorator.js';
import type { DeliveryContext, WebhookEventHandler } from '../handlers/webhook-event-handler.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { buildForwardRequest, postForward } from './forward-request.js';
import { ForwardTarget, parseForwardTarget } from './forward-target.js';

/**
 * Built in, on when FORWARD_URLS is set: POSTs every event, signed with Standard Webhooks headers,
 * to every URL at once. It succeeds only when every URL answers 2xx; otherwise it throws one error
 * naming each failed URL, and the retry sends to all of them again (receivers dedupe on
 * `webhook-id`, which is the delivery id).
 */
@Injectable()
@OnWebhookEvent(ANY_EVENT)
export class ForwardHandler implements WebhookEventHandler, OnApplicationBootstrap {
  private readonly targets: ForwardTarget[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.targets = config.forward.urls.map(parseForwardTarget);
  }

  onApplicationBootstrap(): void {
    const { forward, delivery, handlerTimeoutInMs } = this.config;
    this.logger.info({ forwardTo: this.targets.map(({ display }) => display), signed: Boolean(forward.secret) }, `Forwarding every event to ${this.targets.length} URL(s)`);
    if (!forward.secret) {
      this.logger.warn('FORWARD_URLS is set without FORWARD_SECRET: events are forwarded unsigned, and receivers cannot tell them from forgeries');
    }
    if (delivery.mode === 'inline') {
      this.logger.warn('Forwarding with DELIVERY_MODE=inline runs inside the sender\'s request and is never retried; use DELIVERY_MODE=queued');
    }
    if (forward.timeoutInMs >= handlerTimeoutInMs) {
      this.logger.warn(`FORWARD_TIMEOUT_MS (${forward.timeoutInMs}) is not below HANDLER_TIMEOUT_MS (${handlerTimeoutInMs}): a slow target fails the handler before its own timeout`);
    }
  }

  async handle(event: OpenRegisterEvent, context: DeliveryContext): Promise<void> {
    const timestampInSeconds = Math.floor(this.clock.now() / 1000);
    const request = buildForwardRequest({ deliveryId: context.deliveryId, attempt: context.attempt, event }, this.config.forward.secret, timestampInSeconds);
    const results = await Promise.allSettled(this.targets.map((target) => postForward(target, request, this.config.forward.timeoutInMs)));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
    if (failures.length === 0) return;
    const prefix = this.targets.length > 1 ? `forwarding failed for ${failures.length} of ${this.targets.length} URLs` : 'forwarding failed';
    throw new Error(`${prefix}: ${failures.join('; ')}`);
  }
}
