import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { eventTypeProblem } from './event-type-check.js';
import { RegisteredHandler } from './handler-matching.js';
import { WebhookEventHandlerMetadata } from './on-webhook-event.decorator.js';

/**
 * Finds every `@OnWebhookEvent` provider once, at bootstrap, and fails the boot on wrong wiring
 * (no `handle` method, request-scoped, an empty list or an event type no event has) instead of
 * dropping events silently at run time. Each message names the class and its decorator, the two
 * things the developer has to change.
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
    const found = this.discovery
      .getProviders({ metadataKey: WebhookEventHandlerMetadata.KEY })
      .map((wrapper) => {
        const name = wrapper.metatype?.name ?? String(wrapper.token);
        const options = this.discovery.getMetadataByDecorator(WebhookEventHandlerMetadata, wrapper);
        const decorator = `@OnWebhookEvent(${options ? options.events.map((pattern) => JSON.stringify(pattern)).join(', ') : ''})`;
        if (!options || options.events.length === 0) throw new Error(`Webhook handler ${name}: ${decorator} names no event type`);
        const problems = options.events.map(eventTypeProblem).filter((problem) => problem !== undefined);
        if (problems.length > 0) throw new Error(`Webhook handler ${name}: ${decorator}: ${problems.join('; ')}`);
        if (!wrapper.isDependencyTreeStatic() || !wrapper.instance) {
          throw new Error(`Webhook handler ${name} (${decorator}) must be a singleton provider (request or transient scope is not supported)`);
        }
        if (typeof wrapper.instance.handle !== 'function') throw new Error(`Webhook handler ${name} (${decorator}) has no handle(event) method`);
        return { name, instance: wrapper.instance, options, module: wrapper.host?.name };
      });
    this.registered = distinctNames(found);
    const list = this.registered.map(({ name, options }) => ({ handler: name, ...options }));
    // At debug: the start line lists the handlers at info (main.ts), this has their filters too.
    this.logger.debug({ msg: `Found ${list.length} webhook handler(s)`, handlers: list });
  }
}

/**
 * Handler names label metrics and log lines, so two classes of one name (from two modules or
 * libraries) must not share one: those get their module's name after theirs (`Sync (GisModule)`),
 * and a number should even that clash.
 */
export function distinctNames(found: readonly (RegisteredHandler & { module?: string })[]): RegisteredHandler[] {
  const count = (names: string[], name: string) => names.filter((other) => other === name).length;
  const plain = found.map(({ name }) => name);
  const qualified = found.map(({ name, module }) => (count(plain, name) > 1 ? `${name} (${module ?? '?'})` : name));
  return found.map(({ instance, options }, index) => {
    const name = qualified[index];
    const clash = count(qualified, name) > 1 ? ` #${qualified.slice(0, index + 1).filter((other) => other === name).length}` : '';
    return { name: name + clash, instance, options };
  });
}
