import type { IncomingDelivery } from './incoming-delivery.js';

export type DeliveryStatus = 'processed' | 'duplicate' | 'ignored' | 'accepted';

/** What the sender is told: the body and its HTTP status. */
export interface DeliveryReceipt {
  httpStatus: 200 | 202;
  status: DeliveryStatus;
  deliveryId: string;
  /** With `duplicate`: the delivery that first carried the change, when the store still knows it. */
  originalDeliveryId?: string;
}

/**
 * How a valid delivery is taken: run now (inline) or stored and run later (queued). A port with
 * adapters chosen by DELIVERY_MODE; the controller only knows this interface.
 */
export interface DeliveryStrategy {
  accept(delivery: IncomingDelivery): Promise<DeliveryReceipt>;
}

export const DeliveryStrategy = Symbol('DeliveryStrategy');
