import { WebhookError } from '../common/webhook-error.js';
import type { IntakeCheck } from '../ingest/intake.hook.js';
import { IpAllowlist } from './ip-allowlist.js';

/**
 * Refuses (403) addresses outside IP_ALLOWLIST before a byte of the body is read. The address
 * is Fastify's `request.ip` as the trace took it (each read of `request.ip` parses
 * `X-Forwarded-For` again), which believes that header only as far as TRUST_PROXY says.
 */
export function ipAllowlistCheck(allowlist: IpAllowlist): IntakeCheck {
  return (_request, { ip }) => {
    if (!allowlist.allows(ip)) throw new WebhookError('forbidden', `Address ${ip ?? 'unknown'} is not allowed`);
  };
}
