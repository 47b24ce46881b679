import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { constantTimeEqual } from '../auth/constant-time.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { WebhookRequest, WebhookResponse } from '../http/webhook-request.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminToken;
    const header = context.switchToHttp().getRequest<WebhookRequest>().headers.authorization;
    const presented = header ? BEARER.exec(header)?.[1] : undefined;
    if (expected && presented !== undefined && constantTimeEqual(presented, expected)) return true;
    context.switchToHttp().getResponse<WebhookResponse>().header('WWW-Authenticate', 'Bearer realm="admin"');
    throw new UnauthorizedException(header ? 'Invalid admin token' : 'Authorization: Bearer <ADMIN_TOKEN> required');
  }
}
