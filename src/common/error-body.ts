import { WEBHOOK_ERROR_REASONS, type WebhookErrorReason } from './webhook-error.js';

/**
 * The one shape of every error answer, on the webhook and the admin API alike:
 * `{ statusCode, error, message, details?, deliveryId? }`, where `error` is a stable code to
 * branch on (`invalid`, `unauthorized`, `not_found`, ...), `message` one sentence for a person and
 * `details` the individual reasons when there are several (each bad query parameter).
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: string[];
  deliveryId?: string;
}

/** Codes for the statuses the webhook reasons do not name: Nest's own errors (404, 409, ...). */
const CODES: Record<number, string> = { 404: 'not_found', 405: 'method_not_allowed', 409: 'conflict', 500: 'internal' };

/** The code of a status: the webhook API's reason where one has it, so both APIs say the same. */
export function errorCodeOf(status: number): string {
  const reason = (Object.keys(WEBHOOK_ERROR_REASONS) as WebhookErrorReason[]).find((key) => key !== 'malformed' && WEBHOOK_ERROR_REASONS[key].status === status);
  return reason ?? CODES[status] ?? `http_${status}`;
}

/**
 * Nest's error answer (`{ statusCode, message: string | string[], error: 'Bad Request' }`) in the
 * shared shape; a list of messages (a ValidationPipe's) becomes one sentence and its `details`.
 * Answers of another shape (the health check's report) are not errors of this kind: kept as they are.
 */
export function toErrorBody(status: number, answer: string | object): ErrorBody | Record<string, unknown> {
  if (typeof answer === 'string') return { statusCode: status, error: errorCodeOf(status), message: answer };
  const nest = answer as { statusCode?: unknown; message?: unknown };
  if (typeof nest.statusCode !== 'number' || nest.message === undefined) return { ...answer };
  if (Array.isArray(nest.message)) {
    const details = nest.message.map(String);
    return { statusCode: status, error: errorCodeOf(status), message: details.join('; '), details };
  }
  return { statusCode: status, error: errorCodeOf(status), message: String(nest.message) };
}
