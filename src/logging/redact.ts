import type { FieldChange } from '../events/openregister-event.js';
import { DEFAULT_REDACTION, REDACTED } from './redaction.policy.js';

export { REDACTED };

/** Header paths pino blanks out in every log line. */
export const REDACTED_LOG_PATHS = [
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers["x-api-key"]',
  'headers["x-webhook-signature"]',
  'headers["webhook-signature"]',
  'headers.cookie',
  'headers["set-cookie"]',
];

/**
 * A payload with every credential-like value replaced, at any depth, by the built-in keys only
 * (see RedactionPolicy; code that has the configuration uses its policy instead).
 */
export function redactSecrets(value: unknown): unknown {
  return DEFAULT_REDACTION.redact(value);
}

/** Field-level changes with credentials blanked, by the built-in keys only (see RedactionPolicy). */
export function redactChanges(changes: readonly FieldChange[]): FieldChange[] {
  return DEFAULT_REDACTION.redactChanges(changes);
}
