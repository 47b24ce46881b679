import { Inject, Injectable, PipeTransform } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { WebhookError } from '../common/webhook-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { IncomingDelivery } from '../delivery/incoming-delivery.js';
import { normaliseEvent } from '../events/normalise-event.js';
import { idempotencyKey } from '../idempotency/idempotency-key.js';
import { parseDelivery } from './parse-delivery.js';
import { signedTimestampOf } from './signed-timestamp.js';
import { rawBodyOf, type WebhookRequest } from '../http/webhook-request.js';
import { requestStep } from '../tracing/request-span.js';

export type { IncomingDelivery };

/**
 * Parses the (already authenticated) raw bytes, validates them against their envelope's DTO,
 * enforces the replay window on an HMAC-signed body timestamp and normalises the event.
 */
@Injectable()
export class ParseDeliveryPipe implements PipeTransform<WebhookRequest, Promise<IncomingDelivery>> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  transform(request: WebhookRequest): Promise<IncomingDelivery> {
    return requestStep(request.delivery, 'webhook.parse', () => this.parse(request));
  }

  private async parse(request: WebhookRequest): Promise<IncomingDelivery> {
    const parsed = await parseDelivery(rawBodyOf(request));
    // Started by the intake hook, which runs on this route before anything else.
    const trace = request.delivery!;
    trace.format = parsed.format;
    if (request.webhookAuth?.ok && request.webhookAuth.method === 'hmac') this.assertFresh(signedTimestampOf(parsed));
    const event = normaliseEvent(parsed.format === 'notification' ? { ...parsed, notificationTrigger: notificationTriggerOf(request) } : parsed, new Date(this.clock.now()));
    trace.event = event.type;
    trace.objectUuid = event.object?.uuid ?? event.previous?.uuid;
    const webhookId = request.webhookAuth?.ok ? request.webhookAuth.webhookId : undefined;
    return { trace, event, idempotencyKey: idempotencyKey(event, webhookId) };
  }

  /** OpenRegister signs no timestamp header, but the body's `timestamp` is under the signature. */
  private assertFresh(signedAt: number | undefined): void {
    const tolerance = this.config.webhook.toleranceInSeconds;
    if (tolerance === 0 || signedAt === undefined) return;
    if (Math.abs(this.clock.now() - signedAt) > tolerance * 1000) {
      throw new WebhookError('unauthorized', 'Signed timestamp is outside the tolerance window', [
        `timestamp must be within ${tolerance} s of the server time (WEBHOOK_TOLERANCE_SECONDS)`,
      ]);
    }
  }
}

/** The header a schema notification rule's `webhook.headers` may add to say which trigger fired. */
export const NOTIFICATION_TRIGGER_HEADER = 'x-openregister-trigger';

function notificationTriggerOf(request: WebhookRequest): string | undefined {
  const value = request.headers[NOTIFICATION_TRIGGER_HEADER];
  return Array.isArray(value) ? value[0] : value;
}
