/** Everything a handler author needs, in one import. */
export type { FieldChange, OpenRegisterEvent, OpenRegisterObject } from '../events/openregister-event.js';
export { ANY_EVENT, OnWebhookEvent } from './on-webhook-event.decorator.js';
export type { WebhookEventFilter } from './on-webhook-event.decorator.js';
export type { DeliveryContext, WebhookEventHandler } from './webhook-event-handler.js';
