import { OpenRegisterEvent } from '../events/openregister-event.js';

/** What a handler knows about the delivery besides the event, so it can be idempotent itself. */
export interface DeliveryContext {
  /** This service's id for the delivery; the same on every attempt. */
  deliveryId: string;
  /** 1 on the first run, higher on retries. */
  attempt: number;
  /**
   * Aborted when this process gives the delivery up while the handler runs (its lease was lost:
   * another replica may run it now). Pass it to outgoing calls; absent for inline delivery.
   */
  signal?: AbortSignal;
}

/** Implemented by every class decorated with `@OnWebhookEvent`. */
export interface WebhookEventHandler {
  handle(event: OpenRegisterEvent, context: DeliveryContext): Promise<void> | void;
}
