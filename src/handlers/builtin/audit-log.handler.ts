import { Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { PINO_LOGGER } from '../../logging/logger.js';
import { RedactionPolicy } from '../../logging/redaction.policy.js';
// The public handler API, as a user's handler imports it.
import { ANY_EVENT, OnWebhookEvent, type DeliveryContext, type OpenRegisterEvent, type WebhookEventHandler } from '../index.js';

/**
 * Writes one `audit` log line per event with what changed, credentials redacted by the
 * configured RedactionPolicy (REDACT_FIELDS included). On by default
 * (AUDIT_LOG_ENABLED); it is also the simplest example of a handler.
 */
@OnWebhookEvent(ANY_EVENT)
export class AuditLogHandler implements WebhookEventHandler {
  constructor(
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly redaction: RedactionPolicy,
  ) {}

  handle(event: OpenRegisterEvent, context: DeliveryContext): void {
    this.logger.info(
      {
        audit: true,
        deliveryId: context.deliveryId,
        attempt: context.attempt,
        event: event.type,
        eventClass: event.eventClass,
        objectUuid: event.object?.uuid ?? event.previous?.uuid,
        register: event.register,
        schema: event.schema,
        occurredAt: event.occurredAt,
        changes: event.changes ? this.redaction.redactChanges(event.changes) : undefined,
      },
      `audit ${event.type}`,
    );
  }
}
