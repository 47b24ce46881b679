import { signStandardWebhook, STANDARD_WEBHOOK_HEADERS } from '../auth/standard-webhooks.js';
import { stringifyExactJson } from '../events/exact-json.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { ForwardTarget } from './forward-target.js';
import { traceClientPost } from '../tracing/client-span.js';
import { withDeadline } from '../common/deadline.js';

/** The `User-Agent` of every forward. */
export const FORWARD_USER_AGENT = 'openregister-webhooks';

/**
 * The JSON body of a forward. `deliveryId` is also the `webhook-id` header: the same on every
 * attempt and replay of one delivery, so a receiver dedupes on it; `attempt` counts from 1.
 */
export interface ForwardMessage {
  deliveryId: string;
  attempt: number;
  /** The normalised event, exactly as handlers of this service see it. */
  event: OpenRegisterEvent;
}

/** The bytes and headers of one forward, the same for every target. */
export interface ForwardRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * Serialises the message once and signs those exact bytes with Standard Webhooks headers
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`); without a secret the signature
 * header is left out and the other two are still sent.
 */
export function buildForwardRequest(message: ForwardMessage, secret: string | undefined, timestampInSeconds: number): ForwardRequest {
  // Integers past 2^53 (bigint in the event) keep their digits.
  const body = stringifyExactJson(message);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': FORWARD_USER_AGENT,
    [STANDARD_WEBHOOK_HEADERS.id]: message.deliveryId,
    [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestampInSeconds),
  };
  if (secret) headers[STANDARD_WEBHOOK_HEADERS.signature] = signStandardWebhook(secret, message.deliveryId, timestampInSeconds, body);
  return { body, headers };
}

/**
 * POSTs one forward to one target within `timeoutInMs` (connection, answer and body).
 * Redirects are not followed: the signed event goes where it was configured to go, or fails.
 * @throws Error naming the masked URL and the status or the cause.
 */
export async function postForward(target: ForwardTarget, request: ForwardRequest, timeoutInMs: number, abort?: AbortSignal): Promise<void> {
  const headers = target.authorization ? { ...request.headers, authorization: target.authorization } : request.headers;
  // With tracing on, a client span around the POST, and its traceparent among the headers.
  const { status, statusText } = await traceClientPost({ url: target.display, headers }, (sent) => send(target, sent, request.body, timeoutInMs, abort));
  if (status < 200 || status > 299) {
    const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    throw new Error(`${target.display}: HTTP ${status}${statusText ? ` ${statusText}` : ''}${redirect}`);
  }
}

/** The POST itself; the answer's body is drained (or dropped) so the connection can be reused. */
async function send(target: ForwardTarget, headers: Record<string, string>, body: string, timeoutInMs: number, abort?: AbortSignal): Promise<{ status: number; statusText: string }> {
  let response: Response;
  try {
    // Also stopped when the delivery is given up (`abort`): another replica may forward it now.
    response = await withDeadline(timeoutInMs, abort, (signal) => fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal }));
  } catch (error) {
    // No `cause`: the message already says what the cause said, and a raw cause is not masked.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${target.display}: ${describeFailure(error, target, timeoutInMs)}`);
  }
  await response.body?.cancel().catch(() => undefined);
  return { status: response.status, statusText: response.statusText };
}

/**
 * Why fetch failed, in words: a timeout, or the network error undici wraps in `cause`. The
 * requested URL is replaced by its masked form should a message quote it.
 */
function describeFailure(error: unknown, target: ForwardTarget, timeoutInMs: number): string {
  // Duck-typed, not `instanceof Error`: fetch's errors may come from another realm (Jest's VM).
  const { name, message, cause } = asError(error);
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutInMs} ms`;
  let text = message ?? String(error);
  if (cause !== undefined) {
    const inner = asError(cause);
    const detail = inner.message ?? String(cause);
    text += ` (${typeof inner.code === 'string' && !detail.includes(inner.code) ? `${inner.code}: ` : ''}${detail})`;
  }
  return text.split(target.url).join(target.display);
}

function asError(value: unknown): { name?: string; message?: string; code?: unknown; cause?: unknown } {
  if (value === null || typeof value !== 'object') return {};
  const { name, message, code, cause } = value as Record<string, unknown>;
  return { name: typeof name === 'string' ? name : undefined, message: typeof message === 'string' ? message : undefined, code, cause };
}
