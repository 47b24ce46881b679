import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { WebhookRequest } from './webhook-request.js';

/** Gives every delivery its id first, so even a refusal is logged and answered with it. */
@Injectable()
export class DeliveryTraceMiddleware implements NestMiddleware {
  use(request: WebhookRequest, _response: Response, next: NextFunction): void {
    request.delivery = { deliveryId: randomUUID(), startedAt: performance.now() };
    next();
  }
}
