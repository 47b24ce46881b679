import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { AuthResult } from '../http/webhook-request.js';
import { HMAC_SIGNATURE_ALIAS_HEADER, HMAC_SIGNATURE_HEADER, verifyHmac } from './hmac-signature.js';
import { STANDARD_WEBHOOK_HEADERS, verifyStandardWebhook } from './standard-webhooks.js';
import { presentedTokens, verifyStaticToken } from './static-token.js';

/**
 * Decides whether a delivery is genuine from its headers and raw bytes. Any one valid credential
 * is enough: an HMAC signature (OpenRegister), a Standard Webhooks signature (a gateway), or a
 * static token (Nextcloud `webhook_listeners`).
 */
@Injectable()
export class WebhookAuthenticator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  authenticate(headers: IncomingHttpHeaders, rawBody: Buffer): AuthResult {
    const { secrets, tokens } = this.config.webhook;
    // Only reachable when WEBHOOK_ALLOW_UNAUTHENTICATED=true: config refuses to start otherwise.
    if (secrets.length === 0 && tokens.length === 0) return { ok: true, method: 'none' };

    const reasons: string[] = [];
    const standardSignature = header(headers, STANDARD_WEBHOOK_HEADERS.signature);
    if (standardSignature !== undefined && secrets.length > 0) {
      const verdict = verifyStandardWebhook(
        secrets,
        rawBody,
        {
          id: header(headers, STANDARD_WEBHOOK_HEADERS.id),
          timestamp: header(headers, STANDARD_WEBHOOK_HEADERS.timestamp),
          signature: standardSignature,
        },
        this.config.webhook.toleranceInSeconds,
        Math.floor(this.clock.now() / 1000),
      );
      if (verdict.ok) return { ok: true, method: 'standard-webhooks', webhookId: header(headers, STANDARD_WEBHOOK_HEADERS.id) };
      reasons.push(verdict.reason);
    }

    for (const [name, label] of HMAC_HEADERS) {
      const signature = header(headers, name);
      if (signature === undefined || secrets.length === 0) continue;
      if (verifyHmac(secrets, rawBody, signature) >= 0) return { ok: true, method: 'hmac' };
      reasons.push(`${label} does not match the body`);
    }

    const presented = presentedTokens({ authorization: header(headers, 'authorization'), 'x-api-key': header(headers, 'x-api-key') });
    if (presented.length > 0 && tokens.length > 0) {
      if (verifyStaticToken(tokens, presented)) return { ok: true, method: 'token' };
      reasons.push('the token is not valid');
    } else if (presented.length > 0) {
      // Secrets only: an unsigned sender's token cannot be checked, and an HMAC secret never
      // stands in for one (the token is not a signature of anything).
      reasons.push(NO_TOKENS_CONFIGURED);
    }

    if (reasons.length > 0) return { ok: false, reason: reasons.join('; ') };
    return { ok: false, reason: tokens.length > 0 ? 'no credentials presented' : `no credentials presented; ${UNSIGNED_NEEDS_TOKEN}` };
  }
}

/** Where an HMAC signature may come, in the order they are tried, with the name a refusal gives. */
const HMAC_HEADERS = [
  [HMAC_SIGNATURE_HEADER, 'X-Webhook-Signature'],
  [HMAC_SIGNATURE_ALIAS_HEADER, 'X-Signature'],
] as const;

const UNSIGNED_NEEDS_TOKEN =
  'unsigned senders (Nextcloud webhook_listeners, OpenRegister schema notifications) authenticate only with a token listed in WEBHOOK_TOKENS, sent as Authorization: Bearer <token>';

/** Why a token is refused when only HMAC secrets are configured. */
export const NO_TOKENS_CONFIGURED = `a token was presented but WEBHOOK_TOKENS is not set: ${UNSIGNED_NEEDS_TOKEN}`;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
