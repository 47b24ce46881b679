import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { DeliveryTrace } from '../events/delivery-trace.js';

/** A delivery that is authentic, valid and normalised: all a delivery strategy needs. */
export interface IncomingDelivery {
  trace: DeliveryTrace;
  event: OpenRegisterEvent;
  idempotencyKey: string;
}
