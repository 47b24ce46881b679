import { ConfigurableModuleBuilder, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config/tracing-config.js';
import type { StartedTracing } from './sdk.js';

/** The started SDK, or null while tracing is off. */
export const TRACING = Symbol('Tracing');

/** The tracing module's options: its slice of the configuration, and what a test hands in. */
export interface TracingOptions {
  /** OTEL_*, as read by `loadConfig`: undefined while tracing is off. */
  tracing?: TracingConfig;
  /** Replaces the exporters the configuration names, and turns tracing on (tests: an in-memory exporter). */
  exporter?: SpanExporter;
  /** The service's version, on every span's resource. */
  version: string;
  /** Where the SDK's own warnings go (handed in: `src/logging/` imports this folder). */
  logger: Logger;
}

/** The injection token of the tracing module's options. */
export const TRACING_OPTIONS = Symbol('TracingOptions');

const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<TracingOptions>({ optionsInjectionToken: TRACING_OPTIONS })
  .setClassMethodName('forRoot')
  .build();

/**
 * Starts OpenTelemetry tracing when OTEL_* turn it on (or an exporter is handed in), before any
 * request is taken, and flushes it at shutdown, after the worker's last attempt. Off, it loads
 * nothing: the helpers in `spans.ts` then only call through.
 */
@Module({
  providers: [
    {
      provide: TRACING,
      inject: [TRACING_OPTIONS],
      useFactory: async (options: TracingOptions): Promise<StartedTracing | null> => {
        if (!options.tracing && !options.exporter) return null;
        const { startTracing } = await import('./sdk.js');
        const { logger } = options;
        return startTracing(options.tracing, { exporter: options.exporter, version: options.version, diagnostics: (message) => logger.warn({ component: 'opentelemetry' }, message) });
      },
    },
  ],
})
export class TracingModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(TRACING) private readonly tracing: StartedTracing | null) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tracing?.shutdown();
  }
}
