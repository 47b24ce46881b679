import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditLogHandler } from './builtin/audit-log.handler.js';
import { EventDispatcher } from './event-dispatcher.js';
import { HandlerExplorer } from './handler-explorer.js';

export interface HandlersModuleOptions {
  auditLog: boolean;
}

/** Discovery and dispatch of `@OnWebhookEvent` handlers, plus the built-in ones that are switched on. */
@Module({})
export class HandlersModule {
  static forRoot(options: HandlersModuleOptions): DynamicModule {
    const builtins: Provider[] = options.auditLog ? [AuditLogHandler] : [];
    return {
      module: HandlersModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [HandlerExplorer, EventDispatcher, ...builtins],
      exports: [EventDispatcher, HandlerExplorer],
    };
  }
}
