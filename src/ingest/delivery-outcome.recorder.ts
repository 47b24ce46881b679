import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DeliveryTrace } from '../events/delivery-trace.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { DeliveryOutcome, MetricsService } from '../metrics/metrics.service.js';
import { endRequestSpan, inRequest } from '../tracing/request-span.js';

export interface OutcomeDetail {
  status: number;
  /** A duplicate's original delivery, so an operator can look it up in the admin API. */
  originalDeliveryId?: string;
  reason?: string;
  details?: readonly string[];
}

/** Writes the one log line and counts the one metric every delivery outcome gets. */
@Injectable()
export class DeliveryOutcomeRecorder {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  record(trace: DeliveryTrace, outcome: DeliveryOutcome, detail: OutcomeDetail): void {
    this.metrics.deliveries.inc({ format: trace.format ?? 'unknown', event: trace.event ?? 'unknown', outcome });
    const durationMs = performance.now() - trace.startedAt;
    this.metrics.ackDuration.observe({ outcome }, durationMs / 1000);
    const line = {
      deliveryId: trace.deliveryId,
      format: trace.format,
      event: trace.event,
      objectUuid: trace.objectUuid,
      outcome,
      originalDeliveryId: detail.originalDeliveryId,
      status: detail.status,
      reason: detail.reason,
      details: detail.details,
      ip: trace.ip,
      durationMs: Math.round(durationMs * 1000) / 1000,
    };
    // In the request's span, so that with tracing on the line carries its trace id.
    inRequest(trace, () => {
      if (detail.status >= 500) this.logger.error(line, `delivery ${outcome}`);
      else if (detail.status >= 400) this.logger.warn(line, `delivery ${outcome}`);
      else this.logger.info(line, `delivery ${outcome}`);
    });
    endRequestSpan(trace, detail.status, outcomeAttributes(trace, outcome));
  }
}

/** What the request span says of the delivery's outcome (undefined ones are left out by the SDK). */
function outcomeAttributes(trace: DeliveryTrace, outcome: DeliveryOutcome) {
  return {
    'webhook.delivery_id': trace.deliveryId,
    'webhook.outcome': outcome,
    'webhook.format': trace.format,
    'webhook.event': trace.event,
    'openregister.object_uuid': trace.objectUuid,
    'client.address': trace.ip,
  };
}
