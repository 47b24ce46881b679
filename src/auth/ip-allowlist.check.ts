import { WebhookError } from '../common/webhook-error.js';
import { IpAllowlist } from '../common/ip-allowlist.js';
import type { IntakeCheck } from '../http/webhook-request.js';

/**
 * Refuses (403) addresses outside IP_ALLOWLIST before a byte of the body is read. The address
 * is the platform's `request.ip` as the trace took it (each read of `request.ip` parses
 * `X-Forwarded-For` again), which believes that header only as far as TRUST_PROXY says.
 */
export function ipAllowlistCheck(allowlist: IpAllowlist): IntakeCheck {
  return (_request, { ip }) => {
    if (!allowlist.allows(ip)) throw new WebhookError('forbidden', `Address ${ip ?? 'unknown'} is not allowed`);
  };
}
