import { Module } from '@nestjs/common';

/**
 * Your handlers go here: add each `@OnWebhookEvent` class (and what it injects) to `providers`,
 * or import a module of your own. Nothing else needs to change; see the README.
 */
@Module({
  providers: [],
})
export class ExtensionsModule {}
