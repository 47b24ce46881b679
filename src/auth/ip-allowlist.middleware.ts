import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { WebhookError } from '../common/webhook-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { TracedMessage } from '../ingest/webhook-request.js';
import { IpAllowlist } from './ip-allowlist.js';

/**
 * Answers 403 to addresses outside IP_ALLOWLIST before a byte of the body is read. The address
 * is Fastify's `request.ip` (copied onto the raw request for middleware), which believes
 * `X-Forwarded-For` only as far as TRUST_PROXY says.
 */
@Injectable()
export class IpAllowlistMiddleware implements NestMiddleware {
  private readonly allowlist: IpAllowlist;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowlist = new IpAllowlist(config.ipAllowlist);
  }

  use(request: TracedMessage, _response: unknown, next: () => void): void {
    if (!this.allowlist.allows(request.ip)) {
      throw new WebhookError('forbidden', `Address ${request.ip ?? 'unknown'} is not allowed`);
    }
    next();
  }
}
