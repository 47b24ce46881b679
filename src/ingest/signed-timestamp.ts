import type { ParsedDelivery } from './parse-delivery.js';

/**
 * When the sender says it sent the delivery, in ms since the epoch, from the signed body:
 * `timestamp` (OpenRegister standard and the guide's shape), `time` (CloudEvents, and Nextcloud's
 * unix seconds). Undefined when the body does not say.
 */
export function signedTimestampOf({ format, body }: ParsedDelivery): number | undefined {
  const value = format === 'cloudevents' || format === 'nextcloud' ? body.time : body.timestamp;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
