import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** Every event, whatever its type. */
export const ANY_EVENT = '*';

/** Narrows a handler to some registers and/or schemas (ids or slugs, as the sender sends them). */
export interface WebhookEventFilter {
  register?: string | readonly string[];
  schema?: string | readonly string[];
}

export interface WebhookEventHandlerOptions extends WebhookEventFilter {
  /** Event types: `object.updated`, `object.*` for every object event, `*` for all. */
  events: readonly string[];
}

/** The discoverable metadata behind `@OnWebhookEvent`. */
export const WebhookEventHandlerMetadata = DiscoveryService.createDecorator<WebhookEventHandlerOptions>();

/**
 * Marks a provider as the handler of one or more event types:
 *
 * ```ts
 * @OnWebhookEvent('object.updated', { register: '5', schema: '12' })
 * export class SyncBuildingToGis implements WebhookEventHandler { ... }
 * ```
 * The decorator makes the class injectable (no `@Injectable()` needed beside it); list it among a
 * module's providers (a singleton), and it is found at boot.
 */
export function OnWebhookEvent(events: string | readonly string[], filter: WebhookEventFilter = {}): ClassDecorator {
  return applyDecorators(Injectable(), WebhookEventHandlerMetadata({ ...filter, events: typeof events === 'string' ? [events] : events }));
}
