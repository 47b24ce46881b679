import { OpenRegisterEvent } from '../events/openregister-event.js';
import { ANY_EVENT, WebhookEventHandlerOptions } from './on-webhook-event.decorator.js';
import { WebhookEventHandler } from './webhook-event-handler.js';

/** A discovered handler with its subscription. */
export interface RegisteredHandler {
  name: string;
  instance: WebhookEventHandler;
  options: WebhookEventHandlerOptions;
}

/** The handlers that take an event: by type (exact, `prefix.*` or `*`), then register and schema. */
export function matchingHandlers(handlers: readonly RegisteredHandler[], event: OpenRegisterEvent): RegisteredHandler[] {
  return handlers.filter(({ options }) => {
    const typeMatches = options.events.some(
      (pattern) =>
        pattern === ANY_EVENT ||
        pattern === event.type ||
        (pattern.endsWith('.*') && event.type.startsWith(pattern.slice(0, -1))),
    );
    return typeMatches && allows(options.register, event.register) && allows(options.schema, event.schema);
  });
}

function allows(filter: string | readonly string[] | undefined, value: string | undefined): boolean {
  if (filter === undefined) return true;
  if (value === undefined) return false;
  return typeof filter === 'string' ? filter === value : filter.includes(value);
}
