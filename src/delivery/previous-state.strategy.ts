import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { objectChanges } from '../events/object-changes.js';
import type { ObjectStateStore } from '../store/object-state.store.js';
import type { DeliveryReceipt, DeliveryStrategy } from './delivery-strategy.js';
import type { IncomingDelivery } from './incoming-delivery.js';

/** Events whose object is a state worth remembering as the next update's `previous`. */
const REMEMBERED = new Set(['object.created', 'object.updated']);

/**
 * TRACK_PREVIOUS_STATE: gives an `object.updated` that came without its previous state (neither
 * OpenRegister's webhooks nor its change feed send it) the last state this service saw of the
 * object, and the field-level changes between them; then remembers the new state, unless the
 * delivery was a duplicate. Wraps the strategy DELIVERY_MODE names. A deletion keeps the last
 * state remembered, so that a purge after a soft delete still carries the object's fields.
 */
export class PreviousStateStrategy implements DeliveryStrategy {
  constructor(
    private readonly inner: DeliveryStrategy,
    private readonly states: ObjectStateStore,
    private readonly ttlInMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async accept(delivery: IncomingDelivery): Promise<DeliveryReceipt> {
    const { event } = delivery;
    const object = event.object;
    if (!object?.uuid || !REMEMBERED.has(event.type)) return this.inner.accept(delivery);
    if (event.type === 'object.updated' && !event.previous) {
      const last = await this.states.get(object.uuid);
      if (last) {
        event.previous = last;
        event.changes = objectChanges(last.data, object.data);
      }
    }
    const receipt = await this.inner.accept(delivery);
    if (receipt.status !== 'duplicate') {
      try {
        await this.states.put(object.uuid, object, this.clock.now() + this.ttlInMs);
      } catch (error) {
        // The delivery is taken; only the next update's `previous` is missing.
        this.logger.warn({ err: error, deliveryId: receipt.deliveryId, objectUuid: object.uuid }, 'Could not remember the state of an object: its next update carries no previous state');
      }
    }
    return receipt;
  }
}
