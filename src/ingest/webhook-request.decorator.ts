import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { WebhookRequest } from '../http/webhook-request.js';

/** The whole webhook request, for `ParseDeliveryPipe`: it needs the raw bytes and the auth verdict. */
export const WebhookDelivery = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  context.switchToHttp().getRequest<WebhookRequest>(),
);
