import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import bytes from 'bytes';
import type { Logger } from 'pino';
import { toErrorBody } from '../common/error-body.js';
import { WebhookError } from '../common/webhook-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryOutcomeRecorder } from './delivery-outcome.recorder.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { DeliveryOutcome } from '../metrics/metrics.service.js';

/**
 * The edge where errors become HTTP answers, on every route: a `WebhookError` keeps its status
 * and reasons, Nest's own HTTP errors (404, the admin API's 400s, ...) get the same shape
 * (`src/common/error-body.ts`), anything else is a logged 500 that never
 * takes the process down. Every refused or failed delivery gets its outcome recorded here.
 * It answers through Nest's HTTP adapter, so it is the same on Express and Fastify.
 */
@Catch()
export class WebhookErrorFilter implements ExceptionFilter {
  constructor(
    private readonly outcomes: DeliveryOutcomeRecorder,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<WebhookRequest>();
    const response = host.switchToHttp().getResponse<unknown>();
    const trace = request.delivery;
    const { status, body, outcome } = this.describe(trace ? asDeliveryError(exception, this.config.webhook.bodyLimitInBytes) : exception);
    if (trace) {
      body.deliveryId = trace.deliveryId;
      this.outcomes.record(trace, outcome, {
        status,
        reason: body.message as string,
        details: body.details as string[] | undefined,
      });
    }
    const { httpAdapter } = this.adapterHost;
    if (httpAdapter.isHeadersSent(response)) return;
    httpAdapter.reply(response, body, status);
  }

  private describe(exception: unknown): { status: number; body: Record<string, unknown>; outcome: DeliveryOutcome } {
    if (exception instanceof WebhookError) {
      const body: Record<string, unknown> = { statusCode: exception.status, error: exception.reason, message: exception.message };
      if (exception.details?.length) body.details = exception.details;
      return { status: exception.status, body, outcome: exception.outcome as DeliveryOutcome };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // The admin API's and Nest's own errors (404, a ValidationPipe's 400) in the webhook API's shape.
      const body = toErrorBody(status, exception.getResponse()) as Record<string, unknown>;
      return { status, body, outcome: status >= 500 ? 'failed' : 'invalid' };
    }
    this.logger.error({ err: exception }, 'Unexpected error');
    return { status: 500, body: { statusCode: 500, error: 'internal', message: 'Internal error' }, outcome: 'failed' };
  }
}

/**
 * The platform's own refusals while reading a delivery's body (Fastify's reach Nest as HTTP
 * errors; the Express reader throws WebhookErrors itself), in this service's words.
 */
function asDeliveryError(exception: unknown, limitInBytes: number): unknown {
  if (!(exception instanceof HttpException)) return exception;
  if (exception.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE) return new WebhookError('too_large', tooLargeMessage(limitInBytes));
  if (exception.getStatus() === HttpStatus.UNSUPPORTED_MEDIA_TYPE) return new WebhookError('unsupported_media_type', exception.message);
  if (exception.getStatus() === HttpStatus.BAD_REQUEST) return new WebhookError('malformed', 'Body could not be read', [exception.message]);
  return exception;
}

/** The 413's words: the limit as the operator writes it and in bytes, so the sender's log says what to shrink to. */
export function tooLargeMessage(limitInBytes: number): string {
  return `Body is larger than WEBHOOK_BODY_LIMIT=${bytes.format(limitInBytes, { unitSeparator: '' })?.toLowerCase()} (${limitInBytes} bytes)`;
}
