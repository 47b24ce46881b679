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
  'headers["x-signature"]',
  'headers.cookie',
  'headers["set-cookie"]',
];

/** A header name pino can take inside `headers["…"]` (an HTTP token: no quote, no backslash). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * The header paths pino blanks: the built-in ones and every REDACT_FIELDS name (lower-cased, as
 * Node gives incoming header names), so a header the operator names is as secret in a log line as
 * in a stored event. Names that cannot be a header are left to the policy (they are field names).
 */
export function logRedactionPaths(extraNames: readonly string[] = []): string[] {
  const extra = extraNames.map((name) => name.trim().toLowerCase()).filter((name) => HEADER_NAME.test(name));
  return [...new Set([...REDACTED_LOG_PATHS, ...extra.map((name) => `headers["${name}"]`)])];
}

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
