// Loaded with `node --import` before the built service's main: adds a handler subscribed to a
// misspelt event type to the built ExtensionsModule, as a developer's module would, so a spec can
// see what `node dist/main.js` says about it (main imports the very same module instance).
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { ExtensionsModule } from '../../dist/extensions/extensions.module.js';
import { OnWebhookEvent } from '../../dist/handlers/on-webhook-event.decorator.js';

class SyncToGis {
  handle() {}
}
Injectable()(SyncToGis);
OnWebhookEvent(process.env.TEST_HANDLER_EVENTS.split(','))(SyncToGis);
Reflect.getMetadata('providers', ExtensionsModule).push(SyncToGis);
