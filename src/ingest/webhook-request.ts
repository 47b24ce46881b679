import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
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

/**
 * Node's request as the intake checks see it (`addIntakeHook`), with Fastify's `ip` copied onto
 * it. The trace lives here, on the one object every stage reaches (`request.raw` from Fastify's).
 */
export interface TracedMessage extends IncomingMessage {
  ip?: string;
  delivery?: DeliveryTrace;
}

/** The Fastify request as the webhook route's guards and pipe see it; `body` is the raw bytes. */
export interface WebhookRequest extends FastifyRequest {
  body: Buffer | undefined;
  raw: TracedMessage;
  webhookAuth?: AuthResult;
}

const NO_BYTES = Buffer.alloc(0);

/** The exact bytes on the wire (none when the request had no body). */
export function rawBodyOf(request: WebhookRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : NO_BYTES;
}

/** Starts the trace of a delivery: its id and clock start before anything can refuse it. */
export function startTrace(message: TracedMessage): DeliveryTrace {
  return (message.delivery ??= { deliveryId: newDeliveryId(), startedAt: performance.now(), ip: message.ip });
}

/** The trace of a webhook delivery, from the Fastify request or the raw one; none on other routes. */
export function traceOf(request: WebhookRequest | TracedMessage): DeliveryTrace | undefined {
  return 'raw' in request && request.raw ? request.raw.delivery : (request as TracedMessage).delivery;
}
