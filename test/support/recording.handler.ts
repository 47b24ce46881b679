import { Injectable, Module } from '@nestjs/common';
import type { OpenRegisterEvent } from '../../src/events/openregister-event.js';
import { ANY_EVENT, OnWebhookEvent } from '../../src/handlers/on-webhook-event.decorator.js';
import type { DeliveryContext, WebhookEventHandler } from '../../src/handlers/webhook-event-handler.js';

/** Remembers every event a handler was given, so tests can assert on the handler effect. */
@Injectable()
export class HandledEvents {
  readonly received: { event: OpenRegisterEvent; context: DeliveryContext }[] = [];
  /** Set to make the handler throw, to test failure paths. */
  failWith?: string;
}

@Injectable()
@OnWebhookEvent(ANY_EVENT)
export class RecordingHandler implements WebhookEventHandler {
  constructor(private readonly handled: HandledEvents) {}

  handle(event: OpenRegisterEvent, context: DeliveryContext): void {
    if (this.handled.failWith) throw new Error(this.handled.failWith);
    this.handled.received.push({ event, context });
  }
}

@Module({ providers: [HandledEvents, RecordingHandler], exports: [HandledEvents] })
export class RecordingModule {}
