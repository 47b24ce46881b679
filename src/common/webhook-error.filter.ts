import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { DeliveryOutcomeRecorder } from '../delivery/delivery-outcome.recorder.js';
import type { WebhookRequest } from '../ingest/webhook-request.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { DeliveryOutcome } from '../metrics/metrics.service.js';
import { WebhookError } from './webhook-error.js';

/**
 * The edge where errors become HTTP answers: a `WebhookError` keeps its status and reasons,
 * Nest's own HTTP errors (404, ...) pass through, anything else is a logged 500 that never
 * takes the process down. Every refused or failed delivery gets its outcome recorded here.
 */
@Catch()
export class WebhookErrorFilter implements ExceptionFilter {
  constructor(
    private readonly outcomes: DeliveryOutcomeRecorder,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<WebhookRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, outcome } = this.describe(exception);
    if (request.delivery) {
      body.deliveryId = request.delivery.deliveryId;
      this.outcomes.record(request.delivery, outcome, {
        status,
        reason: body.message as string,
        details: body.details as string[] | undefined,
        ip: request.ip,
      });
    }
    if (response.headersSent) return;
    response.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: Record<string, unknown>; outcome: DeliveryOutcome } {
    if (exception instanceof WebhookError) {
      const body: Record<string, unknown> = { statusCode: exception.status, error: exception.reason, message: exception.message };
      if (exception.details?.length) body.details = exception.details;
      return { status: exception.status, body, outcome: exception.outcome as DeliveryOutcome };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const answer = exception.getResponse();
      const body = typeof answer === 'object' ? { ...(answer as Record<string, unknown>) } : { statusCode: status, message: answer };
      return { status, body, outcome: status >= 500 ? 'failed' : 'invalid' };
    }
    this.logger.error({ err: exception }, 'Unexpected error');
    return { status: 500, body: { statusCode: 500, error: 'internal', message: 'Internal error' }, outcome: 'failed' };
  }
}
