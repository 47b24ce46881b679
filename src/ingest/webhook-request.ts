import type { Request } from 'express';
import { EnvelopeFormat } from '../events/openregister-event.js';

/** How a delivery proved itself genuine. */
export type AuthMethod = 'hmac' | 'standard-webhooks' | 'token' | 'none';

export type AuthResult = { ok: true; method: AuthMethod; webhookId?: string } | { ok: false; reason: string };

/** What is known about a delivery so far; it feeds the one log line and metric per outcome. */
export interface DeliveryTrace {
  deliveryId: string;
  startedAt: number;
  format?: EnvelopeFormat;
  event?: string;
  objectUuid?: string;
}

/** The Express request as the webhook route's middleware, guards and pipe leave it. */
export interface WebhookRequest extends Request {
  delivery: DeliveryTrace;
  rawBody: Buffer;
  webhookAuth?: AuthResult;
}
