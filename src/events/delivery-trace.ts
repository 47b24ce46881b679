import type { EnvelopeFormat } from './openregister-event.js';

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
