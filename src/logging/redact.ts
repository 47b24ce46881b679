import type { FieldChange } from '../events/openregister-event.js';

/** Keys whose values are credentials wherever they appear, in headers or inside a payload. */
const SECRET_KEY = /^(authorization|proxy-authorization|x-api-key|api[-_]?key|x-webhook-signature|webhook-signature|cookie|set-cookie|password|secret|token|access[-_]?token)$/i;

export const REDACTED = '[REDACTED]';

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
 * A copy of a payload with every credential-like value replaced, at any depth. A non-empty
 * OpenRegister `@self.authorization` (access rules) is blanked too: better one field too many.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const redacted = SECRET_KEY.test(key) && !isEmpty(field) ? REDACTED : redactSecrets(field);
    Object.defineProperty(copy, key, { value: redacted, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * Field-level changes with credentials blanked: a change's own keys are `path`/`oldValue`/
 * `newValue`, so the credential's name is only in its path and is checked there.
 */
export function redactChanges(changes: readonly FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    const secretPath = change.path.split('/').some((segment) => SECRET_KEY.test(segment.replace(/~1/g, '/').replace(/~0/g, '~')));
    const redacted: FieldChange = { path: change.path, op: change.op };
    if ('oldValue' in change) redacted.oldValue = secretPath ? REDACTED : redactSecrets(change.oldValue);
    if ('newValue' in change) redacted.newValue = secretPath ? REDACTED : redactSecrets(change.newValue);
    return redacted;
  });
}

function isEmpty(value: unknown): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}
