import { OpenRegisterEvent } from '../events/openregister-event.js';

/** What a handler knows about the delivery besides the event, so it can be idempotent itself. */
export interface DeliveryContext {
  /** This service's id for the delivery; the same on every attempt. */
  deliveryId: string;
  /** 1 on the first run, higher on retries. */
  attempt: number;
  /**
   * This run's signal, in both delivery modes; pass it to `fetch` and other calls that take one.
   * Aborted when the run takes longer than HANDLER_TIMEOUT_MS (reason: an Error "timed out after
   * N ms"), or when this process gives the delivery up while the handler runs (queued mode: its
   * lease was lost, another replica may run it now; that reason is forwarded). The run counts as
   * failed either way and ends then, whatever the handler does; the signal lets it stop its I/O.
   * Every handler of the event has its own. Not aborted when the run finishes in time.
   */
  signal: AbortSignal;
}

/** Implemented by every class decorated with `@OnWebhookEvent`. */
export interface WebhookEventHandler {
  handle(event: OpenRegisterEvent, context: DeliveryContext): Promise<void> | void;
}
