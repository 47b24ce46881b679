import type { OpenRegisterEvent } from '../../src/events/openregister-event.js';

/**
 * An object.updated event about one object, for specs in which an event only has to pass through
 * (dispatched to handlers, stored and claimed by the worker) and nothing reads what is inside it.
 * Shared, so those specs do not each keep a copy of the same literal.
 */
export const TEST_EVENT: OpenRegisterEvent = {
  type: 'object.updated',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  format: 'openregister',
  occurredAt: new Date(0).toISOString(),
  object: { uuid: 'obj', data: {}, meta: {} },
};
