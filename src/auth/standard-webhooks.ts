import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

/** Standard Webhooks (standardwebhooks.com) header names, as Node lower-cases them. */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The keys a configured secret may stand for. A `whsec_` secret is base64 by definition; an
 * unprefixed one is tried both as base64 (what most libraries assume) and as its plain text bytes.
 */
export function standardWebhookKeys(secret: string): Buffer[] {
  if (secret.startsWith(SECRET_PREFIX)) return [Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')];
  const keys = [Buffer.from(secret, 'utf8')];
  if (BASE64.test(secret) && secret.length % 4 === 0) keys.unshift(Buffer.from(secret, 'base64'));
  return keys;
}

/** Signs `${id}.${timestamp}.${body}` and returns the header value `v1,<base64>`. */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestampInSeconds: number,
  rawBody: Buffer | string,
): string {
  const [key] = standardWebhookKeys(secret);
  return `v1,${digest(key, id, String(timestampInSeconds), rawBody)}`;
}

export interface StandardWebhookHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

export type StandardWebhookVerdict =
  | { ok: true; timestampInSeconds: number }
  | { ok: false; reason: string };

/**
 * Verifies Standard Webhooks headers against every secret (rotation) and, when
 * `toleranceInSeconds` > 0, refuses a timestamp that far from `nowInSeconds` in either direction.
 */
export function verifyStandardWebhook(
  secrets: readonly string[],
  rawBody: Buffer | string,
  headers: StandardWebhookHeaders,
  toleranceInSeconds: number,
  nowInSeconds: number,
): StandardWebhookVerdict {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'incomplete Standard Webhooks headers' };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp is not a number of seconds' };
  const timestampInSeconds = Number(timestamp);
  const presented = signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3));
  const valid = secrets.some((secret) =>
    standardWebhookKeys(secret).some((key) => {
      const expected = digest(key, id, timestamp, rawBody);
      return presented.some((candidate) => constantTimeEqual(expected, candidate));
    }),
  );
  if (!valid) return { ok: false, reason: 'webhook-signature does not match' };
  if (toleranceInSeconds > 0 && Math.abs(nowInSeconds - timestampInSeconds) > toleranceInSeconds) {
    return { ok: false, reason: 'webhook-timestamp is outside the tolerance window' };
  }
  return { ok: true, timestampInSeconds };
}

function digest(key: Buffer, id: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest('base64');
}
