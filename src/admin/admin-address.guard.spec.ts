import { describe, expect, it } from '@jest/globals';
import { ForbiddenException, type ExecutionContext } from '@nestjs/common';
import { loadConfig } from '../config/app-config.js';
import { AdminAddressGuard } from './admin-address.guard.js';

const guard = (allowlist: string) => new AdminAddressGuard(loadConfig({ WEBHOOK_SECRETS: 's', ADMIN_IP_ALLOWLIST: allowlist }));
const from = (ip: string | undefined) => ({ switchToHttp: () => ({ getRequest: () => ({ ip, headers: {} }) }) }) as unknown as ExecutionContext;

describe('AdminAddressGuard', () => {
  it('lets any address through when ADMIN_IP_ALLOWLIST is empty', () => {
    expect(guard('').canActivate(from('198.51.100.1'))).toBe(true);
  });

  it('lets listed addresses through, the IPv4-mapped form too', () => {
    expect(guard('10.0.0.0/8').canActivate(from('10.1.2.3'))).toBe(true);
    expect(guard('10.0.0.0/8').canActivate(from('::ffff:10.1.2.3'))).toBe(true);
  });

  it('refuses other addresses with a 403 naming ADMIN_IP_ALLOWLIST', () => {
    expect(() => guard('10.0.0.0/8').canActivate(from('198.51.100.1'))).toThrow(new ForbiddenException('Address 198.51.100.1 is not allowed to use /admin (ADMIN_IP_ALLOWLIST)'));
    expect(() => guard('10.0.0.0/8').canActivate(from(undefined))).toThrow(ForbiddenException);
  });
});
