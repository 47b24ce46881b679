import { describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { INJECTABLE_WATERMARK } from '@nestjs/common/constants.js';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { OnWebhookEvent, WebhookEventHandlerMetadata } from './on-webhook-event.decorator.js';

@Injectable()
class Greeting {
  readonly text = 'hello';
}

/** No @Injectable(): the decorator alone must make its dependency injectable. */
@OnWebhookEvent('object.updated', { register: '5' })
class GreetingHandler {
  constructor(readonly greeting: Greeting) {}
  handle(): void {}
}

@Module({ imports: [DiscoveryModule], providers: [Greeting, GreetingHandler] })
class GreetingModule {}

describe('@OnWebhookEvent', () => {
  it('marks the class as @Injectable() does, and its constructor dependencies are resolved', async () => {
    // What Nest (and its tooling) reads to know a class is a provider, as @Injectable() sets it.
    expect(Reflect.getMetadata(INJECTABLE_WATERMARK, GreetingHandler)).toBe(true);
    const module = await Test.createTestingModule({ imports: [GreetingModule] }).compile();
    expect(module.get(GreetingHandler).greeting.text).toBe('hello');
    await module.close();
  });

  it('records the event types (a single one as a list) and the filter, found through discovery', async () => {
    const module = await Test.createTestingModule({ imports: [GreetingModule] }).compile();
    const found = module
      .get(DiscoveryService)
      .getProviders({ metadataKey: WebhookEventHandlerMetadata.KEY })
      .map((wrapper) => ({ name: wrapper.name, options: module.get(DiscoveryService).getMetadataByDecorator(WebhookEventHandlerMetadata, wrapper) }));
    expect(found).toEqual([{ name: 'GreetingHandler', options: { register: '5', events: ['object.updated'] } }]);
    await module.close();
  });
});
