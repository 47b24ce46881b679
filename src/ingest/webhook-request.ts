import type { FastifyRequest } from 'fastify';
import { EnvelopeFormat } from '../events/openregister-event.js';
import { newDeliveryId } from './delivery-id.js';

/** How a delivery proved itself genuine. */
export type AuthMethod = 'hmac' | 'standard-webhooks' | 'token' | 'none';

export type AuthResult = { ok: true; method: AuthMethod; webhookId?: string } | { ok: false; reason: string };

/** What is known about a delivery so far; it feeds the one log line and metric per outcome. */
export interface DeliveryTrace {
  deliveryId: string;
  startedAt: number;
  /** The client's address as TRUST_PROXY lets us believe it. */
  ip?: string;
  format?: EnvelopeFormat;
  event?: string;
  objectUuid?: string;
}

/** The Fastify request as the webhook route's hook, guards and pipe see it; `body` is the raw bytes. */
export interface WebhookRequest extends FastifyRequest {
  body: Buffer | undefined;
  /** Started by the intake hook, before anything can refuse the delivery. */
  delivery?: DeliveryTrace;
  webhookAuth?: AuthResult;
}

const NO_BYTES = Buffer.alloc(0);

/** The exact bytes on the wire, as `acceptRawBodies` reads them (none when the request had no body). */
export function rawBodyOf(request: WebhookRequest): Buffer {
  return request.body ?? NO_BYTES;
}

/** Starts the trace of a delivery: its id and clock start before anything can refuse it. */
export function startTrace(request: WebhookRequest): DeliveryTrace {
  return (request.delivery = { deliveryId: newDeliveryId(), startedAt: performance.now(), ip: request.ip });
}
