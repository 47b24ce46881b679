/** Keys whose values are credentials wherever they appear, in headers or inside a payload. */
const SECRET_KEY = /^(authorization|proxy-authorization|x-api-key|api[-_]?key|x-webhook-signature|webhook-signature|cookie|set-cookie|password|secret|token|access[-_]?token)$/i;

export const REDACTED = '[REDACTED]';

/** Header paths pino blanks out in every log line. */
export const REDACTED_LOG_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-webhook-signature"]',
  'headers["webhook-signature"]',
  'headers.cookie',
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

function isEmpty(value: unknown): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}
