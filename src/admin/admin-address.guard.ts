import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { IpAllowlist } from '../common/ip-allowlist.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { WebhookRequest } from '../http/webhook-request.js';

/**
 * Lets `/admin` answer only addresses in ADMIN_IP_ALLOWLIST (any when it is empty), 403 to the
 * rest, before the token is looked at: as IP_ALLOWLIST does for senders. The address is the
 * platform's `request.ip`, which believes `X-Forwarded-For` only as far as TRUST_PROXY says.
 */
@Injectable()
export class AdminAddressGuard implements CanActivate {
  private readonly allowlist: IpAllowlist;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowlist = new IpAllowlist(config.adminIpAllowlist);
  }

  canActivate(context: ExecutionContext): boolean {
    const { ip } = context.switchToHttp().getRequest<WebhookRequest>();
    if (this.allowlist.allows(ip)) return true;
    throw new ForbiddenException(`Address ${ip ?? 'unknown'} is not allowed to use /admin (ADMIN_IP_ALLOWLIST)`);
  }
}
