import { diag, type DiagLogger, DiagLogLevel, trace, context, propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config/tracing-config.js';
import { setTracer } from './spans.js';

/**
 * Loaded (dynamic import) only when tracing is on, so that with it off not one SDK module is read.
 */

/** Where the SDK's own complaints go (an unreachable collector, a dropped batch): the service's log, at warn. */
export type TracingDiagnostics = (message: string) => void;

export interface StartedTracing {
  /** Exports what is still buffered, then stops; the helpers record nothing after it. */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK: the exporters OTEL_TRACES_EXPORTER names (OTLP batched, console one span at a
 * time), or `exporter` alone when given (tests hand in an in-memory one, exported at each span's
 * end); the W3C trace-context propagator; AsyncLocalStorage for the active span. The sampler is
 * the SDK's, from OTEL_TRACES_SAMPLER(_ARG) (parent-based always-on by default).
 */
export async function startTracing(config: TracingConfig | undefined, options: { exporter?: SpanExporter; version: string; diagnostics: TracingDiagnostics }): Promise<StartedTracing> {
  const processors: SpanProcessor[] = options.exporter ? [new SimpleSpanProcessor(options.exporter)] : await processorsFor(config!);
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.version': options.version, ...(config?.resourceAttributes ?? { 'service.name': 'openregister-webhooks' }) }));
  diag.setLogger(diagLogger(options.diagnostics), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  setTracer(provider.getTracer('openregister-webhooks', options.version));
  return {
    async shutdown() {
      setTracer(undefined);
      try {
        await provider.shutdown();
      } finally {
        // The globals go too, so a later start in the same process (tests) registers afresh.
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}

async function processorsFor(config: TracingConfig): Promise<SpanProcessor[]> {
  const processors: SpanProcessor[] = [];
  for (const name of config.exporters) {
    if (name === 'console') processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
    else processors.push(new BatchSpanProcessor(await otlpExporter(config.protocol)));
  }
  return processors;
}

/** The OTLP/HTTP exporter for the protocol; it reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout, TLS) itself. */
async function otlpExporter(protocol: TracingConfig['protocol']): Promise<SpanExporter> {
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

function diagLogger(write: TracingDiagnostics): DiagLogger {
  const ignore = () => undefined;
  const report = (message: string, ...args: unknown[]) => write([message, ...args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : JSON.stringify(arg)))].join(' '));
  return { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore };
}
