import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config/tracing-config.js';
import type { StartedTracing } from './sdk.js';

/** The started SDK, or null while tracing is off. */
export const TRACING = Symbol('Tracing');

export interface TracingOptions {
  /** OTEL_*, as read by `loadConfig`: undefined while tracing is off. */
  tracing?: TracingConfig;
  /** Replaces the exporters the configuration names, and turns tracing on (tests: an in-memory exporter). */
  exporter?: SpanExporter;
  logger: Logger;
  version: string;
}

/**
 * Starts OpenTelemetry tracing when OTEL_* turn it on (or an exporter is handed in), before any
 * request is taken, and flushes it at shutdown, after the worker's last attempt. Off, it loads
 * nothing: the helpers in `spans.ts` then only call through.
 */
@Module({})
export class TracingModule implements OnApplicationShutdown {
  static forRoot(options: TracingOptions): DynamicModule {
    return {
      module: TracingModule,
      providers: [
        {
          provide: TRACING,
          useFactory: async (): Promise<StartedTracing | null> => {
            if (!options.tracing && !options.exporter) return null;
            const { startTracing } = await import('./sdk.js');
            const { logger } = options;
            return startTracing(options.tracing, { exporter: options.exporter, version: options.version, diagnostics: (message) => logger.warn({ component: 'opentelemetry' }, message) });
          },
        },
      ],
    };
  }

  constructor(@Inject(TRACING) private readonly tracing: StartedTracing | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing?.shutdown();
  }
}
