import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { rawBodyOf, type WebhookRequest } from '../http/webhook-request.js';
import { requestStep } from '../tracing/request-span.js';
import { WebhookAuthenticator } from './webhook-authenticator.js';

/**
 * Verifies credentials on the raw bytes and records the verdict on the request. It never refuses
 * by itself: the throttler first counts failures per address, then `AuthenticatedGuard` refuses.
 */
@Injectable()
export class WebhookAuthGuard implements CanActivate {
  constructor(private readonly authenticator: WebhookAuthenticator) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    request.webhookAuth = requestStep(request.delivery, 'webhook.auth', () => this.authenticator.authenticate(request.headers, rawBodyOf(request)));
    return true;
  }
}
