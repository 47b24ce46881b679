import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { WebhookError } from '../common/webhook-error.js';
import type { WebhookRequest } from '../http/webhook-request.js';

/** Refuses (401) a delivery whose credentials `WebhookAuthGuard` could not verify. */
@Injectable()
export class AuthenticatedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const auth = context.switchToHttp().getRequest<WebhookRequest>().webhookAuth;
    if (!auth?.ok) throw new WebhookError('unauthorized', 'Invalid or missing credentials', [auth && !auth.ok ? auth.reason : 'not authenticated']);
    return true;
  }
}
