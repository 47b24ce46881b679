import type { ParsedDelivery } from './parse-delivery.js';

/**
 * When the sender says it sent the delivery, in ms since the epoch, from the signed body:
 * `timestamp` (OpenRegister standard and the guide's shape), `time` (CloudEvents, and Nextcloud's
 * unix seconds). For a retry of OpenRegister's that wraps earlier envelopes, the outermost one's.
 * Undefined when the body does not say.
 */
export function signedTimestampOf(parsed: ParsedDelivery): number | undefined {
  // A retry's inner envelopes keep the time of the attempt they were first sent with.
  const { format, body } = parsed.sentAs ?? parsed;
  const value = format === 'cloudevents' || format === 'nextcloud' ? body.time : body.timestamp;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
