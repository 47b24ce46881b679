import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryTrace } from '../events/delivery-trace.js';

/** How a delivery proved itself genuine. */
export type AuthMethod = 'hmac' | 'standard-webhooks' | 'token' | 'none';

export type AuthResult = { ok: true; method: AuthMethod; webhookId?: string } | { ok: false; reason: string };

/**
 * The request as this service's hooks, guards, pipes and filter see it, whichever platform
 * (Express or Fastify) carries it: both requests have these fields, so nothing outside
 * `src/http/` needs the platform's own type. `body` is the raw bytes on the webhook route.
 */
export interface WebhookRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address as TRUST_PROXY lets the platform believe it (parsed again on each read). */
  readonly ip?: string;
  body?: Buffer;
  /** Started by the intake, before anything can refuse the delivery. */
  delivery?: DeliveryTrace;
  webhookAuth?: AuthResult;
}

/** The part of a response (Express's or Fastify's) guards and controllers write to. */
export interface WebhookResponse {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

/** One check a delivery passes before its body is read; it refuses by throwing a WebhookError. */
export type IntakeCheck = (request: WebhookRequest, trace: DeliveryTrace) => void;

/** What runs on a route before its body is read (see `HttpPlatform.addIntake`). */
export type Intake = (request: WebhookRequest) => void;

const NO_BYTES = Buffer.alloc(0);

/** The exact bytes on the wire, as the platform's raw-body reader read them (none when the request had no body). */
export function rawBodyOf(request: WebhookRequest): Buffer {
  return request.body ?? NO_BYTES;
}
