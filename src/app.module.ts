import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { AdminModule } from './admin/admin.module.js';
import { CatchupModule } from './catchup/catchup.module.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { CoreModule, CoreOptions } from './core.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { ForwardingModule } from './forwarding/forwarding.module.js';
import { HandlersModule } from './handlers/handlers.module.js';
import { HealthModule } from './health/health.module.js';
import { WebhooksModule } from './ingest/webhooks.module.js';
import { PINO_LOGGER } from './logging/logger.js';
import { serviceVersion } from './logging/start-line.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { storeOptionsOf } from './store/store-options.js';
import { StoreModule } from './store/store.module.js';
import { TracingModule } from './tracing/tracing.module.js';

export interface AppOptions extends CoreOptions {
  /** Modules that provide your `@OnWebhookEvent` handlers (see `src/extensions`). */
  extensions?: ModuleMetadata['imports'];
  /** Spans go here instead of to the exporters OTEL_TRACES_EXPORTER names, and tracing is on (tests). */
  traceExporter?: SpanExporter;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        TracingModule.forRootAsync({
          inject: [APP_CONFIG, PINO_LOGGER],
          useFactory: (appConfig: AppConfig, logger: Logger) => ({ tracing: appConfig.tracing, exporter: options.traceExporter, version: serviceVersion(), logger }),
        }),
        CoreModule.forRoot(options),
        MetricsModule,
        HealthModule,
        HandlersModule.forRoot({ auditLog: config.auditLogEnabled }),
        // Global, imported once: one store and one worker for the webhook, admin and catch-up modules.
        StoreModule.forRootAsync({ driver: config.delivery.store, inject: [APP_CONFIG], useFactory: (appConfig: AppConfig) => storeOptionsOf(appConfig) }),
        DeliveryModule.forRoot(config),
        WebhooksModule,
        AdminModule.forRoot(config),
        ForwardingModule.forRoot(config),
        CatchupModule.forRoot(config),
        ...(options.extensions ?? []),
      ],
    };
  }
}
