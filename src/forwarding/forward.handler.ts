import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ANY_EVENT, OnWebhookEvent, type DeliveryContext, type OpenRegisterEvent, type WebhookEventHandler } from '../handlers/index.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { buildForwardRequest, postForward } from './forward-request.js';
import { ForwardTarget, parseForwardTarget } from './forward-target.js';

/**
 * Built in, on when FORWARD_URLS is set: POSTs every event, signed with Standard Webhooks headers,
 * to every URL at once. It succeeds only when every URL answers 2xx; otherwise it throws one error
 * naming each failed URL, and the retry sends to all of them again (receivers dedupe on
 * `webhook-id`, which is the delivery id). Events go out redacted (RedactionPolicy), except to the
 * targets the operator lists in FORWARD_UNREDACTED_URLS as well.
 */
@OnWebhookEvent(ANY_EVENT)
export class ForwardHandler implements WebhookEventHandler, OnApplicationBootstrap {
  private readonly targets: ForwardTarget[];
  /** Per target, in the order of `targets`: whether it gets the event with its credentials. */
  private readonly unredacted: boolean[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Inject(Clock) private readonly clock: Clock,
    private readonly redaction: RedactionPolicy,
  ) {
    this.targets = config.forward.urls.map(parseForwardTarget);
    // Compared as parsed URLs, the way the configuration checked that they are a subset.
    const unredacted = new Set(config.forward.unredactedUrls.map((url) => new URL(url).href));
    this.unredacted = config.forward.urls.map((url) => unredacted.has(new URL(url).href));
  }

  onApplicationBootstrap(): void {
    const { forward, delivery, handlerTimeoutInMs } = this.config;
    const unredactedTo = this.targets.filter((_, index) => this.unredacted[index]).map(({ display }) => display);
    this.logger.info({ forwardTo: this.targets.map(({ display }) => display), unredactedTo, signed: Boolean(forward.secret) }, `Forwarding every event to ${this.targets.length} URL(s)`);
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
    const { secret, timeoutInMs } = this.config.forward;
    const message = (forwarded: OpenRegisterEvent) => buildForwardRequest({ deliveryId: context.deliveryId, attempt: context.attempt, event: forwarded }, secret, timestampInSeconds);
    // Built once per kind, and only once when redaction blanks nothing (the same event comes back).
    const redactedEvent = this.redaction.redactEvent(event);
    const redacted = message(redactedEvent);
    const unredacted = redactedEvent === event ? redacted : message(event);
    const results = await Promise.allSettled(
      this.targets.map((target, index) => postForward(target, this.unredacted[index] ? unredacted : redacted, timeoutInMs, context.signal)),
    );
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
    if (failures.length === 0) return;
    const prefix = this.targets.length > 1 ? `forwarding failed for ${failures.length} of ${this.targets.length} URLs` : 'forwarding failed';
    throw new Error(`${prefix}: ${failures.join('; ')}`);
  }
}
