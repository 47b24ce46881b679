import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { WebhookError } from '../common/webhook-error.js';
import type { WebhookRequest, WebhookResponse } from '../http/webhook-request.js';

const TRACKERS_REMEMBERED = 10_000;

/**
 * `@nestjs/throttler`'s guard with two named limits per client address, picked by the verdict
 * `WebhookAuthGuard` recorded: a small one for failed authentication, a large one for genuine
 * deliveries, so a bulk import is never throttled while credential guessing is.
 */
@Injectable()
export class WebhookThrottlerGuard extends ThrottlerGuard {
  /** Address → tracker, so the IPv6 parsing behind it runs once per client, not per delivery. */
  private readonly trackers = new Map<string, string>();

  /**
   * The throttler's own tracker (an IPv4 address, or an IPv6 address's /64), remembered. A
   * bulk import comes from one address; the map is emptied when full, never grows unbounded.
   */
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    // The address as the delivery's trace took it: each read of `request.ip` parses X-Forwarded-For.
    const address = String((request as unknown as WebhookRequest).delivery?.ip ?? request.ip);
    let tracker = this.trackers.get(address);
    if (tracker === undefined) {
      tracker = await super.getTracker(request);
      if (this.trackers.size >= TRACKERS_REMEMBERED) this.trackers.clear();
      this.trackers.set(address, tracker);
    }
    return tracker;
  }

  /**
   * One route, so the throttler's name and the address are key enough. The default hashes
   * class, handler, name and address with SHA-256 on every delivery, for a key that never
   * leaves this process's storage.
   */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<WebhookResponse>().header('Retry-After', String(retryAfter));
    throw new WebhookError('throttled', 'Too many requests from this address', [`retry after ${retryAfter} s`], retryAfter);
  }
}
