import { describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { distinctNames, HandlerExplorer } from './handler-explorer.js';
import { OnWebhookEvent } from './on-webhook-event.decorator.js';
import type { WebhookEventHandler } from './webhook-event-handler.js';

/** A fresh class named `Sync` each call, as two libraries could each ship one. */
function syncHandler(): new () => WebhookEventHandler {
  @OnWebhookEvent('object.updated')
  class Sync implements WebhookEventHandler {
    handle(): void {}
  }
  return Sync;
}

const GisSync = syncHandler();
const CrmSync = syncHandler();

@Module({ providers: [GisSync] })
class GisModule {}

@Module({ providers: [CrmSync] })
class CrmModule {}

describe('HandlerExplorer', () => {
  it('gives two handler classes of one name distinct names (their modules), so metrics and logs tell them apart', async () => {
    const module = await Test.createTestingModule({ imports: [DiscoveryModule, GisModule, CrmModule], providers: [HandlerExplorer] }).compile();
    await module.init();
    const handlers = module.get(HandlerExplorer).handlers;
    expect(handlers.map(({ name }) => name).sort()).toEqual(['Sync (CrmModule)', 'Sync (GisModule)']);
    expect(new Set(handlers.map(({ instance }) => instance)).size).toBe(2);
    await module.close();
  });
});

describe('distinctNames', () => {
  const handler = (name: string, module?: string) => ({ name, module, instance: { handle: () => undefined }, options: { events: ['*'] } });

  it('leaves unique names as they are', () => {
    expect(distinctNames([handler('A', 'M'), handler('B', 'M')]).map(({ name }) => name)).toEqual(['A', 'B']);
  });

  it('numbers what the module cannot tell apart', () => {
    expect(distinctNames([handler('A', 'M'), handler('A', 'M'), handler('A', 'N')]).map(({ name }) => name)).toEqual(['A (M) #1', 'A (M) #2', 'A (N)']);
  });
});
