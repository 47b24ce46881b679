import { Injectable, NestMiddleware } from '@nestjs/common';
import { startTrace, type TracedMessage } from './webhook-request.js';

/** Gives every delivery its id first, so even a refusal is logged and answered with it. */
@Injectable()
export class DeliveryTraceMiddleware implements NestMiddleware {
  use(request: TracedMessage, _response: unknown, next: () => void): void {
    startTrace(request);
    next();
  }
}
