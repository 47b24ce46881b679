import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { WebhookError } from '../common/webhook-error.js';

/**
 * `@nestjs/throttler`'s guard with two named limits per client address, picked by the verdict
 * `WebhookAuthGuard` recorded: a small one for failed authentication, a large one for genuine
 * deliveries, so a bulk import is never throttled while credential guessing is.
 */
@Injectable()
export class WebhookThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(retryAfter));
    throw new WebhookError('throttled', 'Too many requests from this address', [`retry after ${retryAfter} s`], retryAfter);
  }
}
