import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, Observable } from 'rxjs';
import { startTrace, type WebhookRequest } from '../ingest/webhook-request.js';
import { DeliveryOutcomeRecorder } from './delivery-outcome.recorder.js';
import type { DeliveryReceipt } from './delivery-strategy.js';

/**
 * Turns a receipt into the answer (status code and `{status, deliveryId}`) and records its
 * outcome; refusals and failures are recorded by `WebhookErrorFilter` instead.
 */
@Injectable()
export class DeliveryOutcomeInterceptor implements NestInterceptor {
  constructor(private readonly outcomes: DeliveryOutcomeRecorder) {}

  intercept(context: ExecutionContext, next: CallHandler<DeliveryReceipt>): Observable<Pick<DeliveryReceipt, 'status' | 'deliveryId'>> {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    const response = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map(({ httpStatus, status, deliveryId }) => {
        response.status(httpStatus);
        this.outcomes.record(startTrace(request.raw), status, { status: httpStatus, ip: request.ip });
        return { status, deliveryId };
      }),
    );
  }
}
