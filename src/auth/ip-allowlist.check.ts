import { WebhookError } from '../common/webhook-error.js';
import type { IntakeCheck } from '../ingest/intake.hook.js';
import { IpAllowlist } from './ip-allowlist.js';

/**
 * Refuses (403) addresses outside IP_ALLOWLIST before a byte of the body is read. The address
 * is Fastify's `request.ip`, which believes `X-Forwarded-For` only as far as TRUST_PROXY says.
 */
export function ipAllowlistCheck(allowlist: IpAllowlist): IntakeCheck {
  return (request) => {
    if (!allowlist.allows(request.ip)) throw new WebhookError('forbidden', `Address ${request.ip ?? 'unknown'} is not allowed`);
  };
}
