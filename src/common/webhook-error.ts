/**
 * Why a delivery was refused or failed. Each reason maps to one HTTP status and one value of the
 * `outcome` label of `webhook_deliveries_total`.
 */
export const WEBHOOK_ERROR_REASONS = {
  malformed: { status: 400, outcome: 'invalid' },
  invalid: { status: 400, outcome: 'invalid' },
  unauthorized: { status: 401, outcome: 'unauthorized' },
  forbidden: { status: 403, outcome: 'forbidden' },
  too_large: { status: 413, outcome: 'invalid' },
  unsupported_media_type: { status: 415, outcome: 'invalid' },
  throttled: { status: 429, outcome: 'throttled' },
  handler_failed: { status: 500, outcome: 'failed' },
  unavailable: { status: 503, outcome: 'failed' },
} as const;

export type WebhookErrorReason = keyof typeof WEBHOOK_ERROR_REASONS;

/**
 * The one domain error of this service. It is mapped to HTTP at the edge by
 * `WebhookErrorFilter`, so no refusal ever turns into an anonymous 500.
 */
export class WebhookError extends Error {
  constructor(
    readonly reason: WebhookErrorReason,
    message: string,
    /** Extra detail for the client: validation messages, failed handler names. */
    readonly details?: readonly string[],
    /** Seconds, for `Retry-After`. */
    readonly retryAfterInSeconds?: number,
  ) {
    super(message);
    this.name = 'WebhookError';
  }

  get status(): number {
    return WEBHOOK_ERROR_REASONS[this.reason].status;
  }

  get outcome(): string {
    return WEBHOOK_ERROR_REASONS[this.reason].outcome;
  }
}
