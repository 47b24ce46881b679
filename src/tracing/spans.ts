import { type Attributes, type Context, context, type Link, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';

/**
 * The tracer while tracing is on (set by `TracingModule` once the SDK is started), undefined
 * while it is off. Every helper checks it first and otherwise only calls its function: with
 * tracing off no span, context or attribute object is made, so the request path costs what it
 * cost before tracing existed (docs/adr/0007-tracing.md).
 */
let tracer: Tracer | undefined;

/** @internal For `TracingModule`: the SDK's tracer when started, undefined when shut down. */
export function setTracer(value: Tracer | undefined): void {
  tracer = value;
}

export function tracingOn(): boolean {
  return tracer !== undefined;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; the active context when absent. */
  parent?: Context;
  /** A root span even with an active one (the queued attempt, linked to its request instead). */
  root?: boolean;
}

/**
 * Runs `fn` in a new span, active while it runs, and ends the span when `fn` returns or its
 * promise settles; a throw or a rejection marks the span as an error and is passed on. Without
 * a parent span (catch-up's reads, the worker's own bookkeeping) and without `root`, no span is
 * made: a step is recorded only as part of the delivery it belongs to.
 */
export function withSpan<T>(name: string, fn: (span?: Span) => T, options: SpanOptions = {}): T {
  if (!tracer) return fn();
  const parent = options.parent ?? context.active();
  if (!options.root && !trace.getSpan(parent)) return fn();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links, root: options.root }, parent);
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    endWithError(span, error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        endWithError(span, error);
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

export function endWithError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (error instanceof Error) span.recordException(error);
  span.end();
}

/** Starts a span that the caller ends (the request's, which outlives any one function). */
export function startSpan(name: string, options: SpanOptions & { startTime?: number }): Span | undefined {
  return tracer?.startSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links, root: options.root, startTime: options.startTime }, options.parent);
}

const NO_FIELDS = Object.freeze({});

/**
 * The active span's ids for a log line (pino's `mixin`): `traceId` and `spanId` while tracing is
 * on and a span is active, nothing otherwise.
 */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  if (!tracer) return NO_FIELDS;
  const span = trace.getActiveSpan();
  if (!span) return NO_FIELDS;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/**
 * pino's `mixinMergeStrategy` for {@link traceLogFields}: the line's own fields win; with no
 * trace fields the line is left as it is (pino's default would copy it into the shared empty object).
 */
export function mergeTraceFields(fields: object, traceFields: object): object {
  return traceFields === NO_FIELDS ? fields : Object.assign(traceFields, fields);
}
