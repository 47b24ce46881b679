import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { RegisteredHandler } from './handler-registry.js';
import { WebhookEventHandlerMetadata } from './on-webhook-event.decorator.js';

const EVENT_PATTERN = /^(\*|[A-Za-z0-9_\\.-]+(\.\*)?)$/;

/**
 * Finds every `@OnWebhookEvent` provider once, at bootstrap, and fails the boot on wrong wiring
 * (no `handle` method, request-scoped, an empty or malformed event list) instead of dropping
 * events silently at run time.
 */
@Injectable()
export class HandlerExplorer implements OnApplicationBootstrap {
  private readonly logger = new Logger(HandlerExplorer.name);
  private registered: RegisteredHandler[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  get handlers(): readonly RegisteredHandler[] {
    return this.registered;
  }

  onApplicationBootstrap(): void {
    this.registered = this.discovery
      .getProviders({ metadataKey: WebhookEventHandlerMetadata.KEY })
      .map((wrapper) => {
        const name = wrapper.metatype?.name ?? String(wrapper.token);
        const options = this.discovery.getMetadataByDecorator(WebhookEventHandlerMetadata, wrapper);
        if (!options || options.events.length === 0) throw new Error(`Webhook handler ${name} names no event type`);
        const bad = options.events.find((pattern) => !EVENT_PATTERN.test(pattern));
        if (bad !== undefined) throw new Error(`Webhook handler ${name} names an invalid event type "${bad}"`);
        if (!wrapper.isDependencyTreeStatic() || !wrapper.instance) {
          throw new Error(`Webhook handler ${name} must be a singleton provider (request or transient scope is not supported)`);
        }
        if (typeof wrapper.instance.handle !== 'function') throw new Error(`Webhook handler ${name} has no handle(event) method`);
        return { name, instance: wrapper.instance, options };
      });
    const list = this.registered.map(({ name, options }) => ({ handler: name, ...options }));
    this.logger.log({ msg: `Found ${list.length} webhook handler(s)`, handlers: list });
  }
}
